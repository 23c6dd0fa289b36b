#!/usr/bin/env bash
# bench/checks.sh: CPU an agent spends running HTTP checks.
#
#   bench/checks.sh                 # 1,000 HTTP checks at a 10 s interval
#   CHECKS=500 INTERVAL=5s SAMPLE=60 bench/checks.sh
#
# Starts a target HTTP server (python3 -m http.server) and a -dev agent on
# 127.0.0.1 with CHECKS services, each with one HTTP check against the
# target, lets the checks spread over one interval, then reads the agent's
# CPU time (utime+stime from /proc) over SAMPLE seconds and prints CPU per
# 1,000 checks. Linux only. Everything started is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CHECKS=${CHECKS:-1000}
INTERVAL=${INTERVAL:-10s}
SAMPLE=${SAMPLE:-60}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/concord-checks.XXXXXX")
declare -a PIDS=()
cleanup() {
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

command -v python3 >/dev/null || { echo "checks.sh: needs python3 for the target server" >&2; exit 1; }
cd "$ROOT"
go build -o "$TMP/concord" ./cmd/concord

mkdir -p "$TMP/www" "$TMP/conf"
echo ok >"$TMP/www/health"
(cd "$TMP/www" && exec python3 -m http.server 28680 --bind 127.0.0.1 >/dev/null 2>&1) &
PIDS+=("$!")

python3 - "$CHECKS" "$INTERVAL" "$TMP/conf/services.json" <<'PY'
import json, sys
n, interval, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
services = [{"name": "svc%d" % i, "port": 10000 + i,
             "check": {"http": "http://127.0.0.1:28680/health", "interval": interval, "timeout": "2s"}}
            for i in range(n)]
json.dump({"services": services}, open(path, "w"))
PY

"$TMP/concord" agent -dev -bind 127.0.0.1 -client 127.0.0.1 -http-port 28677 -server-port 28600 \
	-serf-lan-port 28601 -serf-wan-port -1 -dns-port -1 -log-level warn -config-dir "$TMP/conf" \
	>"$TMP/agent.log" 2>&1 &
AGENT=$!
PIDS+=("$AGENT")

secs=${INTERVAL%s}
echo "==> $CHECKS HTTP checks every $INTERVAL; warming up for $((secs * 2)) s" >&2
sleep $((secs * 2))
passing=$(curl -s "http://127.0.0.1:28677/v1/health/state/passing" | grep -o '"CheckID"' | wc -l)
echo "==> $passing checks passing; sampling CPU for $SAMPLE s" >&2

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks "$AGENT")
sleep "$SAMPLE"
t1=$(ticks "$AGENT")
python3 - "$t0" "$t1" "$hz" "$SAMPLE" "$CHECKS" "$INTERVAL" <<'PY'
import sys
t0, t1, hz, sample, checks, interval = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
cpu = (t1 - t0) / hz
print("checks %d  interval %s  agent CPU %.2f s in %.0f s = %.1f%% of one core; per 1,000 checks: %.1f%% of one core"
      % (checks, interval, cpu, sample, 100 * cpu / sample, 100 * cpu / sample * 1000 / checks))
PY
