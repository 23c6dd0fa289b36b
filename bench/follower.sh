#!/usr/bin/env bash
# bench/follower.sh: the figures of issue 12 through a follower, for one
# or more builds back to back, so builds are compared in one run.
#
#   bench/follower.sh                                  # this tree
#   bench/follower.sh /tmp/concord-main /tmp/concord-branch
#   DURATION=10s WATCHERS=2000 IPS="127.0.0.64 127.0.0.65 127.0.0.66" bench/follower.sh A B
#   TARGET=leader bench/follower.sh A B                # the same, sent to the leader
#
# For each binary: a fresh 3-server cluster (default 127.0.0.64-66), then
# through a follower, 32 clients: kv-put, kv-get default, kv-get
# ?consistent, kv-get ?stale, and watch (WATCHERS blocking queries, one
# write, time to 100 % woken). Prints one table row per binary and test.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-10s}
WATCHERS=${WATCHERS:-2000}
read -r -a IP <<<"${IPS:-127.0.0.64 127.0.0.65 127.0.0.66}"
EXTRA_CONFIG='{"limits": {"http_max_conns_per_client": 0}}'
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
cd "$ROOT"
[ "$#" -gt 0 ] || set -- ""

num() { { grep -o "\"$2\":-\{0,1\}[0-9][0-9.e+-]*" "$1" || true; } | head -n 1 | cut -d: -f2; }
declare -a ROWS=()
trap 'cleanup_cluster' EXIT
trap 'exit 130' INT TERM
for bin in "$@"; do
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/concord-follower.XXXXXX")
	PIDS=()
	CONCORD=$bin build_binaries
	start_cluster
	[ "${TARGET:-follower}" = leader ] && FOLLOWER=$LEADER
	label="${bin:-this tree} (${TARGET:-follower})"
	run() {
		local name=$1
		shift
		"$TMP/concord-bench" "$@" -addr "$FOLLOWER:8500" -json >"$TMP/$name.json" 2>/dev/null || true
		local f=$TMP/$name.json
		if [ "$name" = watch ]; then
			local p100
			p100=$(grep -o '"from_ack_ms":{[^}]*' "$f" | grep -o '"p100":[0-9.e+-]*' | cut -d: -f2)
			ROWS+=("$(printf '%-28s %-22s %10s %10s' "$label" "watch-$WATCHERS (ms 100%)" "-" "${p100:--}") notified $(num "$f" ops)/$(num "$f" watchers)")
		else
			ROWS+=("$(printf '%-28s %-22s %10.0f %10.1f' "$label" "$name" "$(num "$f" ops_per_sec)" "$(num "$f" p50)") errors $(num "$f" errors)")
		fi
	}
	run kv-put kv-put -clients 32 -duration "$DURATION"
	run kv-get-default kv-get -consistency default -clients 32 -duration "$DURATION"
	run kv-get-consistent kv-get -consistency consistent -clients 32 -duration "$DURATION"
	run kv-get-stale kv-get -consistency stale -clients 32 -duration "$DURATION"
	run watch watch -watchers "$WATCHERS"
	cleanup_cluster
done
trap - EXIT
printf '%-28s %-22s %10s %10s\n' binary test ops/s p50-ms
for r in "${ROWS[@]}"; do echo "$r"; done
