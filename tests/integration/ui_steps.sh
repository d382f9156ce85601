#!/bin/sh
# The dashboard's step screen and live load control (issue 15), driven
# through tmux on a private server: 2 (or Tab after the message pane) shows
# one line per step with the connections at it now, passed, timed out,
# unexpected, errors and latency, per role; 1, Esc or Tab go back; the
# frame benchmark times the step screen too. Every wait is a poll with a
# deadline; the tmux server is always killed at the end. Prints TAP lines.
# Uses $BIN (default ./sockbench).
. tests/integration_lib.sh
ui_tmux_init sbst
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
check() {
	if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; show "$3"; fi
}

if ! command -v tmux >/dev/null 2>&1; then
	echo "ok 1 - # SKIP tmux is not installed"
	exit 0
fi

# The tmux helpers of integration_lib.sh, under this script's short names;
# everything lives in the lib's $tmp (removed, with the tmux server, at exit).
DIR=$tmp
export TMPDIR="$DIR"
export XDG_STATE_HOME="$DIR/state"
t() { ui_t "$@"; }
capture() { ui_capture "$1"; }
wait_for() { ui_wait_for "$@"; }
# start_ui SESSION ARGS...: "sockbench ui ARGS" (ui_start).
start_ui() {
	name=$1
	shift
	ui_start "$name" ui "$@"
}
show() {
	cat "$DIR/screen"
	cat "$DIR/$1.err" 2>/dev/null
}

# Six connections: all pass line 7 (with a latency), 1 and 2 time out at
# line 9, 3 gets an unexpected answer at line 13, and 4 to 6 wait at line
# 15 for a minute.
cat >"$DIR/steps.txt" <<'SC'
name "step screen"
codec line
service echo
connections 6
timeout 2s
send "x${conn}"
expect regex "^x"
if conn <= 2
  expect "never" timeout 300ms
end
if conn == 3
  send "a"
  expect "b"
end
expect "hold" timeout 60s
SC

# 1. 2 shows the step screen with each step's counters.
start_ui steps steps.txt
if wait_for steps 'runs 0 passed 3 failed'; then
	t send-keys -t steps 2
	wait_for steps 'expect "hold".* 3 +0 +0 +0 +0 +- +-' 50
	check $? "2 shows the step screen: 3 connections wait at line 15" steps
	grep -Eq '^ +7 expect regex \^x +0 +6 +0 +0 +0 +[0-9.]+(us|ms) +[0-9.]+(us|ms)' "$DIR/screen"
	check $? "line 7 passed by all 6, with its latency" steps
	grep -Eq '^ +9 +expect "never".* 0 +0 +2 +0 +0 ' "$DIR/screen"
	check $? "line 9: 2 timed out there" steps
	grep -Eq '^ +13 +expect "b".* 0 +0 +0 +1 +0 ' "$DIR/screen"
	check $? "line 13: 1 unexpected answer" steps
	grep -Eq '^ +\(connect\) +0 +6 +0 +0 +0' "$DIR/screen" &&
	    grep -q 'the steps of each client connection (6)' "$DIR/screen" &&
	    grep -q 'AT NOW' "$DIR/screen" && grep -q 'step screen' "$DIR/screen"
	check $? "the connect line, the section title, the heading and the status" steps
	t send-keys -t steps 1
	wait_for steps 'ID. SIDE +STATE' 30
	check $? "1 goes back to the connection table" steps
	t send-keys -t steps Tab Tab
	wait_for steps 'LINE STEP' 30
	check $? "Tab after the message pane goes to the step screen" steps
	t send-keys -t steps Escape
	wait_for steps 'ID. SIDE +STATE' 30
	check $? "Esc goes back from the step screen" steps
	t send-keys -t steps q
	wait_for steps 'SB-EXIT=1' 50
	check $? "q: exit 1, the runs failed" steps
else
	not_ok "the step scenario runs under the dashboard"
	show steps
fi

# 2. With roles, one section per role.
cat >"$DIR/roles.txt" <<'SC'
name "roles"
codec line
service echo
role pub 1
  send "p"
  expect "p"
  expect "hold" timeout 60s
end
role sub 2
  send "s"
  expect "s"
  wait 60s
