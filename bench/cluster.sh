#!/usr/bin/env bash
# bench/cluster.sh: start a 3-server concord cluster on 127.0.0.1-3, run the
# concord-bench suite against it and print one summary table.
#
#   bench/cluster.sh            # from anywhere inside the repository
#   KEEP_LOGS=1 bench/cluster.sh  # copy the agents' logs and the JSON results
#                                  # to ./bench-results before cleaning up
#   CONCORD=/path/to/concord bench/cluster.sh  # use that binary, build none
#   DURATION=5s bench/cluster.sh   # shorter kv/register runs (default 10s)
#   TLS=1 bench/cluster.sh         # the same with mutual TLS between the
#                                  # servers (server RPC, forwarding, Raft):
#                                  # a CA and three server certificates made
#                                  # by the built binary in the temporary
#                                  # directory, verify_incoming,
#                                  # verify_outgoing and
#                                  # verify_server_hostname; the HTTP API
#                                  # the load generator uses stays plain
#   MODE=stability DURATION=10m bench/cluster.sh
#                                  # leader stability under full load: kv-put
#                                  # (64 clients) and kv-get (32) through a
#                                  # follower for DURATION while the leader is
#                                  # polled every second; prints the leadership
#                                  # changes seen, then one kill -9 failover
#
# Runs: kv-put (32 clients, 10 s) against the leader and a follower, kv-get
# default and stale through a follower, watch with 2000 watchers on the
# leader (reporting its RSS), register, health (?passing over 200
# instances through a follower, then on the leader), dns (A queries over
# UDP to a follower's port 8600 for a 200-instance service), and failover
# killing the leader with SIGKILL. Total well under 5 minutes. Everything
# it starts is stopped and its temporary directory removed on exit,
# whatever happens. Linux only (it needs 127.0.0.2 and 127.0.0.3 on the
# loopback).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/concord-cluster.XXXXXX")
declare -a PIDS=()
declare -A PID_OF=()
DURATION=${DURATION:-10s}

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

die() { echo "cluster.sh: $*" >&2; exit 1; }
command -v curl >/dev/null || die "needs curl"

cd "$ROOT"
echo "==> building into $TMP" >&2
if [ -n "${CONCORD:-}" ]; then
	cp "$CONCORD" "$TMP/concord"
else
	go build -o "$TMP/concord" ./cmd/concord
fi
go build -o "$TMP/concord-bench" ./cmd/concord-bench

for n in 1 2 3; do
	if curl -s -m 1 -o /dev/null "http://127.0.0.$n:8500/v1/status/leader"; then
		die "something already answers on 127.0.0.$n:8500; stop it first"
	fi
done

# The load generator's watchers each hold a connection from one IP, past
# the default of 200 HTTP connections per client.
echo '{"limits": {"http_max_conns_per_client": 0}}' >"$TMP/limits.json"

# TLS=1: a CA and one server certificate per server, and a config file per
# server (tls-N.json) securing internal RPC and Raft with mutual TLS.
if [ -n "${TLS:-}" ] && [ "${TLS}" != 0 ]; then
	mkdir -p "$TMP/tls"
	(
		cd "$TMP/tls"
		"$TMP/concord" tls ca create >/dev/null
		for _ in 1 2 3; do "$TMP/concord" tls cert create -server -dc dc1 >/dev/null 2>&1; done
	) || die "creating the CA and server certificates failed"
	for n in 1 2 3; do
		cat >"$TMP/tls-$n.json" <<EOF
{"tls": {"defaults": {"ca_file": "$TMP/tls/consul-agent-ca.pem",
                      "cert_file": "$TMP/tls/dc1-server-consul-$((n - 1)).pem",
                      "key_file": "$TMP/tls/dc1-server-consul-$((n - 1))-key.pem",
                      "verify_incoming": true, "verify_outgoing": true},
         "internal_rpc": {"verify_server_hostname": true}}}
EOF
	done
	echo "==> TLS: mutual TLS between the servers (certificates in $TMP/tls)" >&2
else
	for n in 1 2 3; do echo '{}' >"$TMP/tls-$n.json"; done
fi

for n in 1 2 3; do
	ip=127.0.0.$n
	mkdir -p "$TMP/s$n"
	"$TMP/concord" agent -server -bootstrap-expect 3 -data-dir "$TMP/s$n" -node "s$n" \
		-config-file "$TMP/limits.json" -config-file "$TMP/tls-$n.json" -bind "$ip" -client "$ip" \
		-retry-join 127.0.0.1 -retry-join 127.0.0.2 -retry-join 127.0.0.3 \
		-retry-interval 1s -log-level warn >"$TMP/s$n.log" 2>&1 &
	PIDS+=("$!")
	PID_OF[$ip]=$!
