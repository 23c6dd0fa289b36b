# shellcheck shell=bash
# bench/lib.sh: a 3-server cluster on three loopback addresses for the
# bench scripts that source it (profile.sh, follower.sh). The caller sets
# TMP (a fresh directory), IP (an array of three addresses) and EXTRA_CONFIG
# (JSON for every server), then calls start_cluster; it sets LEADER and
# FOLLOWER. cleanup_cluster stops everything and removes TMP.
declare -a PIDS=()

cleanup_cluster() {
	local pid
	for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	sleep 1
	for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	# KEEP_LOGS=DIR keeps the servers' logs.
	if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS" && cp "$TMP"/*.log "$KEEP_LOGS"/ 2>/dev/null; fi
	rm -rf "$TMP"
}

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

leader_of() {
	local out
	out=$(curl -s -m 2 "http://$1:8500/v1/status/leader" 2>/dev/null) || true
	out=${out//\"/}
	echo "${out%:*}"
}

# build_binaries: $TMP/concord (from CONCORD or this tree) and concord-bench.
build_binaries() {
	if [ -n "${CONCORD:-}" ]; then cp "$CONCORD" "$TMP/concord"; else go build -o "$TMP/concord" ./cmd/concord; fi
	go build -o "$TMP/concord-bench" ./cmd/concord-bench
}

# start_server N: starts (or restarts, keeping its data) server N of the
# three; its pid is SERVER_PID[N].
declare -a SERVER_PID=()
start_server() {
	local n=$1 ip=${IP[$1]}
	mkdir -p "$TMP/s$n"
	"$TMP/concord" agent -server -bootstrap-expect 3 -data-dir "$TMP/s$n" -node "b$n" \
		-config-file "$TMP/extra.json" -bind "$ip" -client "$ip" \
		-retry-join "${IP[0]}" -retry-join "${IP[1]}" -retry-join "${IP[2]}" \
		-retry-interval 1s -log-level "${LOG_LEVEL:-warn}" >>"$TMP/s$n.log" 2>&1 &
	# shellcheck disable=SC2034 # read by the scripts that source this file
	SERVER_PID[n]=$!
	PIDS+=("$!")
}

start_cluster() {
	echo "${EXTRA_CONFIG:-{\}}" >"$TMP/extra.json"
	local n ip
	for n in 0 1 2; do
		ip=${IP[$n]}
		curl -s -m 1 -o /dev/null "http://$ip:8500/v1/status/leader" && die "something already answers on $ip:8500"
		start_server "$n"
	done
	local deadline=$((SECONDS + 60))
	until [ -n "$(leader_of "${IP[0]}")" ] && [ -n "$(leader_of "${IP[1]}")" ] && [ -n "$(leader_of "${IP[2]}")" ]; do
		[ "$SECONDS" -lt "$deadline" ] || { tail -n 20 "$TMP"/s*.log >&2; die "no leader after 60 s"; }
		sleep 0.5
	done
	LEADER=$(leader_of "${IP[0]}")
	FOLLOWER=${IP[0]}
	[ "$LEADER" = "$FOLLOWER" ] && FOLLOWER=${IP[1]}
	echo "==> leader $LEADER, follower $FOLLOWER" >&2
}
