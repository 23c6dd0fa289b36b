#!/usr/bin/env bash
# bench/failover.sh: the distribution of write unavailability over KILLS
# leader kills (kill -9) of one 3-server cluster, and the acknowledged
# writes lost (must be 0), for issue 12's failover figure.
#
#   bench/failover.sh                      # this tree, 10 kills
#   CONCORD=/path/to/concord KILLS=10 IPS="127.0.0.67 127.0.0.68 127.0.0.69" bench/failover.sh
#
# Each round: 32 writers (concord-bench failover) spread over the three
# servers' HTTP APIs, the followers first; the leader is killed 3 s in;
# the writes run 12 s and are then read back with ?consistent. The killed
# server is restarted on its data and the next round waits until
# autopilot reports all three voters healthy again (failure tolerance 1).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/concord-failover.XXXXXX")
KILLS=${KILLS:-10}
read -r -a IP <<<"${IPS:-127.0.0.67 127.0.0.68 127.0.0.69}"
EXTRA_CONFIG='{"limits": {"http_max_conns_per_client": 0}}'
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
trap cleanup_cluster EXIT
trap 'exit 130' INT TERM
cd "$ROOT"
build_binaries
start_cluster

num() { { grep -o "\"$2\":-\{0,1\}[0-9][0-9.e+-]*" "$1" || true; } | head -n 1 | cut -d: -f2; }

# healthy: autopilot, asked through any server, counts three healthy
# voters (failure tolerance 1).
healthy() {
	local ip
	for ip in "${IP[@]}"; do
		curl -s -m 2 "http://$ip:8500/v1/operator/autopilot/health" 2>/dev/null | grep -q '"FailureTolerance":1' && return 0
	done
	return 1
}

declare -a TIMES=()
lost_total=0
for round in $(seq "$KILLS"); do
	deadline=$((SECONDS + 90))
	until healthy && [ -n "$(leader_of "${IP[0]}")" ]; do
		[ "$SECONDS" -lt "$deadline" ] || die "round $round: the cluster did not become healthy within 90 s"
		sleep 0.5
	done
	leader=$(leader_of "${IP[0]}")
	victim=-1 addrs=""
	for n in 0 1 2; do
		if [ "${IP[$n]}" = "$leader" ]; then victim=$n; else addrs+="${IP[$n]}:8500,"; fi
	done
	[ "$victim" -ge 0 ] || die "round $round: leader $leader is none of ${IP[*]}"
	addrs+="$leader:8500"
	out=$TMP/round$round.json
	"$TMP/concord-bench" failover -addr "$addrs" -clients 32 -duration 12s -kill-after 3s \
		-kill-pid "${SERVER_PID[$victim]}" -prefix "r$round/" -json >"$out" 2>"$TMP/round$round.err" || true
	ms=$(num "$out" unavailable_ms)
	lost=$(num "$out" lost)
	echo "==> round $round: killed $leader, writes unavailable ${ms:-?} ms, acknowledged $(num "$out" acknowledged), lost ${lost:-?}" >&2
	if [ -z "$ms" ] || [ -z "$lost" ]; then
		cat "$TMP/round$round.err" >&2
		die "round $round: no result"
	fi
	TIMES+=("$ms")
	lost_total=$((lost_total + lost))
	{ wait "${SERVER_PID[$victim]}"; } 2>/dev/null || true
	start_server "$victim"
done

sorted=$(printf '%s\n' "${TIMES[@]}" | sort -g)
pick() { echo "$sorted" | awk -v q="$1" 'BEGIN{n=0} {v[++n]=$1} END{r=int(q*n+0.999999); if (r<1) r=1; printf "%.0f", v[r]}'; }
echo "kills $KILLS, unavailable ms: $(echo "$sorted" | awk '{printf "%.0f ", $1}')"
echo "p50 $(pick 0.5) ms, p95 $(pick 0.95) ms, max $(pick 1) ms, acknowledged writes lost: $lost_total"
