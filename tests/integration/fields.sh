#!/bin/sh
# Field expects and captures (issue 13) against real servers: redis-server
# (int, nil, error, status, json on LRANGE and HGETALL, RESP3 push),
# python3 http.server (status, headers by any case, header {...}, captures
# fed into the next request) and a small SMTP-style reply peer (code,
# line). Each scenario's exit status and report are checked, including
# failures (a wrong status) whose text, TAP, JUnit and JSON reports name
# the field with the expected and received values, and `check` refusing a
# field the codec lacks. Servers listen on 127.0.0.1 on free ports and are
# stopped by PID. Prints TAP lines.
set -u
BUILD=${BUILD:-build}
. tests/integration_lib.sh
# run_sc DESC WANT_RC PORT FILE [ARGS...]: run FILE against 127.0.0.1:PORT;
# one TAP line for the exit status; the report is in $tmp/out.
run_sc() {
	desc=$1 want=$2 rport=$3 f=$4
	shift 4
	"$BIN" run -C "127.0.0.1:$rport" "$@" "$f" >"$tmp/out" 2>&1
	rc=$?
	[ "$rc" -eq "$want" ]
	check $? "$desc (exit $rc, want $want)"
	[ "$rc" -eq "$want" ] || sed 's/^/# /' "$tmp/out"
}

# has DESC TEXT: one TAP line for whether the last report holds TEXT.
has() {
	grep -qF -- "$2" "$tmp/out"
	rc=$?
	check $rc "$1"
	[ $rc -eq 0 ] || { echo "# wanted: $2"; sed 's/^/# got: /' "$tmp/out"; }
}

# --- check: a field the codec lacks ------------------------------------
printf 'codec raw\nsend "GET / HTTP/1.0\\r\\n\\r\\n"\nexpect status 200\n' \
    >"$tmp/raw.txt"
"$BIN" check "$tmp/raw.txt" >"$tmp/out" 2>&1
check $([ $? -eq 2 ] && echo 0 || echo 1) "check refuses a field the codec lacks (exit 2)"
has "the refusal names file:line:col and the codec that has it" \
    "raw.txt:3:8: codec raw has no status; use codec http"
printf 'codec http\nexpect int 5\ncapture x code\n' >"$tmp/http_int.txt"
"$BIN" check "$tmp/http_int.txt" >"$tmp/out" 2>&1
has "a RESP field on http names resp" \
    "http_int.txt:2:8: codec http has no int replies; use codec resp"
has "the hint lists the codec's own fields" \
    "hint: codec http has the fields: kind, version, method, path, status"

# --- python3 http.server ---------------------------------------------
hport=$(free_port)
mkdir -p "$tmp/www"
printf 'hello\n' >"$tmp/www/index.html"
(cd "$tmp/www" && exec $PYTHON -m http.server --protocol HTTP/1.1 \
    --bind 127.0.0.1 "$hport") >"$tmp/http.log" 2>&1 &
hpid=$!
pids="$pids $hpid"
if wait_port "$hport"; then
	cat >"$tmp/http_ok.txt" <<'EOF'
codec http
timeout 3s
send "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
expect status 200 header {"content-type": "text/html"}
capture ctype header Content-Type
expect nothing 10ms
send "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
expect header CONTENT-LENGTH "6"
capture len header content-length
capture code status
send "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
expect one of
  expect status 301|302
  expect status 2xx within 2s
  capture how header content-type
end
send "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
send "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
expect any order
  expect header Server regex "^SimpleHTTP/"
  expect "hello\n" header {"Content-Length": ${len}}
end
send "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
expect status ${code}
expect field reason "OK" optional
send "GET /no-${code}-${len} HTTP/1.1\r\nHost: x\r\n\r\n"
expect status 4xx|5xx header {"Content-Type": "${ctype};charset=utf-8"}
EOF
	run_sc "http: status, headers, captures and sets pass against http.server" \
	    0 "$hport" "$tmp/http_ok.txt"
	grep -q '"GET /no-200-6 HTTP/1.1" 404' "$tmp/http.log"
	check $? "the captured status and header went out in the next request"

	cat >"$tmp/http_bad.txt" <<'EOF'
codec http
send "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
expect status 200
EOF
	run_sc "http: a wrong status fails the scenario" 1 "$hport" \
	    "$tmp/http_bad.txt"
	has "the text report says what status was expected and received" \
	    "http_bad.txt:3: connection 1: expect status: expected status 200, got 404"
	has "the text report names the field" "field: status"
	has "the text report shows expected and received" "expected: 200"
	has "the text report shows the received value" "received: 404"
	has "the text report shows the message" \
	    "message: HTTP/1.1 404 File not found"
	run_sc "http: the TAP report of the failure" 1 "$hport" \
	    "$tmp/http_bad.txt" -q -f tap
	has "TAP carries expected vs received" "      received: 404"
	run_sc "http: the JUnit report of the failure" 1 "$hport" \
	    "$tmp/http_bad.txt" -q -f junit
	has "JUnit carries the field report" \
	    "expect status: expected status 200, got 404"
	"$BIN" run -C "127.0.0.1:$hport" -q -f json -o "$tmp/r.json" \
	    "$tmp/http_bad.txt" >/dev/null 2>&1
	$PYTHON - "$tmp/r.json" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))["scenarios"][0]["failures"][0]
