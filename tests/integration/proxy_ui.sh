#!/bin/sh
# sockbench proxy --ui (issue 18): each pair's two rows are linked (SIDE
# c#N and s#N), the pane of either shows the pair's messages both ways,
# decoded with the detected codec and marked c>s / s>c; q gives the
# terminal back, then the summary. Driven through tmux; prints TAP lines.
. tests/integration_lib.sh

if ! command -v tmux >/dev/null 2>&1; then
	echo "not ok 1 - tmux is not installed (scripts/deps.sh test)"
	exit 0
fi
ui_tmux_init sbpxui
export XDG_STATE_HOME="$tmp/st"
serve app -s app -q || exit 1
aport=$port
uport=$(free_port)
ui_start p proxy --ui -l "127.0.0.1:$uport" -C "127.0.0.1:$aport"
# The dashboard's title first (a probe connect would make a pair).
ui_wait_for p "proxy 127.0.0.1:$uport -> 127.0.0.1:$aport" || ui_show p

# --- one conversation of the seed app client through the proxy ---
"$BIN" run --connect "127.0.0.1:$uport" scenarios/seed/s3-app-dog.txt >/dev/null 2>&1
r=$?
ui_wait_for p " 2 s#1 .*closed +jsonhdr +127.0.0.1:$aport "
w=$?
[ $r -eq 0 ] && [ $w -eq 0 ] && grep -Eq " 1 c#1 .*closed +jsonhdr " "$tmp/screen"
r=$?
check $r "--ui: a pair's rows are c#1 (the client's side) and s#1 (its upstream), decoded as jsonhdr"
[ $r -eq 0 ] || ui_show p

# The newest row (#2, the upstream) is selected: its pane has both ways.
ui_wait_for p '^ +\{"result":"🐾 Playing ball! 🏐"\}' 100
grep -Eq "messages of #2 client .* pair #1 with #1, both directions +jsonhdr" "$tmp/screen" &&
    grep -Eq '^[0-9:.]+ c>s \{"byteorder":"little".*"content-length":37\}' "$tmp/screen" &&
    grep -Eq '^ +\{"action":"search","value":"🐶"\}' "$tmp/screen" &&
    grep -Eq '^[0-9:.]+ s>c \{"byteorder".*"content-length":37\}' "$tmp/screen" &&
    grep -Eq '^ +\{"result":"🐾 Playing ball! 🏐"\}' "$tmp/screen" &&
    [ "$(grep -Ec '^[0-9:.]+ (c>s|s>c) ' "$tmp/screen")" -eq 2 ] &&
    grep -A4 ' c>s ' "$tmp/screen" | grep -q ' s>c '

r=$?
check $r "--ui: the upstream row's pane shows the request c>s and the reply s>c, decoded"
[ $r -eq 0 ] || ui_show p

# Down to #1 (the accepted client): the same two messages, same marks.
ui_t send-keys -t p Down
ui_wait_for p "messages of #1 server .* pair #1 with #2, both directions" 100
r=$?
[ $r -eq 0 ] && grep -Eq '^[0-9:.]+ c>s \{"byteorder"' "$tmp/screen" &&
    grep -Eq '^ +\{"result":"🐾 Playing ball! 🏐"\}' "$tmp/screen" &&
    grep -A4 ' c>s ' "$tmp/screen" | grep -q ' s>c ' &&
    [ "$(sed -n '/messages of #1/,$p' "$tmp/screen" | grep -Ec '^[0-9:.]+ c>s ')" -eq 1 ]
r=$?
check $r "--ui: the client row's pane shows the same conversation in the same order"
[ $r -eq 0 ] || ui_show p

# A second conversation is pair #2: rows 3 and 4.
"$BIN" run --connect "127.0.0.1:$uport" scenarios/seed/s3-app-dog.txt >/dev/null 2>&1
ui_wait_for p " 4 s#2 .*jsonhdr" && grep -Eq " 3 c#2 " "$tmp/screen"
check $? "--ui: the next connection is pair #2 (rows 3 and 4)"

# q: the terminal back, then the summary.
ui_t send-keys -t p q
ui_wait_for p "^SB-EXIT=" 100
grep -q "^SB-EXIT=0$" "$tmp/screen" &&
    grep -q "^proxy: 2 connections (0 upstream connects failed), 284 bytes client>server, 284 bytes server>client" "$tmp/screen" &&
    grep -q "^proxy: 2 messages client>server, 2 server>client decoded as jsonhdr" "$tmp/screen"
r=$?
check $r "--ui: q gives the terminal back, then the summary (decoded counts too), exit 0"
[ $r -eq 0 ] || ui_show p

# --- faults live from the dashboard: F (the selected pair), A (every
# pair), L (list, remove by id); the status line confirms ---
serve echo -q || exit 1
eport=$port
vport=$(free_port)
# A client that keeps its connection: a round trip, then another once
# $tmp/go exists; prints both replies.
cat >"$tmp/twice.py" <<'PY'
import os, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 3)
s.settimeout(10)
s.sendall(b"first\n")
a = s.recv(100)
t = time.time() + 15
while not os.path.exists(sys.argv[2]) and time.time() < t:
    time.sleep(0.05)
