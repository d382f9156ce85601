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
ui_wait_for p '^ +\{"result":"🐾 Playing ball! 🏐"\}' 30
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
ui_wait_for p "messages of #1 server .* pair #1 with #2, both directions" 30
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
ui_wait_for p "^proxy: 2 connections" 100
grep -q "^proxy: 2 connections (0 upstream connects failed), 284 bytes client>server, 284 bytes server>client" "$tmp/screen" &&
    grep -q "^proxy: 2 messages client>server, 2 server>client decoded as jsonhdr" "$tmp/screen"
r=$?
check $r "--ui: q gives the terminal back, then the summary (decoded counts too)"
[ $r -eq 0 ] || ui_show p
