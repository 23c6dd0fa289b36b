#!/usr/bin/env bash
# bench/profile.sh: CPU profiles of the leader and of a follower of a
# 3-server cluster (enable_debug on) while concord-bench sends kv-put, then
# kv-get (default consistency), to the follower. Prints the top of each
# profile and leaves the .pprof files in OUT.
#
#   bench/profile.sh                     # build from this tree
#   CONCORD=/path/to/concord bench/profile.sh
#   IPS="127.0.0.61 127.0.0.62 127.0.0.63" OUT=/tmp/prof SECONDS_PROF=10 bench/profile.sh
#
# The servers listen on three loopback addresses (default 127.0.0.61-63, so
# it does not collide with bench/cluster.sh). Everything it starts is
# stopped and its temporary directory removed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/concord-profile.XXXXXX")
OUT=${OUT:-$ROOT/bench-results/profile}
PROF=${SECONDS_PROF:-10}
read -r -a IP <<<"${IPS:-127.0.0.61 127.0.0.62 127.0.0.63}"
EXTRA_CONFIG='{"enable_debug": true, "limits": {"http_max_conns_per_client": 0}}'
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
trap cleanup_cluster EXIT
trap 'exit 130' INT TERM

cd "$ROOT"
mkdir -p "$OUT"
build_binaries
start_cluster

# profile NAME concord-bench-ARGS...: run the load for PROF+4 s and take a
# PROF-second CPU profile of the leader and the follower in the middle.
profile() {
	local name=$1
	shift
	"$TMP/concord-bench" "$@" -addr "$FOLLOWER:8500" -clients 32 -duration "$((PROF + 4))s" -json >"$OUT/$name.json" &
	local bench=$!
	sleep 2
	curl -s -o "$OUT/$name-leader.pprof" "http://$LEADER:8500/debug/pprof/profile?seconds=$PROF" &
	local c1=$!
	curl -s -o "$OUT/$name-follower.pprof" "http://$FOLLOWER:8500/debug/pprof/profile?seconds=$PROF" &
	local c2=$!
	wait "$bench" "$c1" "$c2"
	echo "==> $name: $(grep -o '"ops_per_sec":[0-9.]*' "$OUT/$name.json" | head -n1)" >&2
	for role in leader follower; do
		echo "### $name, $role (flat top 25)"
		go tool pprof -top -nodecount=25 "$TMP/concord" "$OUT/$name-$role.pprof" 2>/dev/null | sed -n '1,32p'
		echo "### $name, $role (cumulative top 30)"
		go tool pprof -top -cum -nodecount=30 "$TMP/concord" "$OUT/$name-$role.pprof" 2>/dev/null | sed -n '6,36p'
	done
}

profile kv-put kv-put
profile kv-get kv-get -consistency default
cp "$TMP/concord" "$OUT/concord"
