#!/usr/bin/env bash
# build-prometheus.sh: build upstream Prometheus (2.55.1, Go module
# github.com/prometheus/prometheus v0.55.1) with Consul service discovery
# as its only discovery plugin, and cache the binary.
#
# Debian's prometheus package is built without consul_sd_configs; the
# consul_sd end-to-end test (deploy/prometheus_e2e_test.go) runs the binary
# this script leaves in the cache. The module's go.mod has replace
# directives, so `go install module@version` refuses it: the script copies
# the module's source out of the module cache into a temporary directory,
# replaces plugins/plugins.go with one that registers only the Consul
# plugin, and builds ./cmd/prometheus there.
#
# Usage: build-prometheus.sh [--force] [--help]
# Prints the binary's path. Environment: CONCORD_E2E_CACHE (default
# ~/.cache/concord-e2e), PROMETHEUS_MODULE_VERSION (default v0.55.1).
set -euo pipefail

case "${1:-}" in
-h | --help)
	sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
--force) force=1 ;;
'') force=0 ;;
*)
	echo "build-prometheus.sh: unknown argument $1 (see --help)" >&2
	exit 2
	;;
esac

version="${PROMETHEUS_MODULE_VERSION:-v0.55.1}"
cache="${CONCORD_E2E_CACHE:-$HOME/.cache/concord-e2e}"
out="$cache/prometheus-$version-consul"
if [ -x "$out" ] && [ "$force" = 0 ]; then
	echo "$out"
	exit 0
fi
mkdir -p "$cache"

work="$(mktemp -d)"
cleanup() {
	chmod -R u+w "$work" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# The module cache's copy is read-only; build from a writable copy.
dir="$(go mod download -json "github.com/prometheus/prometheus@$version" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
	echo "build-prometheus.sh: could not download github.com/prometheus/prometheus@$version" >&2
	exit 1
fi
cp -R "$dir" "$work/src"
chmod -R u+w "$work/src"

cat >"$work/src/plugins/plugins.go" <<'GO'
// Package plugins registers the service discovery plugins of this build:
// Consul's only (concord's deploy/prometheus/build-prometheus.sh).
package plugins

import (
	// Register consul plugin.
	_ "github.com/prometheus/prometheus/discovery/consul"
)
GO

cd "$work/src"
# -mod=mod: the trimmed plugin list leaves requirements unused, which is
# harmless; go.sum already covers what remains.
# The version is stamped as the project's Makefile stamps it (module
# v0.55.1 is Prometheus 2.55.1).
GOFLAGS=-mod=mod go build -trimpath \
	-ldflags "-X github.com/prometheus/common/version.Version=2.${version#v0.} -X github.com/prometheus/common/version.Branch=module-proxy" \
	-o "$out.tmp" ./cmd/prometheus
mv "$out.tmp" "$out"
echo "$out"
