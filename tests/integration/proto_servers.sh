#!/bin/sh
# The codecs against real servers: replies captured from redis-server
# (RESP2, then RESP3 after HELLO 3) and from python3's http.server (HEAD,
# keep-alive, 404, HTTP/1.0 read-until-close) and a chunked python3 server
# are decoded by tests/tools/codec_dump, and the JSON view of each message
# is compared with what the protocol says. Servers listen on 127.0.0.1 on
# free ports and are stopped by PID. Prints TAP lines.
set -u
BUILD=${BUILD:-build}
. tests/integration_lib.sh
# expect_line DESC FILE LINE: one TAP line for whether FILE has LINE exactly.
expect_line() {
	grep -qxF -- "$3" "$2"
	rc=$?
	check $rc "$1"
	[ $rc -eq 0 ] || { echo "# wanted: $3"; sed 's/^/# got: /' "$2"; }
}

# Link the tool the way the library was built: with the sanitizers under
# make asan (SANITIZED=1), whose objects need their runtime.
tool_cc=cc
tool_san=""
if [ -n "${SANITIZED:-}" ]; then
	tool_cc=clang
	tool_san="-fsanitize=address,undefined"
fi
if ! $tool_cc $tool_san -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Isrc -Iproto \
    -o "$tmp/codec_dump" tests/tools/codec_dump.c "$BUILD/libsockbench.a" \
    $(pkg-config --libs libcjson 2>/dev/null || echo -lcjson) -lm \
    2>"$tmp/cc.err"; then
	check 1 "codec_dump builds"
	sed 's/^/# /' "$tmp/cc.err"
	exit 1
fi
dump="$tmp/codec_dump"

# --- redis-server: RESP2 then RESP3 -----------------------------------
if command -v redis-server >/dev/null 2>&1; then
	rport=$(free_port)
	redis-server --port "$rport" --bind 127.0.0.1 --save '' \
	    --appendonly no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
	rpid=$!
	pids="$pids $rpid"
	if wait_port "$rport"; then
		{
			printf 'SET k v\r\n@@\nGET nokey\r\n@@\nINCR n\r\n@@\n'
			printf 'RPUSH l a b\r\n@@\nLRANGE l 0 -1\r\n@@\n'
			printf 'LPOP l x\r\n@@\nHSET h f 1\r\n@@\nHGETALL h\r\n@@\n'
			printf 'SADD s m\r\n@@\nHELLO 3\r\n@@\nHGETALL h\r\n@@\n'
			printf 'SMEMBERS s\r\n@@\nGET nokey\r\n@@\n'
			printf 'INCRBYFLOAT f 1.5\r\n@@\n'
			printf 'SUBSCRIBE c\r\n@@\nUNSUBSCRIBE c\r\n@@\n'
			printf 'EVAL "return 1/0" 0\r\n@@\nQUIT\r\n@@\n'
		} >"$tmp/redis.req"
		$PYTHON tests/peers/capture.py 127.0.0.1 "$rport" "$tmp/redis.req" \
		    "$tmp/redis.bin" 0.05
		"$dump" resp "$tmp/redis.bin" >"$tmp/redis.json"
		check $? "resp decodes every redis-server reply ($(wc -l <"$tmp/redis.json") messages)"
		j="$tmp/redis.json"
		expect_line "RESP2 +OK is a status" "$j" \
		    '{"kind":"status","type":"status","value":"OK","text":"OK","push":0,"body":"OK"}'
		expect_line "RESP2 nil bulk is nil, value null" "$j" \
		    '{"kind":"nil","type":"nil","value":null,"push":0,"body":""}'
		expect_line "RESP2 INCR is an int" "$j" \
		    '{"kind":"int","type":"int","value":1,"text":"1","int":1,"push":0,"body":"1"}'
		expect_line "RESP2 LRANGE is a JSON array" "$j" \
		    '{"kind":"array","type":"array","value":["a","b"],"push":0,"body":"*2\r\n$1\r\na\r\n$1\r\nb\r\n"}'
		expect_line "RESP2 HGETALL is a flat array" "$j" \
		    '{"kind":"array","type":"array","value":["f","1"],"push":0,"body":"*2\r\n$1\r\nf\r\n$1\r\n1\r\n"}'
		expect_line "RESP3 HGETALL is a map" "$j" \
		    '{"kind":"map","type":"map","value":{"f":"1"},"push":0,"body":"%1\r\n$1\r\nf\r\n$1\r\n1\r\n"}'
		expect_line "RESP3 SMEMBERS is a set" "$j" \
		    '{"kind":"set","type":"set","value":["m"],"push":0,"body":"~1\r\n$1\r\nm\r\n"}'
		expect_line "RESP3 nil is the null type" "$j" \
		    '{"kind":"nil","type":"nil","value":null,"push":0,"body":""}'
		grep -q '"kind":"map","type":"map","value":{"server":"redis"' "$j"
		check $? "HELLO 3 answers a map naming the server"
		grep -q '^{"kind":"push","type":"push","value":\["subscribe","c",1\],"push":1' "$j"
		check $? "RESP3 SUBSCRIBE confirmation is a push message"
		grep -q '^{"kind":"error","type":"error","value":{"error":"ERR ' "$j"
		check $? "a script error is an error with its text"
	else
		check 1 "redis-server starts"
	fi
	kill "$rpid" 2>/dev/null
