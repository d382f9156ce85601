#!/bin/sh
# Checks that the Debian packages sockbench needs are installed, and installs
# the missing ones when run as root (or through sudo); otherwise prints the
# exact command to run. Usage: scripts/deps.sh build|run|test|deb (deb adds
# what make deb and tests/integration/deb.sh need: debhelper, dpkg-dev,
# fakeroot, lintian, man-db; test adds
# the real servers tests/integration/servers.sh starts: redis-server,
# memcached, nginx-light, python3-aiosmtpd; zsh and fish, whose
# completion scripts tests/integration/completion.sh checks; and the
# daemons tests/integration/probe_daemons.sh probes).
set -u
need="libev-dev libncurses-dev libcjson-dev libssl-dev openssl pkg-config"
case "${1:-build}" in
deb) need="$need debhelper dpkg-dev fakeroot lintian man-db" ;;
test) need="$need libcmocka-dev tmux clang libclang-rt-14-dev redis-server memcached python3 valgrind nginx-light python3-aiosmtpd curl zsh fish python3-yaml socat beanstalkd gearman-job-server ngircd rsync mosquitto nats-server dnsmasq-base slapd prosody mariadb-server postgresql python3-websockets" ;;
esac
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "sockbench: installing missing packages:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	# The servers the tests start (nginx, redis-server, memcached) are
	# started by the tests on free ports; keep their packages from
	# starting a system-wide daemon at install (policy-rc.d, exit 101),
	# unless the machine already has a policy of its own.
	policy=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d &&
		    chmod 755 /usr/sbin/policy-rc.d && policy=/usr/sbin/policy-rc.d
	fi
	apt-get update -qq >/dev/null 2>&1 || true
	apt-get install -y -qq $missing >/dev/null
	rc=$?
	[ -n "$policy" ] && rm -f "$policy"
	[ $rc -eq 0 ] || { echo "sockbench: apt-get install failed" >&2; exit 1; }
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	echo "sockbench: installing missing packages:$missing" >&2
	sudo apt-get install -y -qq $missing >/dev/null || exit 1
else
	echo "sockbench: missing packages:$missing" >&2
	echo "run: sudo apt-get install -y$missing" >&2
	exit 1
fi
