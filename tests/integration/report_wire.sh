#!/bin/sh
# What the wire did reaches the run report (docs/reports.md): a pipeline
# of 20 HEAD/GET pairs framed right against python3's http.server (the
# HEAD FIFO grows), connection warnings in text and JSON, a refused
# connect grouped as the connect, first_difference null when nothing was
# compared, interim 1xx responses skipped unless an expect asks for 1xx
# (tests/peers/interim_peer.py), binary bytes shown as \xNN. Servers on
# free 127.0.0.1 ports, stopped by PID. Prints TAP lines.
set -u
. tests/integration_lib.sh
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
fi

free_port() {
	$PYTHON -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT: until something listens there (5 s at most).
wait_port() {
	i=0
	while [ $i -lt 100 ]; do
		$PYTHON -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),1)" \
		    2>/dev/null && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# run OUT ARGS...: sockbench run, output in $tmp/OUT, exit status in $rc.
run() {
	out=$1
	shift
	timeout -k 1 30 "$BIN" run "$@" >"$tmp/$out" 2>&1
	rc=$?
}

# json_get FILE EXPR: a python expression on the parsed report j.
json_get() {
	$PYTHON -c "import json,sys; j=json.load(open('$1')); print($2)"
}

# HEAD/GET pipeline longer than the FIFO's first 32 runs.
hport=$(free_port)
mkdir -p "$tmp/www"
printf 'hello\n' >"$tmp/www/a.txt"
(cd "$tmp/www" && exec $PYTHON -m http.server --protocol HTTP/1.1 \
    --bind 127.0.0.1 "$hport") >"$tmp/http.log" 2>&1 &
pids="$pids $!"
if wait_port "$hport"; then
	run head.out -C "127.0.0.1:$hport" \
	    tests/scenarios/wire-head-pipelined-long.txt
	grep -q "^PASS tests/scenarios/wire-head-pipelined-long.txt  1/1" \
	    "$tmp/head.out"
	check $(( rc == 0 && $? == 0 ? 0 : 1 )) \
	    "20 HEAD/GET pairs in one write: all 40 responses framed by their requests (exit $rc)"
	[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/head.out"
else
	check 1 "python3 -m http.server starts"
fi

# A warning: a send after our own shutdown is dropped.
run warn.out tests/scenarios/report-warning-send-after-shutdown.txt
grep -q "^    warning: connection 1: send after close or shutdown: 1 bytes dropped$" \
    "$tmp/warn.out"
check $(( rc == 0 && $? == 0 ? 0 : 1 )) \
    "a connection warning is printed under the scenario's line (exit $rc)"
run warn.json --format json tests/scenarios/report-warning-send-after-shutdown.txt
[ "$(json_get "$tmp/warn.json" "j['scenarios'][0]['warnings'][0]['message']")" = \
    "send after close or shutdown: 1 bytes dropped" ]
check $? "JSON report: warnings[0].message"

# A refused connect: grouped as the connect, at line 0.
cport=$(free_port)
run refused.out -C "127.0.0.1:$cport" tests/scenarios/report-refused.txt
grep -q "2 of 2 connections failed: 2 connections failed to connect (refused)$" \
    "$tmp/refused.out"
check $(( rc == 1 && $? == 0 ? 0 : 1 )) \
    "refused: \"2 connections failed to connect (refused)\" (exit $rc)"
grep -q "failed at" "$tmp/refused.out"
check $(( $? == 1 ? 0 : 1 )) "refused: no group at a step that never ran"
run refused.json --format json -C "127.0.0.1:$cport" \
    tests/scenarios/report-refused.txt
[ "$(json_get "$tmp/refused.json" "[(f['step'], f['line'], f['reason'], f['first_difference']) for f in j['scenarios'][0]['failures']]")" = \
    "[('connect', 0, 'refused', None)]" ]
check $? "refused in JSON: step connect, line 0, first_difference null"

# A protocol error: nothing compared.
pport=$(free_port)
$PYTHON -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $pport)); s.listen(4)
for _ in range(4):
    c, _ = s.accept(); c.recv(4096)
    c.sendall(b'garbage that is no status line\r\n\r\n'); c.close()
" &
pids="$pids $!"
if wait_port "$pport"; then
	run proto.json --format json -C "127.0.0.1:$pport" \
	    tests/scenarios/report-protocol-error.txt
	[ "$(json_get "$tmp/proto.json" "[(f['reason'], f['first_difference'], f['received']) for f in j['scenarios'][0]['failures']]")" = \
	    "[('protocol', None, None)]" ]
	check $? "protocol error in JSON: first_difference null, received null"
	[ $? -eq 0 ] || sed 's/^/# /' "$tmp/proto.json"
else
	check 1 "the garbage peer starts"
fi

# Interim responses.
iport=$(free_port)
$PYTHON tests/peers/interim_peer.py "$iport" >"$tmp/interim.log" 2>&1 &
pids="$pids $!"
if wait_port "$iport"; then
	run skip.out -C "127.0.0.1:$iport" tests/scenarios/http-interim-skipped.txt
	grep -q "^PASS tests/scenarios/http-interim-skipped.txt  1/1" \
	    "$tmp/skip.out"
	check $(( rc == 0 && $? == 0 ? 0 : 1 )) \
	    "100 Continue and 103 Early Hints skipped by expects that do not ask for 1xx (exit $rc)"
	[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/skip.out"
	run seen.out -C "127.0.0.1:$iport" tests/scenarios/http-interim-seen.txt
	grep -q "^PASS tests/scenarios/http-interim-seen.txt  1/1" \
	    "$tmp/seen.out"
	check $(( rc == 0 && $? == 0 ? 0 : 1 )) \
	    "expect status 100 / 1xx still see the interim response (exit $rc)"
	[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/seen.out"
else
	check 1 "tests/peers/interim_peer.py starts"
fi

# Binary bytes that are valid UTF-8.
run bin.out tests/scenarios/report-binary-received.txt
grep -q '^          received 2 bytes: "\\xde\\xad"$' "$tmp/bin.out"
check $(( rc == 1 && $? == 0 ? 0 : 1 )) \
    "de ad is reported as \"\\xde\\xad\", not as U+07AD (exit $rc)"
run bin.json --format json tests/scenarios/report-binary-received.txt
[ "$(json_get "$tmp/bin.json" "j['scenarios'][0]['failures'][0]['received']['text']")" = \
    '\xde\xad' ]
check $? "JSON received.text is \\xde\\xad"
