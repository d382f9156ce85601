#!/bin/sh
# The dashboard driven through tmux on a private server: the demo fills the
# table, Enter shows a decoded seed message, the help overlay opens, the hex
# view toggles, w writes a scenario that `sockbench run` replays (under a
# new name each time, the full path on the status line, never over a
# file), the screen survives a resize, q or SIGTERM give the terminal back,
# the log lives in $XDG_STATE_HOME/sockbench (0700, 0600) and the status
# line says so when it cannot be opened, and the decoded pane shows the
# structure of http responses (python3 http.server) and redis replies
# (redis-server) and a merged write's frames. Every wait is
# a poll with a deadline; the tmux server is always killed at the end.
# Prints TAP lines. Uses $BIN (default ./sockbench).
BIN=${BIN:-./sockbench}
case $BIN in
/*) ;;
*) BIN=$(pwd)/$BIN ;;
esac
N=0
FAILED=0

# Print one TAP line for a check that passed or failed.
ok() {
	N=$((N + 1))
	echo "ok $N - $1"
}
not_ok() {
	N=$((N + 1))
	echo "not ok $N - $1"
	FAILED=1
}

# The house rule for the dashboard's code: no function over 120 lines in
# ui/ or src/cmd/cmd_ui.c (from the opening brace in column 0 to the
# closing one), so each stays one job. Runs from the source tree only.
if [ -d ui ] && [ -f src/cmd/cmd_ui.c ]; then
	long=$(awk '/^[a-z_][a-z_0-9]*\(/ { name = $0 } /^\{/ { s = FNR }
	    /^\}/ { if (s && FNR - s + 1 > 120) printf "%s:%s (%d lines)\n",
	    FILENAME, name, FNR - s + 1; s = 0 }' ui/*.c src/cmd/cmd_ui.c)
	if [ -z "$long" ]; then
		ok "no function in ui/ or src/cmd/cmd_ui.c is over 120 lines"
	else
		not_ok "no function in ui/ or src/cmd/cmd_ui.c is over 120 lines: $long"
	fi
	# File name = prefix: every function ui/X.c exports (not static) is
	# named X_... or X itself (ui_draw.c: ui_draw, ui_draw_colors).
	bad=$(for f in ui/*.c; do
		awk -v stem="$(basename "$f" .c)" '
		    /^[a-z_][a-z_0-9]*\(/ { n = $0; sub(/\(.*/, "", n)
		    if (prev !~ /^static/ && n != stem &&
		        index(n, stem "_") != 1) print FILENAME ": " n }
		    { prev = $0 }' "$f"
	done)
	if [ -z "$bad" ]; then
		ok "every function a ui/ file exports carries the file's name as prefix"
	else
		not_ok "every function a ui/ file exports carries the file's name as prefix: $bad"
	fi
fi

if ! command -v tmux >/dev/null 2>&1; then
	echo "ok 1 - # SKIP tmux is not installed"
	exit 0
fi

if ! "$BIN" ui --help >/dev/null 2>&1; then
	echo "ok 1 - # SKIP $BIN has no ui command (src/cmd/main.c does not list it)"
	exit 0
fi

SOCK=sbtest$$
DIR=$(mktemp -d "${TMPDIR:-/tmp}/sbui.XXXXXX")
export TMPDIR="$DIR"
export XDG_STATE_HOME="$DIR/state"	# the dashboard's log goes here
export TMUX_TMPDIR="$DIR"	# the server's socket goes away with $DIR
unset TMUX

# Run tmux on the private server, without any user configuration.
t() {
	tmux -L "$SOCK" -f /dev/null "$@"
}