else
	tap_n=$((tap_n + 1)); echo "ok $tap_n - # SKIP redis-server is not installed"
fi

# --- python3 http.server: HEAD, keep-alive, 404, HTTP/1.0 --------------
hport=$(free_port)
mkdir -p "$tmp/www"
printf 'hello\n' >"$tmp/www/a.txt"
(cd "$tmp/www" && exec $PYTHON -m http.server --protocol HTTP/1.1 \
    --bind 127.0.0.1 "$hport") >"$tmp/http.log" 2>&1 &
hpid=$!
pids="$pids $hpid"
if wait_port "$hport"; then
	{
		printf 'HEAD /a.txt HTTP/1.1\r\nHost: x\r\n\r\n@@\n'
		printf 'GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n@@\n'
		printf 'GET /missing HTTP/1.1\r\nHost: x\r\n\r\n@@\n'
		printf 'GET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n@@\n'
	} >"$tmp/http.req"
	$PYTHON tests/peers/capture.py 127.0.0.1 "$hport" "$tmp/http.req" \
	    "$tmp/http.bin" 0.1
	"$dump" http "$tmp/http.bin" 0 >"$tmp/http.json"
	check $? "http decodes keep-alive responses, the first to HEAD"
	j="$tmp/http.json"
	# python's http.server closes after a 404: the fourth gets nothing.
	[ "$(grep -c '"kind":"response"' "$j")" -eq 3 ]
	rc=$?
	check $rc "three responses framed"
	[ $rc -eq 0 ] || sed 's/^/# /' "$j"
	head -1 "$j" | grep -q '"status":200,.*\["Content-Length","6"\].*"body":""}$'
	check $? "the HEAD response has Content-Length 6 and no body"
	sed -n 2p "$j" | grep -q '"status":200,.*"close":0,"body":"hello\\n"}$'
	check $? "the GET after it has the body and keeps the connection"
	sed -n 3p "$j" | grep -q '"status":404,"reason":"File not found",.*\["Connection","close"\].*"close":1,'
	check $? "the 404 has its status and reason and says close"
	# The same requests, decoded as a server reads them.
	grep -v '^@@$' "$tmp/http.req" >"$tmp/req.bin"
	"$dump" http "$tmp/req.bin" >"$tmp/req.json"
	head -1 "$tmp/req.json" | grep -qxF '{"kind":"request","version":"HTTP/1.1","method":"HEAD","path":"/a.txt","headers":[["Host","x"]],"close":0,"body":""}'
	check $? "a request has method, path, headers and no body"
	sed -n 4p "$tmp/req.json" | grep -q '"close":1,"body":""}$'
	check $? "a request with Connection: close says close"
	# Without the HEAD hint the HEAD response would take the next one's
	# first bytes as its body.
	"$dump" http "$tmp/http.bin" >"$tmp/nohint.json"
	[ "$(grep -c '"kind":"response"' "$tmp/nohint.json")" -ne 3 ]
	check $? "without the HEAD hint the stream misframes (the hint matters)"
	# HTTP/1.0 without keep-alive: python answers with HTTP/1.0 framing.
	printf 'GET /a.txt HTTP/1.0\r\n\r\n@@\n' >"$tmp/h10.req"
	$PYTHON tests/peers/capture.py 127.0.0.1 "$hport" "$tmp/h10.req" \
	    "$tmp/h10.bin"
	"$dump" http "$tmp/h10.bin" >"$tmp/h10.json"
	grep -q '"status":200,.*"body":"hello\\n"}$' "$tmp/h10.json"
	check $? "an HTTP/1.0 exchange is framed up to the close"
