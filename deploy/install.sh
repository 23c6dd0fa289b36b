#!/usr/bin/env bash
# install.sh: install concord on a Debian or Ubuntu VM: the binary, the
# concord system user, its directories, the systemd unit for the role,
# an example configuration and the docs. Running it again updates the
# binary, units and docs and leaves configuration files alone.
#
# Usage: install.sh --role server|client [options]
#   --role ROLE      server or client (required)
#   --binary PATH    the concord binary to install (default: concord
#                    from PATH)
#   --config FILE    the configuration to install as
#                    /etc/concord.d/concord.yaml when there is none yet
#                    (default: deploy/config/ROLE.yaml)
#   --dns53          also answer DNS on port 53: the dns53.yaml config and
#                    the CAP_NET_BIND_SERVICE drop-in
#   --root DIR       install under DIR instead of / (packaging, tests);
#                    the user must already exist, and units are enabled
#                    with systemctl --root when systemctl is present
#   --user NAME      the service user (default concord)
#   --group NAME     the service group (default: the user's name)
#   --start          start (or restart) the unit after installing
#   -h, --help       this help
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; }
die() {
	echo "install.sh: $*" >&2
	exit 1
}

role=""
binary=""
config=""
dns53=0
root="/"
user="concord"
group=""
start=0
while [ $# -gt 0 ]; do
	case "$1" in
	--role) role="${2:-}" && shift ;;
	--binary) binary="${2:-}" && shift ;;
	--config) config="${2:-}" && shift ;;
	--dns53) dns53=1 ;;
	--root) root="${2:-}" && shift ;;
	--user) user="${2:-}" && shift ;;
	--group) group="${2:-}" && shift ;;
	--start) start=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
	shift
done

case "$role" in
server | client) ;;
"") die "--role server|client is required (see --help)" ;;
*) die "--role must be server or client, not $role" ;;
esac
[ -n "$group" ] || group="$user"
if [ -z "$binary" ]; then
	binary="$(command -v concord || true)"
	[ -n "$binary" ] || die "no concord binary: pass --binary PATH"
fi
[ -x "$binary" ] || die "$binary is not an executable"
[ -n "$config" ] || config="$here/config/$role.yaml"
[ -f "$config" ] || die "no configuration file $config"
[ -d "$root" ] || die "--root $root is not a directory"
[ "$(id -u)" = 0 ] || die "run as root (it creates a user and chowns directories)"
root="${root%/}"
unit="concord-$role.service"

# The service user: a system account without a shell or a home of its own.
if ! getent passwd "$user" >/dev/null; then
	if [ -n "$root" ]; then
		die "user $user does not exist; with --root create it first or pass --user"
	fi
	useradd --system --user-group --home-dir /var/lib/concord --no-create-home \
		--shell /usr/sbin/nologin --comment "concord agent" "$user"
	echo "created system user $user"
fi
getent group "$group" >/dev/null || die "group $group does not exist"

# dir PATH MODE OWNER:GROUP
dir() {
	install -d -m "$2" "$root$1"
	chown "$3" "$root$1"
	chmod "$2" "$root$1"
}
# file SRC DEST MODE OWNER:GROUP
file() { install -m "$3" -o "${4%%:*}" -g "${4##*:}" "$1" "$root$2"; }
# config SRC DEST: a configuration file is installed once and then
# belongs to the operator.
config_once() {
	if [ -e "$root$2" ]; then
		echo "kept $2 (exists)"
	else
		file "$1" "$2" 0640 "root:$group"
		echo "installed $2"
	fi
}

dir /usr/local/bin 0755 root:root
file "$binary" /usr/local/bin/concord 0755 root:root
dir /etc/concord.d 0750 "root:$group"
dir /etc/concord.d/tls 0750 "root:$group"
dir /var/lib/concord 0750 "$user:$group"
config_once "$config" /etc/concord.d/concord.yaml

dir /etc/systemd/system 0755 root:root
file "$here/systemd/$unit" "/etc/systemd/system/$unit" 0644 root:root
if [ "$role" = server ]; then
	file "$here/systemd/concord-snapshot.service" /etc/systemd/system/concord-snapshot.service 0644 root:root
	file "$here/systemd/concord-snapshot.timer" /etc/systemd/system/concord-snapshot.timer 0644 root:root
fi
if [ "$dns53" = 1 ]; then
	dir "/etc/systemd/system/$unit.d" 0755 root:root
	file "$here/systemd/concord-dns53.conf" "/etc/systemd/system/$unit.d/dns53.conf" 0644 root:root
	config_once "$here/config/dns53.yaml" /etc/concord.d/dns53.yaml
fi

dir /usr/share/doc/concord 0755 root:root
for doc in deploy.md operations.md metrics.md; do
	if [ -f "$repo/docs/$doc" ]; then
		file "$repo/docs/$doc" "/usr/share/doc/concord/$doc" 0644 root:root
	fi
done
dir /usr/share/doc/concord/examples 0755 root:root
for ex in "$here"/dns/*.conf "$here"/prometheus/*.yml; do
	if [ -f "$ex" ]; then
		file "$ex" "/usr/share/doc/concord/examples/$(basename "$ex")" 0644 root:root
	fi
done

if [ -n "$root" ]; then
	if command -v systemctl >/dev/null 2>&1; then
		systemctl --root="$root" enable "$unit" >/dev/null 2>&1 || echo "note: could not enable $unit under $root"
	fi
	echo "installed concord ($role) under $root"
	exit 0
fi

if [ -d /run/systemd/system ]; then
	systemctl daemon-reload
	systemctl enable "$unit"
	if [ "$start" = 1 ]; then
		systemctl restart "$unit"
	fi
else
	echo "note: systemd is not running; enable $unit yourself"
fi
echo "installed concord ($role); edit /etc/concord.d, then: concord validate /etc/concord.d && systemctl start $unit"
if [ "$role" = server ]; then
	echo "hourly snapshots: systemctl enable --now concord-snapshot.timer on one or two servers (docs/operations.md)"
fi
