#!/bin/sh
# The shipped examples in scenarios/examples/servers/ replayed against real
# servers: redis-server, nginx (nginx-light), an SMTP server (aiosmtpd,
# python3-aiosmtpd), memcached and `sockbench serve`. Each server is a
# Debian package started here on 127.0.0.1 on a free port, with its own
# config and files in a temp dir, and stopped by PID at the end. Each
# example must exit 0 with the pass counts its JSON report gives; a copy of
# each with one expectation made wrong must exit 1 and say where and why.
# A server whose package is missing is a TAP skip, except under CI (CI set,
# as .ci/run runs), where scripts/deps.sh test must have installed it.
# Prints TAP lines.
set -u
. tests/integration_lib.sh
ex=scenarios/examples/servers
# have CMD PACKAGE: 0 if CMD is there; else a skip (a failure under CI).
have() {
	command -v "$1" >/dev/null 2>&1 && return 0
	missing "$2"
}

# missing PACKAGE: a TAP skip, or a failure under CI; returns 1.
missing() {
	if [ -n "${CI:-}" ]; then
		check 1 "$1 is installed (scripts/deps.sh test installs it)"
	else
		tap_n=$((tap_n + 1))
		echo "ok $tap_n - # skip $1 is not installed (scripts/deps.sh test)"
	fi
	return 1
}