done

# leader_of IP: the leader's IP as IP's agent sees it ("" while none).
leader_of() {
	local out
	out=$(curl -s -m 2 "http://$1:8500/v1/status/leader" 2>/dev/null) || true
	out=${out//\"/}
	echo "${out%:*}"
}

echo "==> waiting (at most 60 s) for a leader on every server" >&2
deadline=$((SECONDS + 60))
for n in 1 2 3; do
	until [ -n "$(leader_of 127.0.0.$n)" ]; do
		for pid in "${PIDS[@]}"; do
			kill -0 "$pid" 2>/dev/null || { tail -n 20 "$TMP"/s*.log >&2; die "an agent (pid $pid) exited"; }
		done
		[ "$SECONDS" -lt "$deadline" ] || { tail -n 20 "$TMP"/s*.log >&2; die "no leader on 127.0.0.$n after 60 s"; }
		sleep 0.5
	done
done
LEADER=$(leader_of 127.0.0.1)
[ -n "${PID_OF[$LEADER]:-}" ] || die "leader address $LEADER is none of the three servers"
FOLLOWER=127.0.0.1
[ "$LEADER" = 127.0.0.1 ] && FOLLOWER=127.0.0.2
echo "==> leader $LEADER (pid ${PID_OF[$LEADER]}), follower $FOLLOWER" >&2

if [ -f "$TMP/tls/consul-agent-ca.pem" ]; then
	# A plaintext Raft connection must be refused, or the run is not
	# measuring TLS.
	{ exec 3<>"/dev/tcp/$LEADER/8300" && printf '\x02' >&3 && sleep 0.5 && exec 3>&-; } 2>/dev/null || true
	grep -q "plaintext connection refused" "$TMP/s${LEADER##*.}.log" || die "the leader accepted a plaintext connection with TLS=1"
	echo "==> TLS: the leader refuses plaintext on its server port" >&2
	MODE_NOTE="mutual TLS between the servers"
else
	MODE_NOTE="plaintext between the servers"
fi

declare -a ROWS=()

# num FILE KEY: the first number following "KEY": in FILE.
num() { { grep -o "\"$2\":-\{0,1\}[0-9][0-9.e+-]*" "$1" || true; } | head -n 1 | cut -d: -f2; }
# fmt1 NUMBER: one decimal, "-" when empty.
fmt1() { if [ -n "$1" ]; then printf '%.1f' "$1"; else printf -- '-'; fi; }

# bench NAME NOTE-FUNCTION concord-bench-ARGS...: run one test, keep a row.
bench() {
	local name=$1 notes=$2 out="$TMP/$1.json" rc=0
	shift 2
	echo "==> $name: concord-bench $*" >&2
	"$TMP/concord-bench" "$@" -json >"$out" || rc=$?
	local extra=""
	[ -s "$out" ] && extra=$($notes "$out")
	[ "$rc" = 0 ] || extra="FAILED (exit $rc) $extra"
	if [ -s "$out" ]; then
		ROWS+=("$(printf '%-24s %10s %10s %10s  %s' "$name" "$(fmt1 "$(num "$out" ops_per_sec)")" \
			"$(fmt1 "$(num "$out" p50)")" "$(fmt1 "$(num "$out" p99)")" "$extra")")
	else
		ROWS+=("$(printf '%-24s %10s %10s %10s  %s' "$name" - - - "$extra")")
	fi
}

notes_ops() { echo "ops $(num "$1" ops) errors $(num "$1" errors)"; }
notes_watch() {
	local rss
	rss=$(num "$1" rss_per_watcher_bytes)
	echo "fan-out from ack 50% $(fmt1 "$(grep -o '"from_ack_ms":{[^}]*' "$1" | grep -o '"p50":[0-9.e+-]*' | cut -d: -f2)")ms" \
		"100% $(fmt1 "$(grep -o '"from_ack_ms":{[^}]*' "$1" | grep -o '"p100":[0-9.e+-]*' | cut -d: -f2)")ms," \
		"notified $(num "$1" ops)/$(num "$1" watchers), leader RSS/watcher ${rss:--} B"
}
notes_register() {
	local reg dereg
	reg=$(grep -o '"register":{[^}]*' "$1" | grep -o '"ops_per_sec":[0-9.e+-]*' | cut -d: -f2)
	dereg=$(grep -o '"deregister":{[^}]*' "$1" | grep -o '"ops_per_sec":[0-9.e+-]*' | cut -d: -f2)
	echo "register/s $(fmt1 "$reg") deregister/s $(fmt1 "$dereg") errors $(num "$1" errors)"
}
notes_failover() {
	echo "unavailable $(fmt1 "$(num "$1" unavailable_ms)")ms, acked $(num "$1" acknowledged)," \
		"lost $(num "$1" lost), errors $(num "$1" errors)"
}

if [ "${MODE:-}" = stability ]; then
	# Poll who leads, as every server sees it, once a second; a change of
	# leader, or a second with none, is a leadership change.
	(
		prev=$LEADER
		while :; do
			for n in 1 2 3; do
				cur=$(leader_of 127.0.0.$n)
				if [ "$cur" != "$prev" ]; then
					echo "$(date +%T) 127.0.0.$n sees leader '${cur}' (was '${prev}')" >>"$TMP/leader-changes"
					prev=$cur
				fi
			done
			sleep 1
		done
	) &
	POLLER=$!
	touch "$TMP/leader-changes"
	echo "==> stability: kv-put 64 clients + kv-get 32 clients through $FOLLOWER for $DURATION" >&2
	"$TMP/concord-bench" kv-get -addr "$FOLLOWER:8500" -consistency default -clients 32 -duration "$DURATION" -json >"$TMP/stab-get.json" &
	GETTER=$!
	bench stability-kv-put notes_ops kv-put -addr "$FOLLOWER:8500" -clients 64 -duration "$DURATION"
	wait "$GETTER" || true
	kill "$POLLER" 2>/dev/null || true
	wait "$POLLER" 2>/dev/null || true
	ROWS+=("$(printf '%-24s %10s %10s %10s  %s' stability-kv-get "$(fmt1 "$(num "$TMP/stab-get.json" ops_per_sec)")" \
		"$(fmt1 "$(num "$TMP/stab-get.json" p50)")" "$(fmt1 "$(num "$TMP/stab-get.json" p99)")" "$(notes_ops "$TMP/stab-get.json")")")
	changes=$(wc -l <"$TMP/leader-changes")
	echo "==> leadership changes during the load: $changes" >&2
	cat "$TMP/leader-changes" >&2
	ROWS+=("$(printf '%-24s %10s %10s %10s  %s' leadership-changes - - - "$changes in $DURATION")")
	LEADER=$(leader_of 127.0.0.1)
	ALL=()
	for n in 1 2 3; do [ "127.0.0.$n" = "$LEADER" ] || ALL+=("127.0.0.$n:8500"); done
	ALL+=("$LEADER:8500")
	bench failover-kill-leader notes_failover failover -addr "$(IFS=,; echo "${ALL[*]}")" \
		-clients 32 -duration 15s -kill-after 3s -kill-pid "${PID_OF[$LEADER]}"
	echo
	echo "# $MODE_NOTE"
	printf '%-24s %10s %10s %10s  %s\n' test ops/s p50-ms p99-ms notes
	for r in "${ROWS[@]}"; do echo "$r"; done
	exit 0
fi

COMMON=(-clients 32 -duration "$DURATION")
bench kv-put-leader notes_ops kv-put -addr "$LEADER:8500" "${COMMON[@]}"
bench kv-put-follower notes_ops kv-put -addr "$FOLLOWER:8500" "${COMMON[@]}"
bench kv-get-default-follower notes_ops kv-get -addr "$FOLLOWER:8500" -consistency default "${COMMON[@]}"
bench kv-get-stale-follower notes_ops kv-get -addr "$FOLLOWER:8500" -consistency stale "${COMMON[@]}"
bench watch-2000 notes_watch watch -addr "$LEADER:8500" -watchers 2000 -pid "${PID_OF[$LEADER]}"
bench register notes_register register -addr "$LEADER:8500" "${COMMON[@]}"
bench health-passing-follower notes_ops health -addr "$FOLLOWER:8500" -instances 200 "${COMMON[@]}"
bench health-passing-leader notes_ops health -addr "$LEADER:8500" -instances 200 "${COMMON[@]}"
bench dns-a-200-follower notes_ops dns -addr "$FOLLOWER:8500" -dns-addr "$FOLLOWER:8600" -instances 200 "${COMMON[@]}"
ALL=()
for n in 1 2 3; do [ "127.0.0.$n" = "$LEADER" ] || ALL+=("127.0.0.$n:8500"); done
ALL+=("$LEADER:8500")
bench failover-kill-leader notes_failover failover -addr "$(IFS=,; echo "${ALL[*]}")" \
	-clients 32 -duration 15s -kill-after 3s -kill-pid "${PID_OF[$LEADER]}"

echo
echo "# $MODE_NOTE"
printf '%-24s %10s %10s %10s  %s\n' test ops/s p50-ms p99-ms notes
for r in "${ROWS[@]}"; do echo "$r"; done
