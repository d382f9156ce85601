#!/bin/sh
# The send builders and binary helpers against real peers: a custom binary
# protocol (tests/peers/binproto_peer.py) exchanged with `send pack`,
# `expect hex` masks and `capture NAME u16be at N`, its wire bytes checked
# in the peer's log; `send request` against python3's http.server and a
# recording peer (exact request bytes, Host from the target); `send
# command` against redis-server (the values land, read back with
# redis-cli). Peers listen on 127.0.0.1 on free ports and are stopped by
# PID. Prints TAP lines.
set -u
. tests/integration_lib.sh
# wait_file FILE: until it exists (5 s at most).
wait_file() {
	i=0
	while [ $i -lt 100 ] && [ ! -s "$1" ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -s "$1" ]
}

# run_want NAME EXIT PATTERN DESC: run tests/scenarios/NAME against $target,
# want exit EXIT and PATTERN (fixed string) in the output.
run_want() {
	timeout -k 1 30 "$BIN" run -C "$target" "tests/scenarios/$1" \
	    >"$tmp/run.out" 2>&1
	rc=$?
	check $(( rc == $2 ? 0 : 1 )) "$1 exits $2 (got $rc)"
	grep -qF -- "$3" "$tmp/run.out"
	r=$?
	check $r "$4"
	[ $rc -eq $2 ] && [ $r -eq 0 ] || sed 's/^/# /' "$tmp/run.out"
}

# --- a custom binary protocol ------------------------------------------
$PYTHON tests/peers/binproto_peer.py "$tmp/bp.port" "$tmp/bp.log" \
    --life 60 &
pids="$pids $!"
if wait_file "$tmp/bp.port"; then
	target=127.0.0.1:$(cat "$tmp/bp.port")
	run_want binproto-session.txt 0 \
	    "PASS tests/scenarios/binproto-session.txt  1/1 connections" \
	    "pack, masked expects and a captured token carry a BP1 session"
	# The requests as the peer read them, byte for byte.
	grep '^> ' "$tmp/bp.log" | head -4 >"$tmp/bp.req"
	sed -n 1,3p "$tmp/bp.req" >"$tmp/bp.req3"
	printf '> %s\n' b17e0101e803000000026869 b17e0102e90300000003010203 \
	    b17e0103070000000000 >"$tmp/bp.want"
	cmp -s "$tmp/bp.req3" "$tmp/bp.want"
	check $? "send pack wrote u16be, u8, u32le, u16be, bytes and hex with \${...} exactly"
	[ $? -eq 0 ] || sed 's/^/# /' "$tmp/bp.req"
	# USE carries the token the TOKEN reply held at byte 10.
	tok=$(grep '^< ' "$tmp/bp.log" | sed -n 3p | cut -c23-26)
	grep -qx "> b17e0104080000000002$tok" "$tmp/bp.req"
	check $? "capture token u16be at 10 read the reply's token ($tok) and send pack put it back"
	run_want binproto-bad-token.txt 1 \
	    "binproto-bad-token.txt:9: connection 1: expect hex: first difference at byte 2: expected 0x00/0xf0, got 0x1" \
	    "a status the mask refuses fails at the flags byte with pattern and byte"
	grep -qF 'pattern: "b1 7f 00/f0 84 02 00 00 00 00 00" (10 bytes)' \
	    "$tmp/run.out"
	check $? "the report shows the pattern"
	: >"$tmp/bp.log"
	run_want binproto-range.txt 1 \
	    "binproto-range.txt:8: connection 1: runtime error: send pack field 3: expected a value 0..255 for u8, got " \
	    "a computed u8 over 255 is a runtime error at the send's file:line"
	grep -c '^> ' "$tmp/bp.log" | grep -qx 1
	check $? "and nothing of the refused send reached the peer"
	run_want binproto-short.txt 1 \
	    "binproto-short.txt:6: connection 1: capture x: the message is 11 bytes, too short for u32be at 10 (needs 14)" \
	    "a capture past the reply's end names both lengths"
else
	check 1 "binproto_peer starts"
fi