# passes FILE TARGET CONNS EXPECTS: FILE exits 0 against TARGET, and its
# JSON report says 1 passed, CONNS of CONNS connections, EXPECTS expects.
passes() {
	base=$(basename "$1" .txt)
	timeout -k 1 60 "$BIN" run -C "$2" -f json -o "$tmp/$base.json" "$1" \
	    >"$tmp/$base.out" 2>&1
	rc=$?
	check $rc "$1 passes against $2 (exit $rc)"
	[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/$base.out"
	$PYTHON - "$tmp/$base.json" "$3" "$4" <<'PY' >"$tmp/$base.why" 2>&1
import json, sys
r = json.load(open(sys.argv[1]))
s = r["scenarios"][0]
want = (1, 0, int(sys.argv[2]), 0, int(sys.argv[3]))
got = (r["passed"], r["failed"], s["connections_passed"],
       s["connections_failed"], s["expects"])
assert s["passed"] is True and got == want, \
    "(passed, failed, connections passed, failed, expects) %r != %r" % (got, want)
PY
	rc=$?
	check $rc "$1: the JSON report says 1 passed, $3 connections passed, $4 expects"
	[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/$base.why"
}

# fails FILE TARGET OLD NEW TEXT: a copy of FILE with the line OLD replaced
# by NEW exits 1, and its report names that line and says TEXT.
fails() {
	base=$(basename "$1" .txt)
	bad="$tmp/$base-wrong.txt"
	line=$($PYTHON - "$1" "$bad" "$3" "$4" <<'PY'
import sys
src, dst, old, new = sys.argv[1:5]
lines = open(src).read().split("\n")
n = [i for i, l in enumerate(lines) if l == old]
assert len(n) == 1, "%s: %d lines are %r" % (src, len(n), old)
lines[n[0]] = new
open(dst, "w").write("\n".join(lines))
print(n[0] + 1)
PY
)
	timeout -k 1 60 "$BIN" run -C "$2" "$bad" >"$tmp/$base-wrong.out" 2>&1
	rc=$?
	check $(( rc == 1 ? 0 : 1 )) "$1 with line $line made wrong fails (exit $rc, want 1)"
	grep -F -- "$5" "$tmp/$base-wrong.out" | grep -qF -- "$bad:$line: connection "
	rc=$?
	check $rc "and the report names $base-wrong.txt:$line and what differs"
	[ $rc -eq 0 ] || { echo "# wanted: $bad:$line: connection N: $5"; sed 's/^/# /' "$tmp/$base-wrong.out"; }
}

"$BIN" check "$ex"/*.txt >"$tmp/check.out" 2>&1
check $? "sockbench check accepts every example in $ex"
[ -s "$tmp/check.out" ] && grep -v ': ok (' "$tmp/check.out" | sed 's/^/# /'
# `codec NAME OPTIONS` opens the codec with its options, named by its
# canonical spec.
grep -qF "$ex/memcached-cas.txt: ok (33 steps, codec line crlf, 2 connections)" "$tmp/check.out" &&
    grep -qF "$ex/binary-lenfield.txt: ok (15 steps, codec lenfield offset=1 size=2 order=be adjust=0 strip=0, 3 connections)" "$tmp/check.out"
check $? "codec line crlf and codec lenfield offset=1 ... open those codecs"

# docs/scenarios.md ("Cookbook: real servers") shows each example in full
# under a `<!-- example: PATH -->` line: it must be the shipped file.
$PYTHON - docs/scenarios.md "$ex" <<'PY' >"$tmp/docex.why" 2>&1
import os, re, sys
lines = open(sys.argv[1]).read().split("\n")
shown = {}
for i, l in enumerate(lines):
    m = re.match(r"<!-- example: (\S+) -->$", l)
    if m:
        assert lines[i + 1] == "```", lines[i + 1]
        j = lines.index("```", i + 2)
        shown[m.group(1)] = "\n".join(lines[i + 2:j]) + "\n"
files = sorted(os.path.join(sys.argv[2], f) for f in os.listdir(sys.argv[2])
               if f.endswith(".txt"))
for f in files:
    assert f in shown, "%s is not shown in docs/scenarios.md" % f
    assert shown[f] == open(f).read(), "%s differs from docs/scenarios.md" % f
assert len(shown) == len(files), sorted(set(shown) - set(files))
print(len(files))
PY
rc=$?
check $rc "docs/scenarios.md shows every example of $ex as shipped ($(tail -1 "$tmp/docex.why") files)"
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/docex.why"

# --- redis-server ------------------------------------------------------
if have redis-server redis-server; then
	rport=$(free_port)
	mkdir -p "$tmp/redis"
	redis-server --port "$rport" --bind 127.0.0.1 --save '' \
	    --appendonly no --dir "$tmp/redis" --daemonize no \
	    >"$tmp/redis.log" 2>&1 &
	rpid=$!
	pids="$pids $rpid"
	if wait_port "$rport"; then
		passes "$ex/redis-resp2.txt" "127.0.0.1:$rport" 2 26
		passes "$ex/redis-resp3.txt" "127.0.0.1:$rport" 1 16
		passes "$ex/redis-pipeline.txt" "127.0.0.1:$rport" 4 32
		passes "$ex/redis-multi.txt" "127.0.0.1:$rport" 1 16
		fails "$ex/redis-resp2.txt" "127.0.0.1:$rport" \
		    'expect "84"                      # the same number, as a bulk string' \
		    'expect int 84' \
		    "expect int: expected an int reply, got a string"
		fails "$ex/redis-multi.txt" "127.0.0.1:$rport" \
		    'expect json ["OK", 2, 2]                  # one array: +OK, :2, :2' \
		    'expect json ["OK", 1, 2]' \
		    "expect json: value differs at 1"
		# Every finally ran: the examples left no key behind.
		keys=$(redis-cli -p "$rport" DBSIZE 2>/dev/null)
		check $(( ${keys:-1} == 0 ? 0 : 1 )) "the examples deleted their keys, the failed ones too (DBSIZE $keys)"
	else
		check 1 "redis-server starts"
		sed 's/^/# /' "$tmp/redis.log"
	fi
	kill "$rpid" 2>/dev/null
fi

# --- memcached ---------------------------------------------------------
if have memcached memcached; then
	mport=$(free_port)
	mcuser=""
	[ "$(id -u)" = 0 ] && mcuser="-u root"
	memcached -l 127.0.0.1 -p "$mport" -U 0 -m 16 -c 64 $mcuser \
	    >"$tmp/memcached.log" 2>&1 &
	mpid=$!
	pids="$pids $mpid"
	if wait_port "$mport"; then
		passes "$ex/memcached-cas.txt" "127.0.0.1:$mport" 2 30
		fails "$ex/memcached-cas.txt" "127.0.0.1:$mport" \
		    'expect "EXISTS"' 'expect "STORED"                # wrong: the token is stale' \
		    "expect bytes: first difference at byte 0: expected 0x53 'S', got 0x45 'E'"
	else
		check 1 "memcached starts"
		sed 's/^/# /' "$tmp/memcached.log"
	fi
	kill "$mpid" 2>/dev/null
fi

# --- nginx: its own nginx.conf, files, logs and pid in a temp dir -------
if have nginx nginx-light; then
	nport=$(free_port)
	n="$tmp/nginx"
	mkdir -p "$n/www" "$n/tmp"
	printf 'hello from nginx\n' >"$n/www/index.html"
	printf 'a.txt\n' >"$n/www/a.txt"
	printf '%s\n' 'first part' '<!--# include virtual="/a.txt" -->uri <!--# echo var="request_uri" -->' \
	    'last part' >"$n/www/page.shtml"
	# One process in the foreground (daemon off, no master): it keeps the
	# user it was started as (root in CI) and is stopped by its PID. The
	# access log names each request's connection and its number on it.
	cat >"$n/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $n/nginx.pid;
error_log $n/error.log;
events { worker_connections 64; }
http {
    log_format conns '\$connection \$connection_requests \$status \$request';
    access_log $n/access.log conns;
    client_body_temp_path $n/tmp/body;
    proxy_temp_path $n/tmp/proxy;
    fastcgi_temp_path $n/tmp/fastcgi;
    uwsgi_temp_path $n/tmp/uwsgi;
    scgi_temp_path $n/tmp/scgi;
    default_type text/plain;
    types { text/html html shtml; }
    server {
        listen 127.0.0.1:$nport;
        root $n/www;
        location ~ \.shtml\$ { ssi on; }
    }
}
EOF
	nginx -p "$n" -c "$n/nginx.conf" -e "$n/error.log" >"$n/stdout" 2>&1 &
	npid=$!
	pids="$pids $npid"
	if wait_port "$nport"; then
		passes "$ex/http-nginx.txt" "127.0.0.1:$nport" 1 8
		# The seven requests of http-nginx.txt came on one connection,
		# numbered 1 to 7 on it (keep-alive); the SSI include is a
		# subrequest that nginx does not log.
		sleep 0.1
		$PYTHON - "$n/access.log" <<'PY' >"$tmp/ka.why" 2>&1
import sys
rows = [l.split(" ", 3) for l in open(sys.argv[1]).read().splitlines()]
assert len(rows) == 7, rows
assert len({r[0] for r in rows}) == 1, rows
assert [r[1] for r in rows] == [str(i) for i in range(1, 8)], rows
assert [r[2] for r in rows] == ["200", "404", "200", "200", "200", "200", "200"], rows
assert rows[3][3].startswith("HEAD /a.txt "), rows
PY
		rc=$?
		check $rc "nginx's access log: seven requests on one connection (the fourth a HEAD), statuses 200 404 200 200 200 200 200"
		[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/ka.why" "$n/access.log"
		# The page really is chunked on the wire (three chunks).
		printf 'GET /page.shtml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
		    $PYTHON -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2)
s.sendall(sys.stdin.buffer.read())
d = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    d += b
sys.stdout.write(repr(d))' "$nport" >"$tmp/chunked.raw" 2>&1
		grep -qF 'Transfer-Encoding: chunked\r\n' "$tmp/chunked.raw" &&
		    grep -qF '\r\n\r\nb\r\nfirst part\n\r\n6\r\na.txt\n\r\n' "$tmp/chunked.raw"
		rc=$?
		check $rc "nginx sends page.shtml chunked (the example's chunked case is real)"
		[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/chunked.raw"
		fails "$ex/http-nginx.txt" "127.0.0.1:$nport" \
		    'expect status 404' 'expect status 200' \
		    "expect status: expected status 200, got 404"
	else
		check 1 "nginx starts"
		sed 's/^/# /' "$n/error.log" "$n/stdout"
	fi
	kill "$npid" 2>/dev/null
fi

# --- SMTP: aiosmtpd (Debian's python3-aiosmtpd, so /usr/bin/python3) ---
if $PYTHON -c 'import aiosmtpd' 2>/dev/null || missing python3-aiosmtpd; then
	sport=$(free_port)
	# -u: the Debugging handler prints each message; unbuffered, so the
	# log has it as soon as the server has taken it.
	$PYTHON -u -m aiosmtpd -n -l "127.0.0.1:$sport" >"$tmp/smtp.out" \
	    2>"$tmp/smtp.err" &
	spid=$!
	pids="$pids $spid"
	if wait_port "$sport"; then
		passes "$ex/smtp-dialogue.txt" "127.0.0.1:$sport" 1 8
		passes "$ex/smtp-lines.txt" "127.0.0.1:$sport" 1 7
		sleep 0.1
		grep -qxF '.a line that starts with one dot' "$tmp/smtp.out" &&
		    ! grep -qF '..a line' "$tmp/smtp.out"
		rc=$?
		check $rc "the server received the dot-stuffed line with one dot"
		[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/smtp.out"
		fails "$ex/smtp-dialogue.txt" "127.0.0.1:$sport" \
		    'expect line "8BITMIME"' 'expect line "CHUNKING"' \
		    'a line "CHUNKING", got ['
	else
		check 1 "aiosmtpd starts"
		sed 's/^/# /' "$tmp/smtp.err"
	fi
	kill "$spid" 2>/dev/null
fi

# --- the binary protocol, served by sockbench itself --------------------
if serve sb -q -s echo; then
	passes "$ex/binary-lenfield.txt" "127.0.0.1:$port" 3 18
	fails "$ex/binary-lenfield.txt" "127.0.0.1:$port" \
	    'expect hex "04 00 08 ?? ?? de ad be ef 00 ff"           # any id' \
	    'expect hex "04 00 08 ?? ?? de ad be ef 00 fe"' \
	    "expect hex: first difference at byte 10: expected 0xfe, got 0xff"
else
	check 1 "sockbench serve starts"
fi

# `codec NAME OPTIONS` (line crlf above, lenfield ...): a wrong option is
# refused by check with the codec's own reason, at the option's column.
printf 'codec line cr\nsend "x"\n' >"$tmp/badcodec.txt"
"$BIN" check "$tmp/badcodec.txt" >"$tmp/badcodec.out" 2>&1
rc=$?
check $(( rc == 2 ? 0 : 1 )) "check refuses 'codec line cr' (exit $rc, want 2)"
grep -qxF "$tmp/badcodec.txt:1:12: expected line option crlf, lf or any, got 'cr'" "$tmp/badcodec.out"
check $? "and says so at 1:12"
printf 'codec lenfield size=5\nsend "x"\n' >"$tmp/badcodec.txt"
"$BIN" check "$tmp/badcodec.txt" >"$tmp/badcodec.out" 2>&1
rc=$?
grep -qF "$tmp/badcodec.txt:1:16: invalid lenfield option 'size=5'" "$tmp/badcodec.out"
check $(( rc == 2 && $? == 0 ? 0 : 1 )) "check refuses 'codec lenfield size=5' at 1:16 (exit $rc)"