# Kill the private tmux server and remove the scratch directory.
cleanup() {
	t kill-server >/dev/null 2>&1
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Save the screen of session $1 in $DIR/screen.
capture() {
	t capture-pane -p -t "$1" >"$DIR/screen" 2>/dev/null
}

# Wait up to $3 tenths of a second (default 100) until the screen of
# session $1 matches the extended regex $2.
wait_for() {
	tries=${3:-100}
	while [ "$tries" -gt 0 ]; do
		capture "$1"
		grep -Eq -- "$2" "$DIR/screen" && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

# Wait until the screen of session $1 no longer matches $2.
wait_gone() {
	tries=${3:-100}
	while [ "$tries" -gt 0 ]; do
		capture "$1"
		grep -Eq -- "$2" "$DIR/screen" || return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

# Wait until the screen of session $1 shows at least $2 table rows.
wait_rows() {
	tries=100
	while [ "$tries" -gt 0 ]; do
		capture "$1"
		rows=$(grep -Ec '^ +\*?[0-9]+ (cli|srv) +(connecting|open|closing|closed|failed) ' \
		    "$DIR/screen")
		[ "$rows" -ge "$2" ] && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

# Start "sockbench ui ARGS" in a new session $1 of 120x40; its pid goes to
# $DIR/$1.pid and its exit status is printed as SB-EXIT=N.
start_ui() {
	name=$1
	shift
	t new-session -d -s "$name" -x 120 -y 40 \
	    "cd '$DIR' && LANG=C.UTF-8 LC_ALL=C.UTF-8 sh -c 'echo \$\$ >$name.pid; exec \"\$0\" ui \"\$@\"' '$BIN' $*; echo SB-EXIT=\$?; exec sh"
}

if "$BIN" ui </dev/null >"$DIR/out" 2>&1; then
	not_ok "without a terminal it refuses (exit 0)"
else
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q 'sockbench run' "$DIR/out"; then
		ok "without a terminal it exits 2 and points to sockbench run"
	else
		not_ok "without a terminal it exits 2 and points to sockbench run (exit $rc)"
		cat "$DIR/out"
	fi
fi

if ! start_ui sb; then
	not_ok "tmux starts a session"
	exit 1
fi

if wait_rows sb 8 && grep -q 'target 127.0.0.1:' "$DIR/screen" &&
    grep -Eq 'conns [0-9]+ open / [0-9]+ total / [0-9]+ failed' "$DIR/screen"; then
	ok "the demo fills the table (8 rows with states) and the header"
else
	not_ok "the demo fills the table (8 rows with states) and the header"
	cat "$DIR/screen"
fi

if wait_for sb 'latency p50 [0-9.]+(us|ms|s) p99' &&
    wait_for sb 'runs [1-9][0-9]* passed 0 failed'; then
	ok "the header shows latency percentiles and passed runs"
else
	not_ok "the header shows latency percentiles and passed runs"
	cat "$DIR/screen"
fi

t send-keys -t sb / r a b b i t Enter
if wait_for sb "filter 'rabbit'"; then
	ok "/ filters the rows"
else
	not_ok "/ filters the rows"
	cat "$DIR/screen"
fi

t send-keys -t sb Enter
if wait_for sb '^ messages of #[0-9]+ (client|server) ' &&
    wait_for sb 'Follow the white rabbit' &&
    ! grep -q 'Enter to focus' "$DIR/screen"; then
	ok "Enter focuses a connection and shows the decoded seed answer"
else
	not_ok "Enter focuses a connection and shows the decoded seed answer"
	cat "$DIR/screen"
fi

t send-keys -t sb x
if wait_for sb '0000  00 [0-9a-f]{2} 7b 22'; then
	ok "x shows the messages in hex"
else
	not_ok "x shows the messages in hex"
	cat "$DIR/screen"
fi
t send-keys -t sb x

t send-keys -t sb '?'
if wait_for sb 'this help; any key closes it' && grep -q 'record the conversation' "$DIR/screen"; then
	ok "? opens the help overlay"
else
	not_ok "? opens the help overlay"
	cat "$DIR/screen"
fi
t send-keys -t sb Escape
if wait_gone sb 'this help; any key closes it'; then
	ok "any key closes the help overlay"
else
	not_ok "any key closes the help overlay"
fi

t send-keys -t sb w
rec='wrote #[0-9]+ to (/[^ ]*/sockbench-recording-[0-9]{8}-[0-9]{6}-[0-9]+\.txt)'
if wait_for sb "$rec"; then
	file=$(sed -En "s|.*$rec.*|\1|p" "$DIR/screen" | head -1)
	if [ "$(dirname "$file")" = "$(cd "$DIR" && pwd -P)" ] &&
	    [ -f "$file" ] && grep -q '^codec jsonhdr' "$file" &&
	    grep -q '^send ' "$file" && grep -q '^expect ' "$file" &&
	    (cd "$DIR" && timeout 30 "$BIN" run "$file" >"$DIR/run.out" 2>&1); then
		ok "w writes $(basename "$file"), its full path on the status line, and sockbench run replays it"
	else
		not_ok "w writes a scenario that sockbench run replays"
		cat "$DIR/screen" "$file" "$DIR/run.out" 2>/dev/null
	fi
	cp "$file" "$DIR/first.copy"
	sleep 1.1	# past the status line's message, into a new second or not
	t send-keys -t sb w
	if wait_for sb "$rec" 30 &&
	    file2=$(sed -En "s|.*$rec.*|\1|p" "$DIR/screen" | head -1) &&
	    [ -n "$file2" ] && [ "$file2" != "$file" ] && [ -f "$file2" ] &&
	    cmp -s "$file" "$DIR/first.copy"; then
		ok "a second w writes a new file and leaves the first as it was"
	else
		not_ok "a second w writes a new file and leaves the first as it was"
		cat "$DIR/screen"
	fi
else
	not_ok "w writes a scenario that sockbench run replays"
	cat "$DIR/screen"
fi

t resize-window -t sb -x 80 -y 24
if wait_for sb '^ conns [0-9]+ open .* latency' && wait_rows sb 4 &&
    grep -q 'PEER .*LAST MESSAGE' "$DIR/screen" &&
    ! grep -q 'BYTES OUT' "$DIR/screen"; then
	ok "the layout follows a resize to 80x24"
else
	not_ok "the layout follows a resize to 80x24"
	cat "$DIR/screen"
fi

t send-keys -t sb q
if wait_for sb '^SB-EXIT=0' && ! grep -q 'Tab pane' "$DIR/screen"; then
	ok "q exits 0 and the shell's screen is back"
else
	not_ok "q exits 0 and the shell's screen is back"
	cat "$DIR/screen"
fi

if start_ui sb2 && wait_rows sb2 2 && [ -s "$DIR/sb2.pid" ]; then
	kill -TERM "$(cat "$DIR/sb2.pid")"
	if wait_for sb2 '^SB-EXIT=' && ! grep -q 'Tab pane' "$DIR/screen"; then
		ok "SIGTERM ends it with the terminal restored"
	else
		not_ok "SIGTERM ends it with the terminal restored"
		cat "$DIR/screen"
	fi
else
	not_ok "SIGTERM ends it with the terminal restored (did not start)"
	cat "$DIR/screen"
fi

log="$DIR/state/sockbench/ui.log"
if [ -s "$log" ] && [ "$(stat -c %a "$log")" = 600 ] &&
    [ "$(stat -c %a "$DIR/state/sockbench")" = 700 ] &&
    grep -q 'dashboard started' "$log" && [ ! -e "$DIR/sockbench-ui.log" ]; then
	ok "diagnostics went to \$XDG_STATE_HOME/sockbench/ui.log (0600 in a 0700 directory), nothing in \$TMPDIR"
else
	not_ok "diagnostics went to \$XDG_STATE_HOME/sockbench/ui.log (0600 in a 0700 directory), nothing in \$TMPDIR"
	ls -la "$DIR" "$DIR/state/sockbench" 2>&1
fi

# A state directory that cannot be made: the dashboard runs, and its
# status line says there is no log and why.
: >"$DIR/plainfile"
t new-session -d -s sb4 -x 160 -y 40 \
    "cd '$DIR' && XDG_STATE_HOME='$DIR/plainfile/state' LANG=C.UTF-8 LC_ALL=C.UTF-8 '$BIN' ui; echo SB-EXIT=\$?; exec sh"
if wait_for sb4 'no log: cannot make .*/plainfile/state/sockbench: Not a directory'; then
	ok "without a log the status line says why"
else
	not_ok "without a log the status line says why"
	cat "$DIR/screen"
fi
t send-keys -t sb4 q
wait_for sb4 '^SB-EXIT=' >/dev/null

# sockbench bench --ui: the same dashboard over the load generator's loop,
# closing by itself when the measured window ends, then the report.
t new-session -d -s sb3 -x 120 -y 40 \
    "cd '$DIR' && LANG=C.UTF-8 LC_ALL=C.UTF-8 '$BIN' bench -c 20 -p 2 -d 3s --ui; echo SB-EXIT=\$?; exec sh"
if wait_for sb3 '^ latency p50 [0-9.]+ ms  p99 [0-9.]+ ms' && wait_rows sb3 4 &&
    grep -q 'sockbench .* bench 127\.0\.0\.1:[0-9]*' "$DIR/screen"; then
	ok "bench --ui shows the load live with its latency"
else
	not_ok "bench --ui shows the load live with its latency"
	cat "$DIR/screen"
fi
if wait_for sb3 '^SB-EXIT=0' && grep -q '^requests .* = [0-9.]*/s' "$DIR/screen"; then
	ok "bench --ui closes when the window ends and prints the report"
else
	not_ok "bench --ui closes when the window ends and prints the report"
	cat "$DIR/screen"
fi

# The decoded pane shows structure, on real servers (free ports on
# 127.0.0.1, stopped by PID): python3 -m http.server's responses as status
# line, headers and body (the HEAD's without one), redis-server's replies
# typed like redis-cli, and a write that carried four commands as its
# frames, one per line. The scenarios are started from the source tree.
SRC=$(pwd)
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# wait_port PORT: until something listens there (5 s at most).
wait_port() {
	i=0
	while [ $i -lt 100 ]; do
		python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),1)" \
		    2>/dev/null && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}
# start_on SESSION PORT SCENARIO: the dashboard on one scenario against a
# server, 120x40, the connection focused once it is on screen.
start_on() {
	t new-session -d -s "$1" -x 120 -y 40 \
	    "cd '$DIR' && LANG=C.UTF-8 LC_ALL=C.UTF-8 '$BIN' ui -C 127.0.0.1:$2 '$SRC/$3'; echo SB-EXIT=\$?; exec sh"
	wait_rows "$1" 1 && t send-keys -t "$1" Enter
}
if command -v python3 >/dev/null 2>&1 && [ -f "$SRC/tests/scenarios/ui-http.txt" ]; then
	hport=$(free_port)
	mkdir -p "$DIR/www"
	printf 'hello\n' >"$DIR/www/a.txt"
	(cd "$DIR/www" && exec python3 -m http.server --protocol HTTP/1.1 \
	    --bind 127.0.0.1 "$hport") >"$DIR/http.log" 2>&1 &
	hpid=$!
	if wait_port "$hport" && start_on sbh "$hport" tests/scenarios/ui-http.txt &&
	    wait_for sbh '^ +hello\\n$' && capture sbh &&
	    grep -Eq '^[0-9:.]+ ← +HTTP/1\.1 200 OK$' "$DIR/screen" &&
	    grep -Eq '^ +Content-Length: 6$' "$DIR/screen" &&
	    grep -Eq '^ +Server: SimpleHTTP/' "$DIR/screen" &&
	    grep -Eq '^[0-9:.]+ → +GET /a\.txt HTTP/1\.1$' "$DIR/screen" &&
	    grep -Eq '^ +Host: x$' "$DIR/screen" &&
	    [ "$(grep -c '^ *$' "$DIR/screen")" -ge 1 ]; then
		ok "the decoded pane shows an http response as status line, headers, blank line and body"
	else
		not_ok "the decoded pane shows an http response as status line, headers, blank line and body"
		cat "$DIR/screen"
	fi
	# The HEAD's response: its headers end where the GET begins.
	if grep -B1 -E '^[0-9:.]+ → +GET /a\.txt' "$DIR/screen" |
	    head -1 | grep -Eq '^ +(Last-Modified|Content-Length|Date|Content-type): '; then
		ok "the response to the HEAD shows no body: the GET follows its headers"
	else
		not_ok "the response to the HEAD shows no body: the GET follows its headers"
		cat "$DIR/screen"
	fi
	t kill-session -t sbh
	kill "$hpid" 2>/dev/null
else
	ok "# SKIP python3 is not installed"
fi
if command -v redis-server >/dev/null 2>&1; then
	rport=$(free_port)
	redis-server --port "$rport" --bind 127.0.0.1 --save '' \
	    --appendonly no >"$DIR/redis.log" 2>&1 &
	rpid=$!
	if wait_port "$rport" && start_on sbr "$rport" tests/scenarios/ui-resp.txt &&
	    wait_for sbr '^[0-9:.]+ ← +\(error\) WRONGTYPE ' && capture sbr &&
	    grep -Eq '^[0-9:.]+ ← +\(integer\) 1$' "$DIR/screen" &&
	    grep -Eq '^[0-9:.]+ ← +OK$' "$DIR/screen" &&
	    grep -Eq '^[0-9:.]+ ← +1\) "a"$' "$DIR/screen" &&
	    grep -Eq '^[0-9:.]+ ← +\(nil\)$' "$DIR/screen" &&
	    grep -Eq '^[0-9:.]+ → +1\) "RPUSH"$' "$DIR/screen" &&
	    grep -Eq '^ +3\) "a"$' "$DIR/screen"; then
		ok "the decoded pane types redis replies like redis-cli: (integer), OK, arrays, (nil), (error)"
	else
		not_ok "the decoded pane types redis replies like redis-cli: (integer), OK, arrays, (nil), (error)"
		cat "$DIR/screen"
	fi
	if grep -Eq '^[0-9:.]+ → +4 frames in one write:$' "$DIR/screen" &&
	    grep -A4 -E '4 frames in one write:$' "$DIR/screen" | tail -4 |
	    tr -s ' ' | sed 's/^ //' >"$DIR/frames" &&
	    printf '%s\n' '["SET", "ui:n", "5"]' '["LRANGE", "ui:list", "0", "-1"]' \
	    '["GET", "ui:missing"]' '["INCR", "ui:list"]' | cmp -s - "$DIR/frames"; then
		ok "a merged write shows the four commands it carried, one per line"
	else
		not_ok "a merged write shows the four commands it carried, one per line"
		cat "$DIR/screen"
	fi
	t kill-session -t sbr
	kill "$rpid" 2>/dev/null
else
	ok "# SKIP redis-server is not installed"
fi

echo "1..$N"
exit "$FAILED"