assert g["field"] == "status", g
assert g["expected"]["text"] == "200", g
assert g["received"]["text"] == "404", g
assert "expected status 200, got 404" in g["message"], g
PY
	check $? "JSON report: field status, expected 200, received 404"

	cat >"$tmp/http_hdr.txt" <<'EOF'
codec http
send "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
expect header content-type regex "json"
EOF
	run_sc "http: a header that does not match fails" 1 "$hport" \
	    "$tmp/http_hdr.txt"
	has "the report shows the header's value" \
	    "expect header content-type: expected header content-type /json/, got \"text/html\""
else
	check 1 "python3 http.server starts"
fi
kill "$hpid" 2>/dev/null

# --- redis-server: RESP2 and RESP3 types -----------------------------
if command -v redis-server >/dev/null 2>&1; then
	rport=$(free_port)
	redis-server --port "$rport" --bind 127.0.0.1 --save '' \
	    --appendonly no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
	rpid=$!
	pids="$pids $rpid"
	if wait_port "$rport"; then
		cat >"$tmp/redis_ok.txt" <<'EOF'
codec resp
timeout 3s
send "DEL l k h"
expect field kind "int"
send "RPUSH l a b"
expect int 2
capture n int
send "LRANGE l 0 -1"
expect json ["a","b"]
capture first json 0
send "SET k v${n}${first}"
expect status "OK"
send "GET k"
expect "v2a"
send "GET nokey"
expect nil
send "INCR k"
expect error regex "not an integer"
send "LPUSH k x"
expect error regex "^WRONGTYPE"
send "HSET h f 1"
expect int ${n - 1}
send "HELLO 3"
expect json {"server": "redis", "proto": 3}
send "HGETALL h"
expect json {"f": "1"}
send "SUBSCRIBE ch"
expect push json ["subscribe", "ch", 1]
EOF
		run_sc "resp: int, nil, error, status, json and push pass against redis-server" \
		    0 "$rport" "$tmp/redis_ok.txt"
		cat >"$tmp/redis_bad.txt" <<'EOF'
codec resp
send "SET k2 5"
expect status "OK"
send "GET k2"
expect int 5
EOF
		run_sc "resp: a bulk \"5\" is not an int" 1 "$rport" \
		    "$tmp/redis_bad.txt"
		has "the report names the RESP types" \
		    "expect int: expected an int reply, got a string"
		cat >"$tmp/redis_nil.txt" <<'EOF'
codec resp
send "GET nokey2"
expect ""
EOF
		run_sc "resp: nil is not the empty string" 1 "$rport" \
		    "$tmp/redis_nil.txt"
		has "the report says nil" "expect bytes: got nil (expect nil matches it)"
	else
		check 1 "redis-server starts"
	fi
	kill "$rpid" 2>/dev/null
else
	tap_n=$((tap_n + 1)); echo "ok $tap_n - # SKIP redis-server is not installed"
fi

# --- SMTP-style multi-line replies -----------------------------------
cat >"$tmp/smtp.py" <<'PY'
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    c.sendall(b"220 test ESMTP ready\r\n")
    for line in c.makefile("rb"):
        w = line.strip().upper()
        if w.startswith(b"EHLO"):
            c.sendall(b"250-test greets you\r\n250-SIZE 1000\r\n"
                      b"250-8BITMIME\r\n250 HELP\r\n")
        elif w.startswith(b"QUIT"):
            c.sendall(b"221 bye\r\n")
            break
        else:
            c.sendall(b"500 unknown command\r\n")
    c.close()
PY
: >"$tmp/smtp.port"
$PYTHON "$tmp/smtp.py" >"$tmp/smtp.port" 2>"$tmp/smtp.err" &
spid=$!
pids="$pids $spid"
i=0
while [ ! -s "$tmp/smtp.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
sport=$(cat "$tmp/smtp.port")
cat >"$tmp/smtp_ok.txt" <<'EOF'
codec reply
expect code 220
capture banner code
send "EHLO me"
expect code 2xx
send "EHLO me"
expect line regex "^SIZE [0-9]+$" within 1s
send "EHLO me"
expect line "8BITMIME"
send "QUIT"
expect code 221|421
EOF
run_sc "reply: code and line pass against a multi-line reply peer" 0 \
    "$sport" "$tmp/smtp_ok.txt"
cat >"$tmp/smtp_bad.txt" <<'EOF'
codec reply
expect code 220
send "NOOP"
expect code 250|251
EOF
run_sc "reply: a 500 fails expect code 250|251" 1 "$sport" \
    "$tmp/smtp_bad.txt"
has "the report shows the code expected and received" \
    "expect code: expected code 250|251, got 500"
kill "$spid" 2>/dev/null
