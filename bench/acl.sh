#!/usr/bin/env bash
# bench/acl.sh: what ACL resolution costs a KV read. Runs concord-bench
# kv-get against an agent with ACLs enforced (default deny, a token whose
# only rule is key_prefix "bench/get/" read) and against the same setup
# with ACLs off, alternately (off, on, off, on, ...), and prints every run
# and the range per setup. Odd rounds run off then on, even rounds on then
# off.
#
#   bench/acl.sh                       # dev agents, 2 rounds of 10 s each
#   TOPOLOGY=client bench/acl.sh       # 1 server + 1 client agent, reads
#                                      # through the client
#   TOPOLOGY="dev client" ROUNDS=3 DURATION=5s bench/acl.sh
#   CONCORD=/path/to/concord bench/acl.sh  # use that binary, build none
#   CLIENTS=32 CONSISTENCY=default     # kv-get's -clients and -consistency
#
# Both setups run side by side the whole time, so each comparison pair
# sees the same machine: dev agents on 127.0.0.21 (ACLs on) and
# 127.0.0.22 (off); server + client pairs on 127.0.0.31/32 (on) and
# 127.0.0.33/34 (off). Every agent has the same config file apart from
# acl.enabled; with ACLs on the initial management token is a fresh UUID,
# also set as acl.tokens.agent. The keyspace is written with the
# management token (kv-get -write-token), the timed reads use the
# read-only token. Everything started is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/concord-acl.XXXXXX")
declare -a PIDS=()
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-2}
CLIENTS=${CLIENTS:-32}
CONSISTENCY=${CONSISTENCY:-default}
TOPOLOGY=${TOPOLOGY:-dev}

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for _ in $(seq 50); do
		local alive=0
		for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
		[ "$alive" = 0 ] && break
		sleep 0.1
	done
	for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ -n "${KEEP_LOGS:-}" ]; then
		mkdir -p bench-results && cp "$TMP"/*.log "$TMP"/*.json bench-results/ 2>/dev/null || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "acl.sh: $*" >&2; exit 1; }
command -v curl >/dev/null || die "needs curl"

cd "$ROOT"
echo "==> building into $TMP" >&2
if [ -n "${CONCORD:-}" ]; then
	cp "$CONCORD" "$TMP/concord"
else
	go build -o "$TMP/concord" ./cmd/concord
fi
go build -o "$TMP/concord-bench" ./cmd/concord-bench

MGMT=$(cat /proc/sys/kernel/random/uuid)
cat >"$TMP/acl-on.json" <<EOF
{"acl": {"enabled": true, "default_policy": "deny",
         "tokens": {"initial_management": "$MGMT", "agent": "$MGMT"}}}
EOF
cat >"$TMP/acl-off.json" <<EOF
{"acl": {"enabled": false}}
EOF

# start NAME IP ACL(on|off) ARGS...: one agent in the background.
start() {
	local name=$1 ip=$2 mode=$3
	shift 3
	if curl -s -m 1 -o /dev/null "http://$ip:8500/v1/status/leader"; then
		die "something already answers on $ip:8500; stop it first"
	fi
	"$TMP/concord" agent -node "$name" -bind "$ip" -client "$ip" -dns-port -1 -serf-wan-port -1 \
		-config-file "$TMP/acl-$mode.json" -log-level warn "$@" >"$TMP/$name.log" 2>&1 &
	PIDS+=("$!")
}

# ready IP: wait (at most 60 s) until a KV read through IP gets an answer
# from a server (200 or 404, not 500), with the management token.
ready() {
	local deadline=$((SECONDS + 60)) code
	while :; do
		code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' -H "X-Consul-Token: $MGMT" \
			"http://$1:8500/v1/kv/bench/ready" 2>/dev/null) || true
		case $code in 200 | 404) return 0 ;; esac
		for pid in "${PIDS[@]}"; do
			kill -0 "$pid" 2>/dev/null || { tail -n 20 "$TMP"/*.log >&2; die "an agent (pid $pid) exited"; }
		done
		[ "$SECONDS" -lt "$deadline" ] || { tail -n 20 "$TMP"/*.log >&2; die "$1 not ready after 60 s (last $code)"; }
		sleep 0.3
	done
}

# read_token IP: create the read-only policy and a token for it through
# IP; prints the token's secret.
read_token() {
	local out
	CONSUL_HTTP_ADDR="http://$1:8500" CONSUL_HTTP_TOKEN=$MGMT "$TMP/concord" acl policy create \
		-name bench-read -rules 'key_prefix "bench/get/" { policy = "read" }' >/dev/null
	out=$(CONSUL_HTTP_ADDR="http://$1:8500" CONSUL_HTTP_TOKEN=$MGMT "$TMP/concord" acl token create \
		-description "bench read-only" -policy-name bench-read)
	echo "$out" | awk '/^SecretID:/ {print $2}'
}

declare -A READ_AT=() # topology -> HTTP address of the agent read through, per ACL mode
declare -A TOKEN=()
for topo in $TOPOLOGY; do
	case $topo in
	dev)
		start dev-on 127.0.0.21 on -dev
		start dev-off 127.0.0.22 off -dev
		READ_AT[dev-on]=127.0.0.21 READ_AT[dev-off]=127.0.0.22
		;;
	client)
		mkdir -p "$TMP/srv-on" "$TMP/cli-on" "$TMP/srv-off" "$TMP/cli-off"
		start srv-on 127.0.0.31 on -server -bootstrap-expect 1 -data-dir "$TMP/srv-on"
		start cli-on 127.0.0.32 on -data-dir "$TMP/cli-on" -retry-join 127.0.0.31 -retry-interval 1s
		start srv-off 127.0.0.33 off -server -bootstrap-expect 1 -data-dir "$TMP/srv-off"
		start cli-off 127.0.0.34 off -data-dir "$TMP/cli-off" -retry-join 127.0.0.33 -retry-interval 1s
		READ_AT[client-on]=127.0.0.32 READ_AT[client-off]=127.0.0.34
		;;
	*) die "unknown TOPOLOGY $topo (dev, client)" ;;
	esac
	ready "${READ_AT[$topo-on]}"
	ready "${READ_AT[$topo-off]}"
	TOKEN[$topo]=$(read_token "${READ_AT[$topo-on]}")
	[ -n "${TOKEN[$topo]}" ] || die "no token created through ${READ_AT[$topo-on]}"
	# The read-only token must not write (the rule is what it claims).
	code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "X-Consul-Token: ${TOKEN[$topo]}" \
		-d x "http://${READ_AT[$topo-on]}:8500/v1/kv/bench/get/0")
	[ "$code" = 403 ] || die "the read-only token's write answered $code, want 403"
	echo "==> $topo: ACLs on at ${READ_AT[$topo-on]}, off at ${READ_AT[$topo-off]}" >&2
done

num() { { grep -o "\"$2\":-\{0,1\}[0-9][0-9.e+-]*" "$1" || true; } | head -n 1 | cut -d: -f2; }

declare -a ROWS=()
declare -A OPS=()
for round in $(seq "$ROUNDS"); do
	for topo in $TOPOLOGY; do
		order="off on"
		[ $((round % 2)) = 0 ] && order="on off"
		for mode in $order; do
			out="$TMP/$topo-$mode-$round.json"
			args=(kv-get -addr "${READ_AT[$topo-$mode]}:8500" -clients "$CLIENTS" -duration "$DURATION"
				-consistency "$CONSISTENCY" -progress=false -json)
			[ "$mode" = on ] && args+=(-token "${TOKEN[$topo]}" -write-token "$MGMT")
			shown="${args[*]//${TOKEN[$topo]}/<read-only>}"
			echo "==> round $round, $topo, ACLs $mode: concord-bench ${shown//$MGMT/<management>}" >&2
			"$TMP/concord-bench" "${args[@]}" >"$out" || die "concord-bench failed: $(cat "$out")"
			ops=$(num "$out" ops_per_sec)
			OPS[$topo-$mode]="${OPS[$topo-$mode]:-} $ops"
			ROWS+=("$(printf '%-6s %-7s %5s %10.1f %8.2f %8.2f %7s' "$round" "$topo" "$mode" "$ops" \
				"$(num "$out" p50)" "$(num "$out" p99)" "$(num "$out" errors)")")
		done
	done
done

echo
printf '%-6s %-7s %5s %10s %8s %8s %7s\n' round setup acl ops/s p50-ms p99-ms errors
for r in "${ROWS[@]}"; do echo "$r"; done
echo
for topo in $TOPOLOGY; do
	# shellcheck disable=SC2086
	echo "${OPS[$topo-off]} | ${OPS[$topo-on]}" | awk -v t="$topo" '{
		split($0, h, "|"); n = split(h[1], a, " "); m = split(h[2], b, " ")
		amin = amax = a[1]; s = 0; for (i = 1; i <= n; i++) { s += a[i]; if (a[i] < amin) amin = a[i]; if (a[i] > amax) amax = a[i] }
		bmin = bmax = b[1]; u = 0; for (i = 1; i <= m; i++) { u += b[i]; if (b[i] < bmin) bmin = b[i]; if (b[i] > bmax) bmax = b[i] }
		printf "%s: ACLs off %.0f-%.0f ops/s, on %.0f-%.0f ops/s; mean on/off %.1f %%\n", t, amin, amax, bmin, bmax, 100 * (u / m) / (s / n)
	}'
done
