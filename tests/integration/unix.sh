#!/bin/sh
# Unix domain sockets and IPv6 in every command (issue 16): serve listens on
# unix:/PATH (a socket file srw-rw----, removed at exit) and unix:@NAME;
# run, bench and probe connect to it and report the address as given; the
# serve log names each peer's pid/uid/gid (SO_PEERCRED); a stale socket
# file is replaced, a live one and a regular file are refused and kept;
# a real redis-server on its own unixsocket answers a RESP scenario; a bad
# address is a usage error naming what is wrong; and [::1]:PORT works in
# run, bench, probe and serve. Prints TAP lines.
. tests/integration_lib.sh

# userve NAME ADDR ARGS...: start sockbench serve on ADDR, wait for its
# "serving" line; sets $pid.
userve() {
	name=$1
	addr=$2
	shift 2
	: >"$tmp/$name.out"
	"$BIN" serve -l "$addr" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	pids="$pids $pid"
	i=0
	while [ $i -lt 100 ]; do
		grep -q serving "$tmp/$name.out" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

cat >"$tmp/echo.txt" <<'SCEN'
codec raw
connections 3
timeout 2s
send "hello over a unix socket"
expect "hello over a unix socket"
close
SCEN

S=$tmp/s.sock
userve s "unix:$S" -s echo
check $? "serve -l unix:PATH starts"
grep -qx "sockbench: serving echo on unix:$S" "$tmp/s.out"
check $? "serve prints the address as given: unix:$S"
[ -S "$S" ] && [ "$(stat -c %a "$S")" = 660 ]
check $? "the socket file is a socket, mode 660 (got $(stat -c %a "$S" 2>&1))"
spid=$pid

"$BIN" run --connect "unix:$S" -f json -o "$tmp/run.json" "$tmp/echo.txt" \
    >"$tmp/run.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -q '^PASS .*3/3 connections' "$tmp/run.out"
check $? "run --connect unix:PATH passes 3/3 (exit $rc)"
grep -q "\"unix:$S\"" "$tmp/run.json"
check $? "run's JSON report names the target unix:$S"

"$BIN" bench -C "unix:$S" -c 4 -d 1s >"$tmp/bench.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -q "^target      unix:$S\$" "$tmp/bench.out" &&
    grep -q '^connected   4 of 4' "$tmp/bench.out" &&
    grep -q '^errors      none' "$tmp/bench.out" &&
    grep -q '^verdict     ok' "$tmp/bench.out"
check $? "bench -C unix:PATH: target as given, 4 of 4, no error (exit $rc)"
[ "$rc" -eq 0 ] || cat "$tmp/bench.out"

"$BIN" probe "unix:$S" >"$tmp/probe.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -q "^target: *unix:$S\$" "$tmp/probe.out" &&
    grep -q '^verdict: *echo' "$tmp/probe.out"
check $? "probe unix:PATH identifies the echo server (exit $rc)"

uid=$(id -u)
gid=$(id -g)
n=$(grep -c "accepted from unix (pid [0-9][0-9]* uid $uid gid $gid)" \
    "$tmp/s.err")
[ "$n" -ge 7 ]
check $? "serve logs each peer's pid/uid/gid from SO_PEERCRED ($n lines)"

# A second server on the live socket is refused; the first keeps it.
"$BIN" serve -l "unix:$S" >"$tmp/s2.out" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -q "listen on unix:$S: Address already in use" \
    "$tmp/s2.out" && [ -S "$S" ]
check $? "serve on a socket in use fails, EADDRINUSE, file kept (exit $rc)"
"$BIN" run --connect "unix:$S" "$tmp/echo.txt" >/dev/null 2>&1
check $? "the first server still answers on unix:$S"

kill "$spid"
wait "$spid"
rc=$?
[ "$rc" -eq 0 ] && [ ! -e "$S" ]
check $? "serve ends on SIGTERM with exit 0 and removes its socket file (exit $rc)"

# Nothing there: refused, the reason says so.
"$BIN" run --connect "unix:$S" "$tmp/echo.txt" >"$tmp/none.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q 'connect: connection refused (no socket file)' \
    "$tmp/none.out"
check $? "run against a missing socket file fails as refused (exit $rc)"
"$BIN" bench -C "unix:$S" -c 2 -d 1s >"$tmp/none2.out" 2>&1
grep -q '^errors      refused 2' "$tmp/none2.out"
check $? "bench against a missing socket file counts 2 refused"

# A stale socket file (its server killed with SIGKILL) is replaced.
userve k "unix:$S"
kpid=$pid
kill -9 "$kpid"
wait "$kpid" 2>/dev/null
[ -S "$S" ]
check $? "a SIGKILLed server leaves its socket file behind"
userve s3 "unix:$S"
check $? "serve replaces the stale socket file"
s3pid=$pid
"$BIN" run --connect "unix:$S" "$tmp/echo.txt" >/dev/null 2>&1
check $? "and answers on it"
kill "$s3pid"
wait "$s3pid"

# A regular file is never removed.
printf 'keep me\n' >"$tmp/plain"
"$BIN" serve -l "unix:$tmp/plain" >"$tmp/plain.out" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -q "listen on unix:$tmp/plain: the file exists and is not a socket (left in place)" \
    "$tmp/plain.out" && [ "$(cat "$tmp/plain")" = "keep me" ]
check $? "serve on a regular file refuses and leaves it intact (exit $rc)"

# Abstract names: no file anywhere.
A="@sockbench-test-$$"
userve ab "unix:$A"
check $? "serve -l unix:@NAME starts"
apid=$pid
grep -qx "sockbench: serving echo on unix:$A" "$tmp/ab.out"
check $? "serve prints the abstract address as given"
"$BIN" run --connect "unix:$A" "$tmp/echo.txt" >"$tmp/ab.run" 2>&1
check $? "run --connect unix:@NAME passes"
"$BIN" bench -C "unix:$A" -c 2 -d 1s >"$tmp/ab.bench" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -q '^errors      none' "$tmp/ab.bench"
check $? "bench -C unix:@NAME, no error (exit $rc)"
"$BIN" probe "unix:$A" >"$tmp/ab.probe" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -q '^verdict: *echo' "$tmp/ab.probe"
check $? "probe unix:@NAME identifies echo (exit $rc)"
kill "$apid"
wait "$apid"

# The embedded server of run and bench on a Unix socket.
"$BIN" run --listen "unix:$tmp/emb.sock" "$tmp/echo.txt" >"$tmp/emb.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && [ ! -e "$tmp/emb.sock" ]
check $? "run --listen unix:PATH passes and removes the file (exit $rc)"

# Bad addresses: usage errors naming the mistake.
"$BIN" run --connect unix: "$tmp/echo.txt" >"$tmp/bad1" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -q "^sockbench run: --connect 'unix:': empty socket path" "$tmp/bad1"
check $? "run --connect unix: is a usage error (exit $rc)"
long=/tmp/$(printf '%0120d' 0)
"$BIN" serve -l "unix:$long" >"$tmp/bad2" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -q "socket path is 125 bytes, at most 107 fit in sun_path" "$tmp/bad2"
check $? "serve -l with a path too long for sun_path is a usage error (exit $rc)"
"$BIN" bench -C '[::1:80' -c 1 -d 1s >"$tmp/bad3" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -q "'\[::1:80': expected \[IPv6\]:PORT" "$tmp/bad3"
check $? "bench -C with a bad bracket is a usage error (exit $rc)"
"$BIN" serve -w 2 -l "unix:$S" >"$tmp/bad4" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -q "a Unix socket (unix:$S) has one listener" "$tmp/bad4"
check $? "serve --workers on a Unix socket is a usage error (exit $rc)"

# A real redis-server on its own Unix socket, no TCP port.
if command -v redis-server >/dev/null 2>&1; then
	mkdir "$tmp/redis"
	R=$tmp/redis/redis.sock
	cat >"$tmp/redis/redis.conf" <<CONF
port 0
unixsocket $R
unixsocketperm 700
dir $tmp/redis
save ""
appendonly no
daemonize no
CONF
	redis-server "$tmp/redis/redis.conf" >"$tmp/redis/log" 2>&1 &
	rpid=$!
	pids="$pids $rpid"
	i=0
	while [ $i -lt 200 ] && [ ! -S "$R" ]; do
		sleep 0.05
		i=$((i + 1))
	done
	cat >"$tmp/redis.txt" <<'SCEN'
codec resp
connections 2
timeout 3s
send "PING"
expect status "PONG"
send "SET unixkey hello"
expect status "OK"
send "GET unixkey"
expect "hello"
send "CLIENT INFO"
expect regex "laddr=.*redis.sock"
close
SCEN
	"$BIN" run --connect "unix:$R" "$tmp/redis.txt" >"$tmp/redis.out" 2>&1
	rc=$?
	[ "$rc" -eq 0 ] && grep -q '^PASS .*2/2 connections' "$tmp/redis.out"
	check $? "a RESP scenario passes against redis-server on unix:PATH (exit $rc)"
	[ "$rc" -eq 0 ] || cat "$tmp/redis.out"
	"$BIN" probe "unix:$R" >"$tmp/redis.probe" 2>&1
	rc=$?
	[ "$rc" -eq 0 ] && grep -q '^verdict: *redis' "$tmp/redis.probe"
	check $? "probe identifies redis on unix:PATH (exit $rc)"
	kill "$rpid"
	wait "$rpid" 2>/dev/null
else
	echo "ok $((tap_n + 1)) - # SKIP redis-server not installed"
	tap_n=$((tap_n + 1))
fi

# The dashboard: ui --connect unix:PATH shows the server's pid (the peer
# of our client connection) in the message pane's header.
if command -v tmux >/dev/null 2>&1; then
	userve ui "unix:$S"
	uipid=$pid
	cat >"$tmp/hold.txt" <<'SCEN'
codec raw
connections 1
timeout 30s
send "held open"
expect "held open"
wait 20s
close
SCEN
	TS=sbunix$$
	tmux -L "$TS" -f /dev/null new-session -d -x 160 -y 40 \
	    "LANG=C.UTF-8 LC_ALL=C.UTF-8 '$BIN' ui --connect 'unix:$S' '$tmp/hold.txt'"
	i=0
	found=1
	while [ $i -lt 100 ]; do
		tmux -L "$TS" capture-pane -p >"$tmp/screen" 2>/dev/null
		if grep -q "unix:$S (pid $uipid uid $uid gid $gid)" "$tmp/screen"; then
			found=0
			break
		fi
		sleep 0.1
		i=$((i + 1))
	done
	[ "$found" -eq 0 ]
	check $? "ui --connect unix:PATH: the pane header names the server's pid $uipid, uid, gid"
	[ "$found" -eq 0 ] || cat "$tmp/screen"
	tmux -L "$TS" kill-server >/dev/null 2>&1
	kill "$uipid"
	wait "$uipid"
else
	echo "ok $((tap_n + 1)) - # SKIP tmux not installed"
	tap_n=$((tap_n + 1))
fi

# IPv6 loopback in every command.
if ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128'; then
	userve v6 '[::1]:0'
	check $? "serve -l [::1]:0 starts"
	v6pid=$pid
	v6port=$(sed -n 's/.*\[::1\]:\([0-9]*\).*/\1/p' "$tmp/v6.out")
	[ -n "$v6port" ]
	check $? "serve prints [::1]:PORT ($v6port)"
	"$BIN" run --connect "[::1]:$v6port" "$tmp/echo.txt" >"$tmp/v6.run" 2>&1
	check $? "run --connect [::1]:PORT passes"
	"$BIN" bench -C "[::1]:$v6port" -c 2 -d 1s >"$tmp/v6.bench" 2>&1
	rc=$?
	[ "$rc" -eq 0 ] && grep -q "^target      \[::1\]:$v6port\$" "$tmp/v6.bench" &&
	    grep -q '^errors      none' "$tmp/v6.bench"
	check $? "bench -C [::1]:PORT, target as given, no error (exit $rc)"
	"$BIN" probe "[::1]:$v6port" >"$tmp/v6.probe" 2>&1
	rc=$?
	[ "$rc" -eq 0 ] && grep -q '^verdict: *echo' "$tmp/v6.probe"
	check $? "probe [::1]:PORT identifies echo (exit $rc)"
	grep -q 'accepted from \[::1\]:' "$tmp/v6.err"
	check $? "serve logs [::1] peers"
	if command -v tmux >/dev/null 2>&1; then
		TS=sbv6$$
		tmux -L "$TS" -f /dev/null new-session -d -x 160 -y 40 \
		    "LANG=C.UTF-8 LC_ALL=C.UTF-8 '$BIN' ui --connect '[::1]:$v6port' '$tmp/hold.txt'"
		i=0
		found=1
		while [ $i -lt 100 ]; do
			tmux -L "$TS" capture-pane -p >"$tmp/screen6" 2>/dev/null
			if grep -q "target \[::1\]:$v6port" "$tmp/screen6" &&
			    grep -Eq "client \[::1\]:[0-9]+ .* \[::1\]:$v6port " \
			    "$tmp/screen6"; then
				found=0
				break
			fi
			sleep 0.1
			i=$((i + 1))
		done
		[ "$found" -eq 0 ]
		check $? "ui --connect [::1]:PORT: header and pane name the IPv6 ends"
		[ "$found" -eq 0 ] || cat "$tmp/screen6"
		tmux -L "$TS" kill-server >/dev/null 2>&1
	fi
	kill "$v6pid"
	wait "$v6pid"
	"$BIN" run --listen '[::1]:0' "$tmp/echo.txt" >"$tmp/v6.emb" 2>&1
	check $? "run --listen [::1]:0 (embedded server on IPv6) passes"
else
	echo "ok $((tap_n + 1)) - # SKIP no IPv6 loopback (::1) on lo"
	tap_n=$((tap_n + 1))
fi
