# Shared helpers for the integration tests (POSIX sh): TAP output, and
# starting `sockbench serve` on a free port.
BIN=${BIN:-./sockbench}
tap_n=0
tmp=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# ok CONDITION_EXIT_STATUS DESCRIPTION
check() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
	fi
}

# serve NAME ARGS...: start sockbench serve on a free port; sets $port.
serve() {
	name=$1
	shift
	# Made before the fork, so a poll never reads a file not yet made or
	# left from an earlier server of the same name.
	: >"$tmp/$name.out"
	"$BIN" serve -l 127.0.0.1:0 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	pids="$pids $pid"
	i=0
	while [ $i -lt 100 ]; do
		port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/$name.out")
		[ -n "$port" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "# could not start serve $*"
	return 1
}

# The python3 of Debian's packages when there is one (its modules, e.g.
# aiosmtpd, come from apt), else the first on PATH.
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
fi

# free_port: print a free TCP port on 127.0.0.1.
free_port() {
	$PYTHON -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT [TRIES]: until something listens on 127.0.0.1:PORT,
# trying every 50 ms, TRIES times (default 200: 10 s); 1 if nothing did.
wait_port() {
	i=0
	while [ $i -lt "${2:-200}" ]; do
		$PYTHON -c "import socket; socket.create_connection(('127.0.0.1',$1),1)" \
		    2>/dev/null && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}