else
	check 1 "python3 http.server starts"
fi
kill "$hpid" 2>/dev/null

# --- chunked and read-until-close, from a python3 server ---------------
cport=$(free_port)
cat >"$tmp/chunked.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Trailer", "X-Sum")
            self.end_headers()
            for part in (b"hello ", b"chunked ", b"world"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\nX-Sum: 19\r\n\r\n")
        else:
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until the close")
            self.close_connection = True
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
$PYTHON "$tmp/chunked.py" "$cport" >"$tmp/chunked.log" 2>&1 &
cpid=$!
pids="$pids $cpid"
if wait_port "$cport"; then
	{
		printf 'GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n@@\n'
		printf 'GET /close HTTP/1.1\r\nHost: x\r\n\r\n@@\n'
	} >"$tmp/c.req"
	$PYTHON tests/peers/capture.py 127.0.0.1 "$cport" "$tmp/c.req" \
	    "$tmp/c.bin" 0.1
	"$dump" http "$tmp/c.bin" >"$tmp/c.json"
	check $? "http decodes a chunked and a read-until-close response"
	head -1 "$tmp/c.json" | grep -q '"body":"hello chunked world","trailers":\[\["X-Sum","19"\]\]}$'
	check $? "the chunked body is de-chunked and its trailer kept"
	sed -n 2p "$tmp/c.json" | grep -q '"close":1,"body":"until the close"}$'
	check $? "the response without a length ends at the close"
else
	check 1 "python3 chunked server starts"
fi
kill "$cpid" 2>/dev/null

# --- SMTP (python3's smtpd, Debian's 3.11): multi-line EHLO reply -------
if $PYTHON -W ignore -c 'import smtpd, asyncore' 2>/dev/null; then
	sport=$(free_port)
	$PYTHON -W ignore -c "import smtpd, asyncore
smtpd.SMTPServer(('127.0.0.1', $sport), None)
asyncore.loop()" >"$tmp/smtp.log" 2>&1 &
	spid=$!
	pids="$pids $spid"
	if wait_port "$sport"; then
		printf 'EHLO client.test\r\n@@\nNOOP\r\n@@\nQUIT\r\n@@\n' \
		    >"$tmp/smtp.req"
		$PYTHON tests/peers/capture.py 127.0.0.1 "$sport" \
		    "$tmp/smtp.req" "$tmp/smtp.bin" 0.1
		"$dump" reply "$tmp/smtp.bin" >"$tmp/smtp.json"
		check $? "reply decodes an SMTP session"
		[ "$(wc -l <"$tmp/smtp.json")" -eq 4 ]
		check $? "banner, EHLO, NOOP and QUIT replies are four messages"
		sed -n 2p "$tmp/smtp.json" | grep -q '^{"kind":"reply","code":250,"lines":\[".*","SIZE 33554432",.*"HELP"\],'
		check $? "the multi-line EHLO reply is one message with its lines"
		sed -n 4p "$tmp/smtp.json" | grep -q '^{"kind":"reply","code":221,'
		check $? "QUIT is answered 221"
	else
		check 1 "python3 smtpd starts"
	fi
	kill "$spid" 2>/dev/null
else
	tap_n=$((tap_n + 1)); echo "ok $tap_n - # SKIP python3 has no smtpd module"
fi
