#!/bin/sh
# Dashboard v2 (issue 15), driven through tmux on a private server: the exit
# status says whether any run failed, - removes a connection without
# failing a run and r restores the scenario's count, closed and failed rows
# can be kept and listed alone and name the step they failed at. Every
# wait is a poll with a deadline; the tmux server is always killed at the
# end. Prints TAP lines. Uses $BIN (default ./sockbench).
BIN=${BIN:-./sockbench}
case $BIN in
/*) ;;
*) BIN=$(pwd)/$BIN ;;
esac
N=0
FAILED=0

ok() {
	N=$((N + 1))
	echo "ok $N - $1"
}
not_ok() {
	N=$((N + 1))
	echo "not ok $N - $1"
	FAILED=1
}

if ! command -v tmux >/dev/null 2>&1; then
	echo "ok 1 - # SKIP tmux is not installed"
	exit 0
fi

SOCK=sbv2$$
DIR=$(mktemp -d "${TMPDIR:-/tmp}/sbui2.XXXXXX")
export TMPDIR="$DIR"
export XDG_STATE_HOME="$DIR/state"
export TMUX_TMPDIR="$DIR"
unset TMUX

t() {
	tmux -L "$SOCK" -f /dev/null "$@"
}
cleanup() {
	t kill-server >/dev/null 2>&1
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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

# Start "sockbench ui ARGS" in a new session $1 of $COLS x $LINES_ (120x40
# by default), in $DIR; its exit status is printed as SB-EXIT=N and its
# stderr goes to $DIR/$1.err.
start_ui() {
	name=$1
	shift
	t new-session -d -s "$name" -x "${COLS:-120}" -y "${LINES_:-40}" \
	    "cd '$DIR' && LANG=C.UTF-8 LC_ALL=C.UTF-8 '$BIN' ui $* 2>'$DIR/$name.err'; echo SB-EXIT=\$?; exec sh"
}

# Print the screen and the stderr of session $1 (after a failed check).
show() {
	cat "$DIR/screen"
	cat "$DIR/$1.err" 2>/dev/null
}

# A scenario whose every run fails at its expect (line 8).
cat >"$DIR/fail.txt" <<'SC'
name "fails at the expect"
codec line
service echo
connections 2
timeout 1s

send "hello"
expect "goodbye"
close
SC

# 1. ui exits 1 when a run failed, and prints the first failure.
start_ui fail fail.txt
if wait_for fail 'runs 0 passed 2 failed'; then
	t send-keys -t fail q
	if wait_for fail 'SB-EXIT=1' &&
	    grep -q 'fail.txt: 0 passed, 2 failed runs' "$DIR/fail.err" &&
	    grep -q 'first failure: .*fail.txt:8: connection' "$DIR/fail.err"; then
		ok "ui exits 1 after runs failed and names the first failure"
	else
		not_ok "ui exits 1 after runs failed and names the first failure"
		show fail
	fi
else
	not_ok "the failing scenario fails under the dashboard"
	show fail
fi

# 2. - removes a connection without failing a run, says how many are
# left, and r restores the demo's 8; q then exits 0.
start_ui rm
if wait_for rm 'runs [1-9][0-9]* passed 0 failed'; then
	t send-keys -t rm - -
	if wait_for rm 'removed a client connection \(6 left; r restores 8\)'; then
		ok "- says how many connections are left and what r restores"
	else
		not_ok "- says how many connections are left and what r restores"
		show rm
	fi
	sleep 1.5
	if wait_for rm 'runs [1-9][0-9]* passed 0 failed' 20; then
		ok "a connection removed with - is not a failed run"
	else
		not_ok "a connection removed with - is not a failed run"
		show rm
	fi
	t send-keys -t rm r
	if wait_for rm 'scenario restarted with 8 client connections' &&
	    wait_for rm 'conns [0-9]+ open / [0-9]+ total'; then
		ok "r restores the scenario's connection count"
	else
		not_ok "r restores the scenario's connection count"
		show rm
	fi
	t send-keys -t rm q
	if wait_for rm 'SB-EXIT=0'; then
		ok "ui exits 0 when no run failed (removals included)"
	else
		not_ok "ui exits 0 when no run failed (removals included)"
		show rm
	fi
else
	not_ok "the demo runs under the dashboard"
	show rm
fi

# 3. - at zero connections says there is none to remove.
start_ui zero -c 1 --loop "$(pwd)/scenarios/seed/s1-multiconn-echo.txt"
if wait_for zero 'runs [1-9][0-9]* passed'; then
	t send-keys -t zero - -
	if wait_for zero 'no client connection to remove'; then
		ok "- at zero connections says there is none to remove"
	else
		not_ok "- at zero connections says there is none to remove"
		show zero
	fi
	t send-keys -t zero q
else
	not_ok "the seed scenario runs with -c 1"
	show zero
fi

# 4. K keeps closed rows past the 5 s they linger; f lists the failed
# rows alone, each naming the step it failed at (file:line) and why, and
# the pane of a failed connection says it in its title.
start_ui keep fail.txt
if wait_for keep 'runs 0 passed 2 failed'; then
	t send-keys -t keep K
	sleep 6.5
	capture keep
	if [ "$(grep -Ec '^ +[0-9]+ (cli|srv) +(closed|failed) ' "$DIR/screen")" -eq 4 ] &&
	    grep -q 'KEEP CLOSED' "$DIR/screen"; then
		ok "K keeps the closed and failed rows after 5 s"
	else
		not_ok "K keeps the closed and failed rows after 5 s"
		show keep
	fi
	t send-keys -t keep f
	if wait_for keep 'FAILED ONLY +2/4 rows' &&
	    [ "$(grep -Ec '^ +[0-9]+ cli +failed .*\[fail\.txt:8: expect' "$DIR/screen")" -eq 2 ] &&
	    ! grep -Eq '^ +[0-9]+ srv ' "$DIR/screen"; then
		ok "f lists only the failed rows, each naming fail.txt:8 and the step"
	else
		not_ok "f lists only the failed rows, each naming fail.txt:8 and the step"
		show keep
	fi
	t send-keys -t keep Enter
	if wait_for keep 'messages of #[0-9]+ client .*FAILED: scenario failed at' &&
	    wait_for keep 'failed: scenario failed at .*fail\.txt:8: expect mismatch'; then
		ok "a failed connection's pane names the step and why it failed"
	else
		not_ok "a failed connection's pane names the step and why it failed"
		show keep
	fi
	t send-keys -t keep q
else
	not_ok "the failing scenario fails under the dashboard"
	show keep
fi

# 5. The filter takes fields and regexes, shows at once, and says why a
# term is refused; Esc in the view clears the filter and the focus.
start_ui flt fail.txt
if wait_for flt 'runs 0 passed 2 failed'; then
	t send-keys -t flt K /
	t send-keys -t flt -l 'state:fail side:cli'
	if wait_for flt '^ filter: state:fail side:cli_' 20 &&
	    [ "$(grep -Ec '^ +[0-9]+ cli +failed ' "$DIR/screen")" -eq 2 ] &&
	    ! grep -Eq '^ +[0-9]+ srv ' "$DIR/screen"; then
		ok "state: and side: filter the rows as they are typed"
	else
		not_ok "state: and side: filter the rows as they are typed"
		show flt
	fi
	t send-keys -t flt Escape /
	t send-keys -t flt -l '^(closed|eof)$'
	t send-keys -t flt Enter
	if wait_for flt "filter '\\^\\(closed\\|eof\\)\\$' +2/4 rows" 20 &&
	    [ "$(grep -Ec '^ +[0-9]+ srv +closed ' "$DIR/screen")" -eq 2 ]; then
		ok "a regular expression filters the rows"
	else
		not_ok "a regular expression filters the rows"
		show flt
	fi
	t send-keys -t flt /
	t send-keys -t flt -l ' rab(bit'
	if wait_for flt "'rab\\(bit' is not a regular expression" 20 &&
	    wait_for flt ' 0/4 rows' 20; then
		ok "a bad regular expression is named and matches nothing"
	else
		not_ok "a bad regular expression is named and matches nothing"
		show flt
	fi
	t send-keys -t flt Enter Enter
	if wait_for flt 'focused connection' 20; then :; fi
	t send-keys -t flt Escape
	if wait_for flt '\(Enter to focus\)' 20 &&
	    wait_for flt ' 4/4 rows' 20 && ! grep -q "filter '" "$DIR/screen"; then
		ok "Esc clears the filter and the focus"
	else
		not_ok "Esc clears the filter and the focus"
		show flt
	fi
	t send-keys -t flt q
else
	not_ok "the failing scenario fails under the dashboard"
	show flt
fi

# 6. Only shown columns sort: at 120 columns LOCAL is not shown, so the
# fourth s after ID goes from CODEC to PEER; < goes back, F6 forward.
start_ui srt fail.txt
if wait_for srt 'runs 0 passed 2 failed'; then
	t send-keys -t srt s s s s
	if wait_for srt 'sorted by PEER' 20 && grep -Eq 'PEER(▼|▲)' "$DIR/screen"; then
		ok "s skips the columns not shown (LOCAL at 120 columns)"
	else
		not_ok "s skips the columns not shown (LOCAL at 120 columns)"
		show srt
	fi
	t send-keys -t srt '<'
	if wait_for srt 'sorted by CODEC' 20; then
		t send-keys -t srt F6
		if wait_for srt 'sorted by PEER' 20; then
			ok "< and F6 pick the shown column left and right"
		else
			not_ok "< and F6 pick the shown column left and right"
			show srt
		fi
	else
		not_ok "< and F6 pick the shown column left and right"
		show srt
	fi
	t send-keys -t srt q
else
	not_ok "the failing scenario fails under the dashboard"
	show srt
fi

# 7. Small terminals: the "too small" message fits at 30x10; the help
# overlay at 60x15 wraps and scrolls to its last line; the elapsed time
# keeps the title line's right end at 120 columns; under TERM=vt100 (no
# dim) closed rows are still marked (underlined).
COLS=30 LINES_=10 start_ui tiny
if wait_for tiny '^terminal too small: 30x10$' 50 &&
    grep -q '^need 40x12; q quits$' "$DIR/screen"; then
	ok "the too-small message fits at 30x10"
else
	not_ok "the too-small message fits at 30x10"
	show tiny
fi
t send-keys -t tiny q
COLS=60 LINES_=15 start_ui hlp
if wait_for hlp 'elapsed' 50; then
	t send-keys -t hlp '?'
	if wait_for hlp '1-11 of [0-9]+, Up/Down scroll' 20; then
		t send-keys -t hlp End
		if wait_for hlp '│ q, Q, F10 +quit +│' 20 &&
		    ! grep -q '…│\|… │' "$DIR/screen"; then
			ok "the help overlay wraps and scrolls to its last line at 60x15"
		else
			not_ok "the help overlay wraps and scrolls to its last line at 60x15"
			show hlp
		fi
	else
		not_ok "the help overlay says it scrolls at 60x15"
		show hlp
	fi
	t send-keys -t hlp x q
fi
start_ui ttl
if wait_for ttl ' elapsed 0:0[0-9] *$' 50 &&
    head -1 "$DIR/screen" | grep -q 'scenario demo'; then
	ok "the title keeps the elapsed time at its end at 120 columns"
else
	not_ok "the title keeps the elapsed time at its end at 120 columns"
	show ttl
fi
t send-keys -t ttl q
t new-session -d -s vt -x 120 -y 20 \
    "cd '$DIR' && TERM=vt100 LANG=C.UTF-8 '$BIN' ui fail.txt; exec sh"
if wait_for vt '^ +3 srv +closed ' 50 && wait_for vt '^ +1 cli +failed ' 50; then
	t capture-pane -e -p -t vt >"$DIR/attrs"
	# Rows 6 and 7 of the screen (ids 3 and 2, not selected) are closed.
	if sed -n '6,7p' "$DIR/attrs" | grep -q "$(printf '\033')\[4m"; then
		ok "under TERM=vt100 closed rows are underlined"
	else
		not_ok "under TERM=vt100 closed rows are underlined"
		cat -v "$DIR/attrs"
	fi
	t send-keys -t vt q
else
	not_ok "the dashboard runs under TERM=vt100"
	show vt
fi

# 8. ui --connect to an http server (python3 -m http.server) with no
# SCENARIO decodes with the codec the probe found: the CODEC column says
# http and the pane shows the headers one per line, not raw bytes.
if command -v python3 >/dev/null 2>&1; then
	hport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	mkdir -p "$DIR/www"
	printf 'hello\n' >"$DIR/www/a.txt"
	(cd "$DIR/www" && exec python3 -m http.server --bind 127.0.0.1 \
	    "$hport") >"$DIR/http.log" 2>&1 &
	hpid=$!
	i=0
	while [ $i -lt 100 ] && ! python3 -c "import socket; socket.create_connection(('127.0.0.1',$hport),1)" 2>/dev/null; do
		sleep 0.05
		i=$((i + 1))
	done
	start_ui prb --connect "127.0.0.1:$hport"
	if wait_for prb '^ +[0-9]+ cli +(open|closed) +http ' 100 &&
	    wait_for prb '^ +Server: SimpleHTTP/[0-9.]+ Python/[0-9.]+$' 50 &&
	    grep -Eq '^ +Content-type: text/html; charset=utf-8$' "$DIR/screen" &&
	    grep -q 'runs [1-9][0-9]* passed 0 failed' "$DIR/screen"; then
		ok "ui --connect decodes an http server with the probe's http codec"
	else
		not_ok "ui --connect decodes an http server with the probe's http codec"
		show prb
	fi
	t send-keys -t prb q
	kill "$hpid" 2>/dev/null
else
	ok "# SKIP python3 is not installed"
fi

# 9. W asks first with the count, any other key answers no, and a second
# W writes one file per conversation (the client side of each client and
# its embedded server side), each one a scenario sockbench run replays.
start_ui rec
if wait_for rec 'runs ([3-9]|[1-9][0-9]+) passed 0 failed'; then
	t send-keys -t rec p W
	if wait_for rec 'record [0-9]+ conversations, one file each\? W again' 20; then
		t send-keys -t rec x W
		sleep 0.3
		ls -d "$DIR"/sockbench-recording-* >/dev/null 2>&1 && early=1 || early=0
		if wait_for rec 'record [0-9]+ conversations, one file each\? W again' 20 &&
		    [ "$early" -eq 0 ]; then
			ok "W asks with the count first, and another key answers no"
		else
			not_ok "W asks with the count first, and another key answers no"
			show rec
		fi
		t send-keys -t rec W
		if wait_for rec "wrote [0-9]+ recordings \\(one per conversation\\) to " 50; then
			asked=$(sed -n 's/.*wrote \([0-9]*\) recordings.*/\1/p' "$DIR/screen" | head -1)
			d=$(ls -d "$DIR"/sockbench-recording-* | head -1)
			files=$(ls "$d" | wc -l)
			srv=$(grep -l 'server side' "$d"/*.txt | wc -l)
			one=$(ls "$d"/*.txt | head -1)
			# The demo's `wait 1s` before its send is kept, and
			# its `expect close` (the app closes first) too.
			if [ "$files" -eq "$asked" ] && [ "$srv" -eq 0 ] &&
			    grep -Eq '^wait (9[5-9][0-9]|1[0-9]{3})ms$' "$one" &&
			    [ "$(grep -l '^expect close$' "$d"/*.txt | wc -l)" -eq "$files" ] &&
			    (cd "$DIR" && "$BIN" run "$one" >"$DIR/replay.out" 2>&1); then
				ok "a second W writes one replayable file per conversation ($files)"
			else
				not_ok "a second W writes one replayable file per conversation ($files files, $srv server sides, asked $asked)"
				cat "$DIR/replay.out"
			fi
		else
			not_ok "a second W writes the recordings"
			show rec
		fi
	else
		not_ok "W asks with the count first, and another key answers no"
		show rec
	fi
	t send-keys -t rec q
else
	not_ok "the demo runs"
	show rec
fi

# 11. F3 searches: the cursor (and the pane that follows it) moves to the
# first row with the text, no row is hidden, n goes on to the next.
start_ui srch fail.txt
if wait_for srch '^ +1 cli +failed ' 50 && wait_for srch 'messages of #4 server' 20; then
	t send-keys -t srch K F3
	t send-keys -t srch -l 'expect mis'
	t send-keys -t srch Enter
	if wait_for srch 'messages of #2 client' 20 && grep -q ' 4/4 rows' "$DIR/screen"; then
		t send-keys -t srch n
		if wait_for srch 'messages of #1 client' 20; then
			ok "F3 moves the cursor to the row with the text and n to the next"
		else
			not_ok "F3 moves the cursor to the row with the text and n to the next"
			show srch
		fi
	else
		not_ok "F3 moves the cursor to the row with the text and n to the next"
		show srch
	fi
	t send-keys -t srch q
else
	not_ok "the failing scenario fails under the dashboard"
	show srch
fi

# 10. serve --ui: the header names the listening address and the mode, and
# the status line lists no key that needs a scenario (r, + and -).
if command -v python3 >/dev/null 2>&1; then
	sport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	t new-session -d -s srv -x 120 -y 20 \
	    "cd '$DIR' && LANG=C.UTF-8 '$BIN' serve -s echo -l 127.0.0.1:$sport --ui; exec sh"
	if wait_for srv "serve 127\\.0\\.0\\.1:$sport \\(echo\\) +mode server \\(accepted connections\\)" 50 &&
	    grep -q 'w/W record' "$DIR/screen" &&
	    ! grep -q 'r restart' "$DIR/screen" && ! grep -q '+/- conns' "$DIR/screen" &&
	    ! grep -q 'target -' "$DIR/screen"; then
		ok "serve --ui shows its address and mode and only keys that work"
	else
		not_ok "serve --ui shows its address and mode and only keys that work"
		show srv
	fi
	t send-keys -t srv F4
	if wait_for srv '^ filter: _' 20; then
		t send-keys -t srv Escape F10
		if wait_for srv '^[$#] *$|sockbench serve: ' 30 || ! t has-session -t srv 2>/dev/null; then
			ok "F4 opens the filter and F10 quits (htop's keys)"
		else
			not_ok "F4 opens the filter and F10 quits (htop's keys)"
			show srv
		fi
	else
		not_ok "F4 opens the filter and F10 quits (htop's keys)"
		show srv
	fi
	t send-keys -t srv q
fi

exit $FAILED
