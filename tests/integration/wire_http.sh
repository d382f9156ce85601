#!/bin/sh
# The runner frames http responses by the requests it sent, against real
# python3 servers on free 127.0.0.1 ports (stopped by PID): the response
# to a HEAD has no body (keep-alive, then a GET on the same connection;
# four pipelined in one write), an HTTP/1.0 response without a length ends
# at the close and is a message an expect sees, and a response the close
# cuts short fails naming what was cut. Prints TAP lines.
set -u
. tests/integration_lib.sh
# pass PORT FILE DESCRIPTION: the scenario passes against PORT.
pass() {
	timeout -k 1 30 "$BIN" run -C "127.0.0.1:$1" "tests/scenarios/$2" \
	    >"$tmp/run.out" 2>&1
	rc=$?
	grep -q "^PASS tests/scenarios/$2  1/1 connections" "$tmp/run.out"
	check $(( rc == 0 && $? == 0 ? 0 : 1 )) "$3 (exit $rc)"
	[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/run.out"
}

hport=$(free_port)
mkdir -p "$tmp/www"
printf 'hello\n' >"$tmp/www/a.txt"
(cd "$tmp/www" && exec $PYTHON -m http.server --protocol HTTP/1.1 \
    --bind 127.0.0.1 "$hport") >"$tmp/http.log" 2>&1 &
pids="$pids $!"
if wait_port "$hport"; then
	pass "$hport" wire-head-keepalive.txt \
	    "a HEAD response has no body: the GET after it on the same connection gets its own response"
	pass "$hport" wire-head-pipelined.txt \
	    "HEAD, GET, HEAD, GET in one write: each response framed by its request, in order"
	pass "$hport" wire-head-optional.txt \
	    "an optional expect hands the HEAD's response on, still without a body"
	# The server saw every request.
	[ "$(grep -c '"HEAD /a.txt HTTP/1.1" 200' "$tmp/http.log")" -eq 4 ] &&
	    [ "$(grep -c '"GET /a.txt HTTP/1.1" 200' "$tmp/http.log")" -eq 4 ]
	check $? "python3 http.server logged 4 HEAD and 4 GET requests"
else
	check 1 "python3 -m http.server starts"
fi

h10=$(free_port)
$PYTHON tests/peers/http10.py "$h10" >"$tmp/h10.log" 2>&1 &
pids="$pids $!"
if wait_port "$h10"; then
	pass "$h10" wire-read-until-close.txt \
	    "an HTTP/1.0 response without Content-Length is a message at the close, then expect close passes"
	timeout -k 1 30 "$BIN" run -C "127.0.0.1:$h10" \
	    tests/scenarios/wire-cut-short.txt >"$tmp/cut.out" 2>&1
	rc=$?
	check $(( rc == 1 ? 0 : 1 )) "a response cut short by the close fails the scenario (exit $rc)"
	grep -qF "wire-cut-short.txt:8: connection 1: expect bytes: connection failed: protocol error: EOF inside a http frame (150 bytes pending: HTTP/1.0 200 OK (11 body bytes) of Content-Length 100)" "$tmp/cut.out"
	rc=$?
	check $rc "the failure names the response, the body bytes that came and the length announced"
	[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/cut.out"
else
	check 1 "python3 HTTP/1.0 peer starts"
fi
