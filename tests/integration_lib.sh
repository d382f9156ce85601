# Shared helpers for the integration tests (POSIX sh): TAP output, and
# starting `sockbench serve` on a free port.
BIN=${BIN:-./sockbench}
tap_n=0
tmp=$(mktemp -d)
pids=""
cleanup() {
	[ -n "${UI_SOCK:-}" ] && tmux -L "$UI_SOCK" -f /dev/null kill-server \
	    >/dev/null 2>&1
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

# The dashboard in tmux, on a private server ("tmux -L", killed by the
# cleanup above) whose sockets live in $tmp. ui_tmux_init NAME first.
ui_tmux_init() {
	UI_SOCK=$1$$
	export TMUX_TMPDIR="$tmp"
	unset TMUX
	case $BIN in
	/*) ;;
	*) BIN=$(pwd)/$BIN ;;
	esac
}

# ui_t ARGS...: tmux on the private server.
ui_t() {
	tmux -L "$UI_SOCK" -f /dev/null "$@"
}

# ui_start SESSION ARGS...: "sockbench ARGS" in a new session of
# ${COLS:-120} x ${LINES_:-40}, run in $tmp; prints SB-EXIT=N when it ends,
# its stderr goes to $tmp/SESSION.err.
ui_start() {
	name=$1
	shift
	ui_t new-session -d -s "$name" -x "${COLS:-120}" -y "${LINES_:-40}" \
	    "cd '$tmp' && LANG=C.UTF-8 LC_ALL=C.UTF-8 '$BIN' $* 2>'$tmp/$name.err'; echo SB-EXIT=\$?; exec sh"
}

# ui_capture SESSION: the screen into $tmp/screen.
ui_capture() {
	ui_t capture-pane -p -t "$1" >"$tmp/screen" 2>/dev/null
}

# ui_wait_for SESSION REGEX [TENTHS]: until the screen matches the extended
# regex, polling every 0.1 s, TENTHS times (default 100); 1 if it never did.
ui_wait_for() {
	tries=${3:-100}
	while [ "$tries" -gt 0 ]; do
		ui_capture "$1"
		grep -Eq -- "$2" "$tmp/screen" && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

# ui_show SESSION: the last screen and the session's stderr, as comments.
ui_show() {
	sed 's/^/# /' "$tmp/screen"
	sed 's/^/# stderr: /' "$tmp/$1.err" 2>/dev/null
	[ -n "${XDG_STATE_HOME:-}" ] &&
	    tail -5 "$XDG_STATE_HOME/sockbench/ui.log" 2>/dev/null |
	    sed 's/^/# log: /'
	return 0
}

# ui_mouse BUTTON X Y: an X10 mouse report (ESC [ M, button, column, line,
# each + 32, 0-based x and y + 1), as a terminal sends it.
ui_mouse() {
	$PYTHON -c 'import sys; b, x, y = map(int, sys.argv[1:]); sys.stdout.write("\033[M" + chr(32 + b) + chr(33 + x) + chr(33 + y))' "$@"
}
