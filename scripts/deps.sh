#!/bin/sh
# Checks that the Debian packages sockbench needs are installed, and installs
# the missing ones when run as root (or through sudo); otherwise prints the
# exact command to run. Usage: scripts/deps.sh build|run|test
set -u
need="libev-dev libncurses-dev libcjson-dev pkg-config"
case "${1:-build}" in
test) need="$need libcmocka-dev tmux clang libclang-rt-14-dev redis-server memcached python3 valgrind curl" ;;
esac
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "sockbench: installing missing packages:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null 2>&1 || true
	apt-get install -y -qq $missing >/dev/null || { echo "sockbench: apt-get install failed" >&2; exit 1; }
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	echo "sockbench: installing missing packages:$missing" >&2
	sudo apt-get install -y -qq $missing >/dev/null || exit 1
else
	echo "sockbench: missing packages:$missing" >&2
	echo "run: sudo apt-get install -y$missing" >&2
	exit 1
fi