# A literal out of range is refused before anything runs (exit 2).
printf 'send pack u8 1, u16be 70000\n' >"$tmp/range.txt"
"$BIN" check "$tmp/range.txt" >"$tmp/check.out" 2>&1
rc=$?
check $(( rc == 2 ? 0 : 1 )) "check refuses a u16be literal of 70000 (exit $rc)"
grep -qF "range.txt:1:23: expected a value 0..65535 for u16be, got 70000" \
    "$tmp/check.out"
check $? "at file:line:col with the range"

# --- send request: exact bytes, then python3's http.server ----------------
$PYTHON - "$tmp/rec.port" "$tmp/rec.bin" <<'PY' &
import os, socket, sys
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
open(sys.argv[1] + ".tmp", "w").write("%d\n" % ls.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
ls.settimeout(30)
c, _ = ls.accept()
c.settimeout(10)
data = b""
while b"\r\n\r\n" not in data:
    data += c.recv(4096)
head, _, body = data.partition(b"\r\n\r\n")
n = 0
for line in head.split(b"\r\n"):
    if line.lower().startswith(b"content-length:"):
        n = int(line.split(b":")[1])
while len(body) < n:
    body += c.recv(4096)
open(sys.argv[2], "wb").write(data[:len(head) + 4] + body)
c.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: 7\r\n\r\ncreated")
c.close()
PY
pids="$pids $!"
if wait_file "$tmp/rec.port"; then
	rport=$(cat "$tmp/rec.port")
	cat >"$tmp/req.txt" <<'EOF'
codec http
timeout 3s
set id 42
send request POST "/items/${id}" header {"Accept": "*/*", "X-Id": "${id}"} json {"id": ${id}}
expect "created"
EOF
	timeout -k 1 30 "$BIN" run -C "127.0.0.1:$rport" "$tmp/req.txt" \
	    >"$tmp/req.out" 2>&1
	check $? "send request POST runs against a recording peer"
	printf 'POST /items/42 HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nAccept: */*\r\nX-Id: 42\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{"id": 42}' \
	    "$rport" >"$tmp/req.want"
	cmp -s "$tmp/req.want" "$tmp/rec.bin"
	check $? "the request's bytes: Host from the target, headers in order, Content-Type and Content-Length computed"
	[ $? -eq 0 ] || { od -c "$tmp/rec.bin" | head -20 | sed 's/^/# /'; sed 's/^/# /' "$tmp/req.out"; }
else
	check 1 "recording peer starts"
fi

mkdir -p "$tmp/www"
printf 'hello from http.server\n' >"$tmp/www/hello.txt"
hport=$(free_port)
(cd "$tmp/www" && exec $PYTHON -m http.server --bind 127.0.0.1 "$hport") \
    >"$tmp/http.log" 2>&1 &
pids="$pids $!"
if wait_port "$hport"; then
	target=127.0.0.1:$hport
	run_want http-request.txt 0 \
	    "PASS tests/scenarios/http-request.txt  1/1 connections" \
	    "send request GET gets a file from python3 -m http.server"
	grep -q '"GET /hello.txt?from=1 HTTP/1.1" 200' "$tmp/http.log"
	check $? "http.server logged the GET with its query from \${...} and answered 200"
else
	check 1 "python3 -m http.server starts"
fi

# --- send command against redis-server -----------------------------------
if command -v redis-server >/dev/null 2>&1; then
	rdport=$(free_port)
	redis-server --port "$rdport" --bind 127.0.0.1 --save '' \
	    --appendonly no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
	pids="$pids $!"
	if wait_port "$rdport"; then
		target=127.0.0.1:$rdport
		run_want redis-command.txt 0 \
		    "PASS tests/scenarios/redis-command.txt  1/1 connections" \
		    "send command SET/GET/INCRBY/RPUSH/LRANGE run against redis-server"
		if command -v redis-cli >/dev/null 2>&1; then
			v=$(redis-cli -p "$rdport" GET k:1)
			[ "$v" = "hello world" ]
			check $? "the quoted value with a variable landed as one argument ($v)"
			v=$(redis-cli -p "$rdport" GET ctr)
			[ "$v" = "42" ]
			check $? "INCRBY \${6 * 7} sent 42 ($v)"
		fi
	else
		check 1 "redis-server starts"
	fi
else
	echo "# redis-server not installed: send command not tested against it"
fi
