#!/bin/sh
# Scripted servers (issue 14): the shipped mocks test themselves with
# `run`; `serve --scenario` serves a mock to clients written elsewhere
# (the seed-style scenarios, curl, a Python socket) and prints each
# connection's verdict; --once exits with it; reset sends a real RST.
. tests/integration_lib.sh

# run_mocks: every shipped mock passes against its own client steps.
for f in scenarios/mocks/*.txt; do
	timeout -k 1 60 "$BIN" run "$f" >"$tmp/m.out" 2>&1
	rc=$?
	grep -q "^PASS $f  " "$tmp/m.out"
	check $(( rc == 0 && $? == 0 ? 0 : 1 )) "$f passes on one loop (exit $rc)"
	[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/m.out"
done

# stop NAME: SIGTERM the serve started last, wait for it; sets $src.
stop() {
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	src=$?
}

# The seed app mock that splits every reply into 1-byte writes, driven by
# the unchanged seed-style client scenarios.
serve split --scenario scenarios/mocks/app-split.txt
timeout -k 1 60 "$BIN" run --connect "127.0.0.1:$port" scenarios/seed/s3-app-*.txt >"$tmp/seed.out" 2>&1
rc=$?
check $rc "the seed app clients pass against the 1-byte-write mock (exit $rc)"
grep -q "^6 passed, 0 failed$" "$tmp/seed.out"
check $? "all 6 seed app scenarios pass"
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/seed.out"
# A raw socket client counts the reads one reply takes.
python3 - "$port" >"$tmp/reads.out" 2>&1 <<'PY'
import json, socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
body = json.dumps({"action": "search", "value": "ring"}).encode()
hdr = json.dumps({"byteorder": "little", "content-type": "text/json",
    "content-encoding": "utf-8", "content-length": len(body)}).encode()
s.sendall(struct.pack(">H", len(hdr)) + hdr + body)
reads, data = 0, b""
while True:
    d = s.recv(65536)
    if not d:
        break
    reads += 1
    data += d
hl = struct.unpack(">H", data[:2])[0]
print("reads", reads, "bytes", len(data))
print(data[2 + hl:].decode())
PY
grep -q '^{"result": "In the caves beneath the Misty Mountains. 💍"}$' "$tmp/reads.out"
check $? "a raw client gets the whole ring reply from the split mock"
n=$(sed -n 's/^reads \([0-9]*\) bytes \([0-9]*\)$/\1/p' "$tmp/reads.out")
total=$(sed -n 's/^reads \([0-9]*\) bytes \([0-9]*\)$/\2/p' "$tmp/reads.out")
check $(( ${n:-0} >= 100 ? 0 : 1 )) "it came in many reads (${n:-?} reads for ${total:-?} bytes): 1-byte writes"
stop split
check $src "serve --scenario exits 0 on SIGTERM when every connection passed"
grep -c "^PASS connection [0-9]*$" "$tmp/split.out" | grep -q "^7$"
check $? "serve printed a PASS line for each of the 7 connections"
grep -q "^7 connections, 7 passed, 0 failed$" "$tmp/split.out"
check $? "and its summary counts them"

# The HTTP routing example: curl against serve --scenario.
serve http --scenario scenarios/examples/scripted-http-routing.txt
for p in a b c nowhere; do
	curl -s -o "$tmp/body.$p" -w '%{http_code}' "http://127.0.0.1:$port/$p" >"$tmp/code.$p"
done
[ "$(cat "$tmp/code.a")" = 200 ] && [ "$(cat "$tmp/body.a")" = alpha ]
check $? "curl GET /a: 200 alpha"
[ "$(cat "$tmp/code.b")" = 200 ] && [ "$(cat "$tmp/body.b")" = beta ]
check $? "curl GET /b: 200 beta"
[ "$(cat "$tmp/code.c")" = 201 ] && [ "$(cat "$tmp/body.c")" = gamma ]
check $? "curl GET /c: 201 gamma"
[ "$(cat "$tmp/code.nowhere")" = 404 ] && [ "$(cat "$tmp/body.nowhere")" = "not found" ]
check $? "curl GET /nowhere: 404 not found"
# A DELETE matches no route: the mock fails that connection and closes.
curl -s -X DELETE "http://127.0.0.1:$port/nowhere" >/dev/null 2>&1
crc=$?
check $(( crc != 0 ? 0 : 1 )) "curl DELETE gets no answer (curl exit $crc)"
stop http
check $(( src == 1 ? 0 : 1 )) "serve exits 1 after a failed connection (got $src)"
grep -q "^5 connections, 4 passed, 1 failed$" "$tmp/http.out"
check $? "summary: 5 connections, 4 passed, 1 failed"
grep -q "^FAIL connection 5$" "$tmp/http.out" &&
grep -q "scripted-http-routing.txt:10: connection 5: expect one of: a message matched none of the alternatives" "$tmp/http.out"
check $? "the failed connection's report names the file:line of the route"
[ $? -eq 0 ] || sed 's/^/# /' "$tmp/http.out"

# --once: the first connection's verdict is the exit status.
# once NAME CLIENT_TEXT: serve the line mock once, send CLIENT_TEXT.
once() {
	serve "$1" --once --scenario scenarios/mocks/line-faults.txt
	python3 - "$port" "$2" >"$tmp/$1.client" 2>&1 <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("utf-8"))
s.settimeout(5)
out = b""
try:
    while True:
        d = s.recv(4096)
        if not d:
            break
        out += d
except OSError as e:
    print("error", e)
print(repr(out))
PY
	wait "$pid"
	src=$?
}
once good 'HELLO\nPING\nQUIT\n'
check $src "--once exits 0 when the one client behaved"
grep -qF "b'+OK welcome\\n+OK ready\\nPONG\\nBYE\\n'" "$tmp/good.client"
check $? "and the client got the mock's bytes"
grep -q "^1 connection, 1 passed, 0 failed$" "$tmp/good.out"
check $? "and the summary says 1 passed"
once bad 'HELLO\nPONG\n'
check $(( src == 1 ? 0 : 1 )) "--once exits 1 on an unexpected message (got $src)"
grep -q "^FAIL connection 1$" "$tmp/bad.out" &&
grep -q "line-faults.txt:17: connection 1: expect regex" "$tmp/bad.out" &&
grep -q 'received 4 bytes: "PONG"' "$tmp/bad.out"
check $? "the report names file:line, expected and received"
[ $? -eq 0 ] || sed 's/^/# /' "$tmp/bad.out"
once quiet ''
check $(( src == 1 ? 0 : 1 )) "--once exits 1 when the client sends nothing (got $src)"
grep -q "line-faults.txt:11: connection 1: expect bytes: timed out after 2s" "$tmp/quiet.out"
check $? "the report says the expect timed out, at its line"
[ $? -eq 0 ] || sed 's/^/# /' "$tmp/quiet.out"

# reset: the mock aborts; a raw client's read fails with ECONNRESET.
cat >"$tmp/reset.txt" <<'EOF2'
codec line
accept
  expect "x"
  send "partial"
  reset
end
EOF2
serve reset --once --scenario "$tmp/reset.txt"
python3 - "$port" >"$tmp/reset.client" 2>&1 <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"x\n")
time.sleep(0.3)
try:
    while s.recv(4096):
        pass
    print("EOF")
except ConnectionResetError:
    print("ECONNRESET")
PY
wait "$pid"
src=$?
check $src "a mock that resets passes its own script (exit $src)"
grep -q "^ECONNRESET$" "$tmp/reset.client"
check $? "the client's read failed with ECONNRESET, not EOF"

# Usage errors.
"$BIN" serve --once >/dev/null 2>"$tmp/u.err"
check $(( $? == 2 ? 0 : 1 )) "--once without --scenario is a usage error"
"$BIN" serve --scenario scenarios/seed/s3-app-ring.txt >/dev/null 2>"$tmp/u.err"
rc=$?
grep -q "has no accept block" "$tmp/u.err"
check $(( rc == 2 && $? == 0 ? 0 : 1 )) "a scenario without accept is refused (exit $rc)"
"$BIN" run "$tmp/reset.txt" >"$tmp/u.out" 2>&1
rc=$?
grep -q "serve --scenario" "$tmp/u.out"
check $(( rc == 3 && $? == 0 ? 0 : 1 )) "run on a mock alone points to serve --scenario (exit $rc)"
"$BIN" check scenarios/mocks/line-faults.txt "$tmp/reset.txt" >"$tmp/c.out" 2>&1
rc=$?
grep -q "^scenarios/mocks/line-faults.txt: ok (10 steps, codec line, 1 connection, accept at line 10: 18 server steps)$" "$tmp/c.out" &&
grep -q "^$tmp/reset.txt: ok (a mock for serve --scenario: 3 server steps at line 2, codec line, no client connections)$" "$tmp/c.out"
check $(( rc == 0 && $? == 0 ? 0 : 1 )) "check counts the server's steps and names a mock"

# --once ended by a signal before any connection: nothing passed, exit 1.
serve sig --once --scenario scenarios/mocks/line-faults.txt
kill -TERM "$pid"
wait "$pid"
src=$?
grep -q "^0 connections, 0 passed, 0 failed$" "$tmp/sig.out" &&
grep -q "no connection ended before the shutdown" "$tmp/sig.out"
check $(( src == 1 && $? == 0 ? 0 : 1 )) "--once stopped by SIGTERM before a connection exits 1 and says why (exit $src)"

# A connection cut by the shutdown mid-script is not a pass.
serve cut --scenario scenarios/mocks/line-faults.txt
python3 - "$port" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"HELLO\n")
time.sleep(1.5)
PY
cpid=$!
sleep 0.5
kill -TERM "$pid"
wait "$pid"
src=$?
wait "$cpid"
grep -q "^FAIL connection 1$" "$tmp/cut.out" &&
grep -q "^    scenarios/mocks/line-faults.txt:[0-9]*: connection 1: stopped at scenarios/mocks/line-faults.txt:[0-9]* (expect) by the shutdown: its script did not finish$" "$tmp/cut.out" &&
grep -q " 0 passed, 1 failed$" "$tmp/cut.out"
check $(( src == 1 && $? == 0 ? 0 : 1 )) "a connection still open at SIGTERM is a FAIL naming where it stopped, and serve exits 1 (exit $src)"
[ $src -eq 1 ] || sed 's/^/# /' "$tmp/cut.out"

# The same at a barrier: named with the barrier, counted, closed "shutdown".
printf 'codec line\ntimeout 30s\naccept 2\n  expect "hi"\n  barrier b\n  send "go"\nend\n' >"$tmp/accb.txt"
serve accb --scenario "$tmp/accb.txt"
python3 - "$port" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"hi\n")
time.sleep(1.5)
PY
cpid=$!
sleep 0.5
kill -INT "$pid"
wait "$pid"
src=$?
wait "$cpid"
grep -q "^FAIL connection 1$" "$tmp/accb.out" &&
grep -q "^    $tmp/accb.txt:5: connection 1: stopped at $tmp/accb.txt:5 (barrier 'b') by the shutdown: its script did not finish$" "$tmp/accb.out" &&
grep -q " 0 passed, 1 failed$" "$tmp/accb.out" &&
grep -q "closed: shutdown " "$tmp/accb.err"
check $(( src == 1 && $? == 0 ? 0 : 1 )) "a connection held at a barrier at SIGINT is a FAIL at the barrier, counted, closed by the shutdown (exit $src)"
[ $src -eq 1 ] || sed 's/^/# /' "$tmp/accb.out" "$tmp/accb.err"

# run stopped by SIGINT counts the scripted server's connections too, as a
# completed run does: 3 clients + 3 accepted = 6 both ways.
printf 'codec line\ntimeout 3s\naccept 3\n  expect "hi"\n  barrier all\n  send "go"\nend\nrole c 3\n  wait ${conn * 300}\n  send "hi"\n  expect "go"\nend\n' >"$tmp/accbar.txt"
timeout -k 1 30 "$BIN" run "$tmp/accbar.txt" >"$tmp/accbar-done.out" 2>&1
rc=$?
grep -q "^PASS $tmp/accbar.txt  6/6 connections " "$tmp/accbar-done.out"
check $(( rc == 0 && $? == 0 ? 0 : 1 )) "a completed run counts 3 clients and 3 server connections (exit $rc)"
"$BIN" run "$tmp/accbar.txt" >"$tmp/accbar-int.out" 2>&1 &
rpid=$!
sleep 0.5
kill -INT "$rpid"
wait "$rpid"
rc=$?
grep -q "^FAIL $tmp/accbar.txt  0/6 connections " "$tmp/accbar-int.out" &&
grep -q "stopped after a signal with 6 of 6 connections unfinished$" "$tmp/accbar-int.out"
check $(( rc == 1 && $? == 0 ? 0 : 1 )) "a run stopped by SIGINT counts the server's unfinished connections too (exit $rc)"
[ $rc -eq 1 ] || sed 's/^/# /' "$tmp/accbar-int.out"