end
SC
start_ui roles roles.txt
if wait_for roles 'conns [0-9]+ open' 50; then
	t send-keys -t roles 2
	wait_for roles 'wait 60s +2 +0' 50 &&
	    grep -q 'role pub: 1 connection$' "$DIR/screen" &&
	    grep -q 'role sub: 2 connections$' "$DIR/screen" &&
	    grep -Eq 'expect "hold".* 1 +0 +0 +0 +0' "$DIR/screen"
	check $? "roles: a section each, with their own counts" roles
	t send-keys -t roles +
	wait_for roles 'each role states its connection count' 30
	check $? "with roles + says each role states its count" roles
	t send-keys -t roles q
else
	not_ok "the roles scenario runs under the dashboard"
	show roles
fi

# 2b. A scripted server's accept block has its own section.
cat >"$DIR/acc.txt" <<'SC'
name "mock"
codec line
connections 3
send "hi"
expect "hello"
expect "bye" timeout 60s
accept
  expect "hi"
  send "hello"
  wait 60s
end
SC
start_ui acc acc.txt
if wait_for acc 'conns [0-9]+ open' 50; then
	t send-keys -t acc 2
	wait_for acc 'wait 60s +3 +0' 50 &&
	    grep -q "accept: the scripted server's steps (3 connections accepted)" "$DIR/screen" &&
	    grep -Eq 'expect "bye" +3 +0' "$DIR/screen" &&
	    grep -Eq '^ +9 +send "hello" +0 +3 ' "$DIR/screen"
	check $? "the accept block's steps have their own section" acc
	t send-keys -t acc q
else
	not_ok "the accept scenario runs under the dashboard"
	show acc
fi

# 3. At 80x24 the step's text keeps its room: the latency columns go.
COLS=80 LINES_=24 start_ui narrow steps.txt
if wait_for narrow 'runs 0 passed 3 failed'; then
	t send-keys -t narrow 2
	wait_for narrow 'expect "hold"' 50 && grep -q 'AT NOW' "$DIR/screen" &&
	    grep -q 'UNEXPECTED' "$DIR/screen" && ! grep -q 'LAT MAX' "$DIR/screen"
	check $? "80x24: the counters stay, LAT MAX goes" narrow
	t send-keys -t narrow q
else
	not_ok "the step scenario runs at 80x24"
	show narrow
fi

# 5. Load control: the header's target, open and ramp; * and / move the
# rate on the step screen, + and - the target by 10%, r restores both.
cat >"$DIR/hold.txt" <<'SC'
name "hold"
codec line
service echo
send "a"
expect "a"
expect "hold" timeout 60s
SC
start_ui load -c 40 --rate 2 hold.txt
if wait_for load 'clients [0-9]+/40 open, ramp [0-9]+% \([0-9]+ to start at 2/s\)' 50; then
	ok "the header shows open/target and the ramp at 2/s"
	t send-keys -t load 2 '*'
	wait_for load 'connections now open at 3/s' 30 &&
	    wait_for load 'ramp [0-9]+% \([0-9]+ to start at 3/s\)' 30
	check $? "* on the step screen raises the rate 2/s -> 3/s" load
	t send-keys -t load / / /
	wait_for load 'to start at 1/s\)' 30 && wait_for load 'open at 1/s' 30
	check $? "/ lowers it by whole steps and never below 1/s" load
	t send-keys -t load +
	wait_for load 'added 4 client connections \(44 now; r restores 40\)' 30 &&
	    wait_for load 'clients [0-9]+/44 open' 30
	check $? "+ raises the target by 10% (40 -> 44)" load
	t send-keys -t load -
	wait_for load 'removed 4 client connections \(40 left; r restores 40\)' 30 &&
	    wait_for load 'clients [0-9]+/40 open' 30
	check $? "- lowers it by 10% (44 -> 40)" load
	t send-keys -t load 1 /
	wait_for load '^ filter: _' 30
	check $? "on the connection screen / is still the filter" load
	t send-keys -t load Escape r
	wait_for load 'scenario restarted with 40 client connections' 30 &&
	    wait_for load 'to start at 2/s\)' 30
	check $? "r restores the count and the rate (2/s)" load
	t send-keys -t load q