s.sendall(b"again\n")
b = s.recv(100)
print(repr(a), repr(b), flush=True)
PY
ui_start f proxy --ui -l "127.0.0.1:$vport" -C "127.0.0.1:$eport"
ui_wait_for f "proxy 127.0.0.1:$vport -> 127.0.0.1:$eport" || ui_show f
$PYTHON "$tmp/twice.py" "$vport" "$tmp/go" >"$tmp/twice.out" 2>&1 &
tpid=$!
pids="$pids $tpid"
ui_wait_for f " 2 s#1 +open " || ui_show f
# F on the selected (newest) row: pair #1. A fault added live counts its
# offsets from then on: the 'a' of "again" (the next byte down) comes
# back as 'A'.
ui_t send-keys -t f F
ui_wait_for f "fault on pair #1> _" 100
r=$?
ui_t send-keys -t f -l "downstream:corrupt=0,xor=0x20"
ui_t send-keys -t f Enter
ui_wait_for f "fault 1 downstream:corrupt=0,xor=0x20,conn=1 added: pair #1" 100
[ $r -eq 0 ] && [ $? -eq 0 ]
r=$?
check $r "F: a prompt for the selected pair; Enter adds the fault with conn=N; the status line confirms"
[ $r -eq 0 ] || ui_show f
touch "$tmp/go"
wait $tpid
grep -q "^b'first\\\\n' b'Again\\\\n'$" "$tmp/twice.out"
r=$?
check $r "the fault added from the dashboard acts on the open pair (the next byte down flipped)"
[ $r -eq 0 ] || sed 's/^/# /' "$tmp/twice.out"

# A with a spec that does not parse: the prompt stays, with the reason.
ui_t send-keys -t f A
ui_wait_for f "fault on every pair> _" 100
ui_t send-keys -t f -l "sideways:x"
ui_t send-keys -t f Enter
ui_wait_for f "fault on every pair> sideways:x_ +\\[fault not added: expected the direction upstream" 100
r=$?
check $r "A: a spec that does not parse is refused with control_parse's reason; the prompt stays"
[ $r -eq 0 ] || ui_show f
ui_t send-keys -t f Escape
ui_wait_for f "q quit  \\? help" 100
# A: every pair, open and new: the seed echo client now fails.
ui_t send-keys -t f A
ui_wait_for f "fault on every pair> _" 100
ui_t send-keys -t f -l "downstream:corrupt=0,xor=0x20"
ui_t send-keys -t f Enter
ui_wait_for f "fault 2 downstream:corrupt=0,xor=0x20 added: every pair, open and new" 100
r=$?
"$BIN" run --connect "127.0.0.1:$vport" scenarios/seed/s1-multiconn-echo.txt >"$tmp/s1a.out" 2>&1
rr=$?
[ $r -eq 0 ] && [ $rr -eq 1 ] && grep -q "expected 0x4d 'M', got 0x6d 'm'" "$tmp/s1a.out"
r=$?
check $r "A: a fault on every pair; a new client gets the flipped byte"
[ $r -eq 0 ] || { ui_show f; sed 's/^/# /' "$tmp/s1a.out"; }

# L lists both and removes one by its id; the client passes again.
ui_t send-keys -t f L
ui_wait_for f "remove fault ID> _ +faults: 1 downstream:corrupt=0,xor=0x20,conn=1; 2 downstream:corrupt=0,xor=0x20 " 100
r=$?
ui_t send-keys -t f 2 Enter
ui_wait_for f "fault 2 removed" 100
rr=$?
"$BIN" run --connect "127.0.0.1:$vport" scenarios/seed/s1-multiconn-echo.txt >"$tmp/s1b.out" 2>&1
r3=$?
[ $r -eq 0 ] && [ $rr -eq 0 ] && [ $r3 -eq 0 ]
r=$?
check $r "L: lists the faults, removes one by its id (confirmed); the client passes again"
[ $r -eq 0 ] || { ui_show f; sed 's/^/# /' "$tmp/s1b.out"; }
ui_t send-keys -t f L
ui_wait_for f "remove fault ID> _" 100
ui_t send-keys -t f 9 Enter
ui_wait_for f "remove fault ID> 9_ +\\[nothing removed: no fault 9\\]" 100
r=$?
check $r "L: an id that is not a fault is refused; the prompt stays"
[ $r -eq 0 ] || ui_show f
ui_t send-keys -t f Escape q
ui_wait_for f "^SB-EXIT=" 100
grep -Eq "^proxy: fault 2 downstream:corrupt=0,xor=0x20 \\(removed\\): on [0-9]+ connections?, fired 2 times" "$tmp/screen" &&
    grep -q "^SB-EXIT=0$" "$tmp/screen"
r=$?
check $r "q: the summary counts the faults added from the dashboard, exit 0"
[ $r -eq 0 ] || ui_show f

# F, A, L belong to proxy --ui: elsewhere they say so and change nothing.
ui_start s serve -s echo -l 127.0.0.1:0 --ui
ui_wait_for s "serve 127.0.0.1:" || ui_show s
ui_t send-keys -t s F
ui_wait_for s "faults are for sockbench proxy --ui" 100
r=$?
check $r "F outside proxy --ui: the status line says it is for proxy --ui"
[ $r -eq 0 ] || ui_show s
ui_t send-keys -t s q