else
	not_ok "the header shows open/target and the ramp at 2/s"
	show load
fi

# 6. All at once: the header says rate max, and * cannot go higher.
start_ui max steps.txt
if wait_for max 'clients 3/6 open, rate max' 50; then
	ok "without a rate: clients 3/6 open, rate max"
	t send-keys -t max 2 '*'
	wait_for max 'the rate is already the highest' 30
	check $? "* says the rate is already the highest" max
	t send-keys -t max /
	wait_for max 'connections now open at 5/s' 30
	check $? "/ from all at once starts below the target per second (6 -> 5/s)" max
	t send-keys -t max q
else
	not_ok "without a rate: clients 3/6 open, rate max"
	show max
fi

# 7. A serve --ui recording names its service: it replays on its own.
if command -v python3 >/dev/null 2>&1; then
	sport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	t new-session -d -s srv -x 120 -y 20 \
	    "cd '$DIR' && LANG=C.UTF-8 LC_ALL=C.UTF-8 '$BIN' serve -s echo -l 127.0.0.1:$sport --ui; exec sh"
	if wait_for srv "serve 127\\.0\\.0\\.1:$sport" 50; then
		python3 - "$sport" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"hello\n")
got = b""
while not got.endswith(b"\n"):
    got += s.recv(100)
time.sleep(0.3)
s.close()
PY
		wait_for srv ' srv +(open|closed)' 30
		t send-keys -t srv w
		if wait_for srv 'wrote #[0-9]+ to .*/sockbench-recording-' 30; then
			f=$(ls "$DIR"/sockbench-recording-*.txt 2>/dev/null | head -1)
			grep -q '^service echo$' "$f" &&
			    (cd "$DIR" && "$BIN" run "$f" >"$DIR/replay.out" 2>&1)
			check $? "a serve --ui recording names its service and replays on its own" srv
		else
			not_ok "serve --ui: w writes a recording"
			show srv
		fi
	else
		not_ok "serve --ui starts"
		show srv
	fi
	t send-keys -t srv q
fi

# 8. bench --ui (here against its embedded server, whose connections are
# on the same loop): client rows count MSG OUT and RTT, and the header
# gives the report's figures in its units, of the client side.
t new-session -d -s bench -x 120 -y 30 \
    "cd '$DIR' && LANG=C.UTF-8 LC_ALL=C.UTF-8 '$BIN' bench -c 2 -d 3 --ui 2>'$DIR/bench.err'; echo SB-EXIT=\$?; exec sh"
if wait_for bench 'client side: 2 open of 2   requests [0-9]+ in [0-9.]+ s = [0-9.]+/s   bytes out [0-9.]+ MB/s, in [0-9.]+ MB/s' 60; then
	ok "bench --ui: the header gives requests, rate and MB/s of the client side"
	grep -Eq '^ latency p50 [0-9.]+ ms  p99 [0-9.]+ ms  max [0-9.]+ ms   errors 0   throughput' "$DIR/screen"
	check $? "bench --ui: latency in ms as the report prints it" bench
	wait_for bench '^ +[0-9]+ cli +open +raw .* [0-9.]+k? +[1-9][0-9.]*k? +[0-9.]+(us|ms) ' 20
	check $? "bench --ui: client rows count MSG OUT and show the RTT" bench
	wait_for bench 'SB-EXIT=0' 100 &&
	    grep -Eq '^requests +[0-9]+ in [0-9.]+ s = [0-9.]+/s$' "$DIR/screen" &&
	    grep -Eq '^bytes +out [0-9]+ \([0-9.]+ MB/s\), in [0-9]+ \([0-9.]+ MB/s\)$' "$DIR/screen"
	check $? "bench --ui: the final report uses the same figures and units" bench
else
	not_ok "bench --ui: the header gives requests, rate and MB/s of the client side"
	show bench
fi

# 4. The frame benchmark times the step screen too.
out=$("$BIN" ui --bench-frame 2000 2>&1)
echo "$out" | grep -Eq '^ui step screen: 2000 connections, 42 steps, [0-9.]+ ms per frame'
check $? "--bench-frame times the step screen ($(echo "$out" | tail -1))" none

exit $FAILED
