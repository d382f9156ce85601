#!/bin/sh
# Integration tests of `sockbench probe`: every embedded service, real
# servers Debian ships (python3 http.server, redis-server, memcached, nginx
# or lighttpd when installed), banner servers simulated by a small python3
# server (SSH, SMTP, FTP, POP3, IMAP), a TLS server (openssl s_server), and
# the peers in tests/peers/probe_peers.py that tempt a wrong verdict: a
# banner at 1 byte/s, a banner after the timeout, servers that quote the
# unknown command (gearmand, redis wording), banner daemons (rsync, ngIRCd),
# one reply per line (beanstalkd), an error then close (Prosody), and
# servers that are silent, reset, close at once or refuse. Starter scenarios
# written by --emit-scenario are replayed with `sockbench run`. Everything
# listens on 127.0.0.1 and is killed on exit. Prints TAP lines.
set -u
BIN=${BIN:-./sockbench}
tmp=$(mktemp -d)
pids=""
n=0
# Debian's interpreter when there is one: a version manager's shim can take
# a second to start, and the test starts python3 often.
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
fi

# Kill every server this script started and remove its files.
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - # SKIP $1"; }

# check DESC COMMAND...: one TAP line for whether COMMAND succeeds.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else notok "$desc"; fi
}

# A port nobody listens on right now.
free_port() {
	$PYTHON -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT: wait up to 5 s until something accepts on PORT.
wait_port() {
	$PYTHON - "$1" <<'PY'
import socket, sys, time
end = time.time() + 5
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}

# serve SPEC: start the embedded server on a free port; sets $port.
serve() {
	out="$tmp/serve.$n.$$"
	: >"$out"
	"$BIN" serve -q -l 127.0.0.1:0 -s "$1" >"$out" 2>&1 &
	pids="$pids $!"
	port=""
	i=0
	while [ -z "$port" ] && [ $i -lt 50 ]; do
		port=$(sed -n 's/^sockbench: serving .* on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out")
		[ -n "$port" ] || sleep 0.1
		i=$((i + 1))
	done
	[ -n "$port" ]
}

# The fake banner servers: a greeting, then read.
cat >"$tmp/fake.py" <<'PY'
import socket, sys, threading
mode, port = sys.argv[1], int(sys.argv[2])
banners = {
    "ssh": b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n",
    "smtp": b"220 mail.example.test ESMTP Postfix (Debian/GNU)\r\n",
    "ftp": b"220 (vsFTPd 3.0.3)\r\n",
    "pop3": b"+OK Dovecot (Debian) ready.\r\n",
    "imap": b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE"
            b" LITERAL+ STARTTLS AUTH=PLAIN] Dovecot (Debian) ready.\r\n",
}
def handle(c):
    try:
        if mode in banners:
            c.sendall(banners[mode])
        c.settimeout(10)
        while c.recv(4096):
            pass
    except OSError:
        pass
    c.close()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(64)
while True:
    c, _ = s.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
PY

# fake MODE: start a fake server on a free port; sets $port.
fake() {
	port=$(free_port)
	$PYTHON "$tmp/fake.py" "$1" "$port" &
	pids="$pids $!"
	wait_port "$port"
}

# peer MODE [ARG]: start tests/peers/probe_peers.py on a free port (it
# binds port 0 and prints it); sets $port.
peer() {
	out="$tmp/peer.$n.$$"
	: >"$out"
	$PYTHON "$(dirname "$0")/../peers/probe_peers.py" "$@" >"$out" &
	pids="$pids $!"
	port=""
	i=0
	while [ -z "$port" ] && [ $i -lt 100 ]; do
		port=$(head -1 "$out")
		[ -n "$port" ] || sleep 0.05
		i=$((i + 1))
	done
	[ -n "$port" ]
}

# unidentified: exit 1 and status unidentified (shows the summary if not).
unidentified() {
	[ "$rc" -eq 1 ] && is status unidentified ||
	    { echo "# exit $rc: $(field summary)"; return 1; }
}

# isnt PATH VALUE: the field differs from VALUE.
isnt() {
	got=$(field "$1")
	[ "$got" != "$2" ] || { echo "# $1: expected not '$2'"; return 1; }
}

# probe ARGS...: run the probe as JSON into $tmp/out.json and flatten its
# top level and verdict into $tmp/fields ("verdict.protocol=redis"); sets $rc.
probe() {
	timeout 30 "$BIN" probe --json "$@" >"$tmp/out.json" 2>"$tmp/err"
	rc=$?
	$PYTHON - "$tmp/out.json" >"$tmp/fields" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except ValueError as e:
    print("error=%s" % e)
    sys.exit(0)
for k, v in r.items():
    if isinstance(v, dict):
        for k2, v2 in v.items():
            print("%s.%s=%s" % (k, k2, v2))
    elif not isinstance(v, list):
        print("%s=%s" % (k, v))
PY
}

# field PATH: a value from the last JSON result ("verdict.protocol").
field() {
	sed -n "s/^$1=//p" "$tmp/fields" | head -1
}

# is PATH VALUE: the field equals VALUE (shows both when not).
is() {
	got=$(field "$1")
	[ "$got" = "$2" ] || { echo "# $1: expected '$2', got '$got'"; return 1; }
}

# has PATH TEXT: the field contains TEXT.
has() {
	got=$(field "$1")
	case "$got" in
	*"$2"*) return 0 ;;
	esac
	echo "# $1: expected to contain '$2', got '$got'"
	return 1
}

# identified PROTO CODEC: exit 0 and this verdict.
identified() {
	[ "$rc" -eq 0 ] || { echo "# exit $rc"; cat "$tmp/err"; }
	[ "$rc" -eq 0 ] && is status identified && is verdict.protocol "$1" &&
	    is verdict.codec "$2"
}

# emit_and_run PORT: write a starter scenario and replay it.
emit_and_run() {
	timeout 30 "$BIN" probe -e "$tmp/emit.txt" "127.0.0.1:$1" >/dev/null &&
	    timeout 30 "$BIN" run --connect "127.0.0.1:$1" "$tmp/emit.txt" \
	    >"$tmp/run.out" 2>&1 || { cat "$tmp/emit.txt" "$tmp/run.out" |
	    sed 's/^/# /'; return 1; }
}

# Embedded services.
serve echo
probe "127.0.0.1:$port"
check "embedded echo is echo, certain" identified echo raw
check "echo verdict is certain" is verdict.confidence certain
check "echo: starter scenario passes with sockbench run" emit_and_run "$port"

serve "echo:prefix=服务端收到, 你发的消息是: "
probe "127.0.0.1:$port"
check "echo with the seed prefix is echo" identified echo raw
check "echo with the seed prefix is named" has verdict.product "prefix"
check "prefixed echo: starter scenario passes" emit_and_run "$port"

serve "echo:suffix=~"
probe "127.0.0.1:$port"
check "echo with ~ suffix is echo" identified echo raw
check "echo with ~ suffix is named" has verdict.product "~ suffix"

serve "echo:fixed=data from server"
probe "127.0.0.1:$port"
check "fixed reply 'data from server' is echo" identified echo raw
check "fixed reply is named" has verdict.product "fixed reply"
check "fixed reply: starter scenario passes" emit_and_run "$port"

serve app
probe "127.0.0.1:$port"
check "seed app server is app, codec jsonhdr" identified app jsonhdr
check "seed app server is certain" is verdict.confidence certain
check "app: starter scenario passes with sockbench run" emit_and_run "$port"

mkdir -p "$tmp/files"
echo hello >"$tmp/files/hello.txt"
serve "file:root=$tmp/files"
probe "127.0.0.1:$port"
check "seed file server is file" identified file raw
check "file: starter scenario passes" emit_and_run "$port"

# Real servers.
port=$(free_port)
$PYTHON -m http.server --bind 127.0.0.1 "$port" >/dev/null 2>&1 &
pids="$pids $!"
if wait_port "$port"; then
	probe "127.0.0.1:$port"
	check "python3 http.server is http" identified http http
	check "python3 http.server product from Server" is verdict.product \
	    SimpleHTTP
	check "http: starter scenario passes" emit_and_run "$port"
else
	notok "python3 http.server did not start"
fi

if command -v redis-server >/dev/null 2>&1; then
	port=$(free_port)
	redis-server --port "$port" --bind 127.0.0.1 --save '' \
	    --daemonize no >/dev/null 2>&1 &
	pids="$pids $!"
	wait_port "$port"
	probe "127.0.0.1:$port"
	check "redis-server is redis, codec resp" identified redis resp
	check "redis-server version from INFO" has verdict.version "."
	check "redis: starter scenario (PING/PONG) passes" emit_and_run "$port"
else
	skip "redis-server not installed"
	skip "redis-server not installed"
	skip "redis-server not installed"
fi

if command -v memcached >/dev/null 2>&1; then
	port=$(free_port)
	memcached -l 127.0.0.1 -p "$port" -U 0 -u nobody >/dev/null 2>&1 &
	pids="$pids $!"
	wait_port "$port"
	probe "127.0.0.1:$port"
	check "memcached is memcached" identified memcached line
	check "memcached version" has verdict.version "1."
	check "memcached: starter scenario passes" emit_and_run "$port"
else
	skip "memcached not installed"
	skip "memcached not installed"
	skip "memcached not installed"
fi

web=""
for w in nginx lighttpd; do
	command -v $w >/dev/null 2>&1 || [ -x /usr/sbin/$w ] && web=$w &&
	    break
done
if [ "$web" = nginx ]; then
	port=$(free_port)
	mkdir -p "$tmp/nginx/logs"
	cat >"$tmp/nginx/nginx.conf" <<NG
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $tmp/nginx;
	proxy_temp_path $tmp/nginx;
	fastcgi_temp_path $tmp/nginx;
	uwsgi_temp_path $tmp/nginx;
	scgi_temp_path $tmp/nginx;
	server { listen 127.0.0.1:$port; root $tmp/files; }
}
NG
	PATH=$PATH:/usr/sbin nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" \
	    >/dev/null 2>&1 &
	pids="$pids $!"
	wait_port "$port"
	probe "127.0.0.1:$port"
	check "nginx is http" identified http http
	check "nginx product from Server" is verdict.product nginx
elif [ "$web" = lighttpd ]; then
	port=$(free_port)
	cat >"$tmp/lighttpd.conf" <<LT
server.document-root = "$tmp/files"
server.bind = "127.0.0.1"
server.port = $port
LT
	PATH=$PATH:/usr/sbin lighttpd -D -f "$tmp/lighttpd.conf" \
	    >/dev/null 2>&1 &
	pids="$pids $!"
	wait_port "$port"
	probe "127.0.0.1:$port"
	check "lighttpd is http" identified http http
	check "lighttpd product from Server" is verdict.product lighttpd
else
	skip "nginx and lighttpd not installed"
	skip "nginx and lighttpd not installed"
fi

if command -v openssl >/dev/null 2>&1 && openssl req -x509 -newkey rsa:2048 \
    -nodes -subj /CN=localhost -days 1 -keyout "$tmp/key.pem" \
    -out "$tmp/cert.pem" >/dev/null 2>&1; then
	port=$(free_port)
	openssl s_server -quiet -accept "127.0.0.1:$port" -cert \
	    "$tmp/cert.pem" -key "$tmp/key.pem" </dev/null >/dev/null 2>&1 &
	pids="$pids $!"
	wait_port "$port"
	probe "127.0.0.1:$port"
	check "openssl s_server is tls" identified tls raw
	check "tls version from the ServerHello" has verdict.version "1."
else
	skip "openssl not installed"
	skip "openssl not installed"
fi

# Inside TLS (issue #16): nginx with TLS and HTTP/2 is "http over TLS",
# with the certificate, the version and ALPN h2; the starter scenario
# carries `tls` and replays with --insecure (a self-signed certificate).
if [ -n "$web" ] && [ "$web" = nginx ] && [ -f "$tmp/cert.pem" ]; then
	port=$(free_port)
	mkdir -p "$tmp/nginxtls/logs"
	cat >"$tmp/nginxtls/nginx.conf" <<NG
daemon off;
pid $tmp/nginxtls/nginx.pid;
error_log $tmp/nginxtls/logs/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $tmp/nginxtls;
	proxy_temp_path $tmp/nginxtls;
	fastcgi_temp_path $tmp/nginxtls;
	uwsgi_temp_path $tmp/nginxtls;
	scgi_temp_path $tmp/nginxtls;
	server {
		listen 127.0.0.1:$port ssl http2;
		ssl_certificate $tmp/cert.pem;
		ssl_certificate_key $tmp/key.pem;
		root $tmp/files;
	}
}
NG
	PATH=$PATH:/usr/sbin nginx -p "$tmp/nginxtls" \
	    -c "$tmp/nginxtls/nginx.conf" >/dev/null 2>&1 &
	pids="$pids $!"
	wait_port "$port"
	probe -e "$tmp/tls-emit.txt" "127.0.0.1:$port"
	check "nginx with TLS: http over TLS, exit 0" identified http http
	check "nginx with TLS: the evidence is the GET's reply" is \
	    verdict.probe http
	check "nginx with TLS: the summary says over TLS" has summary \
	    "http over TLS"
	check "nginx with TLS: the certificate's subject" is tls.subject \
	    "CN=localhost"
	check "nginx with TLS: its expiry" has tls.not_after "UTC"
	check "nginx with TLS: the TLS version" has tls.version "TLSv1."
	check "nginx with TLS: ALPN h2 (HTTP/2)" is tls.alpn "h2"
	check "nginx with TLS: the verdict is of the inside" is \
	    tls.verdict_inside True
	grep -qx "tls" "$tmp/tls-emit.txt"
	check "nginx with TLS: the starter scenario carries tls" [ $? -eq 0 ]
	timeout 30 "$BIN" run --insecure --connect "127.0.0.1:$port" \
	    "$tmp/tls-emit.txt" >"$tmp/tls-run.out" 2>&1
	check "nginx with TLS: the starter scenario passes with --insecure" \
	    [ $? -eq 0 ]
else
	for i in 1 2 3 4 5 6 7 8 9 10; do
		skip "nginx or openssl not installed"
	done
fi

# HTTP/2 by prior knowledge (h2c): nginx `listen ... http2` on a plain
# port answers the preface with SETTINGS, and HTTP/1.1 with garbage.
if [ "$web" = nginx ]; then
	port=$(free_port)
	mkdir -p "$tmp/nginxh2/logs"
	cat >"$tmp/nginxh2/nginx.conf" <<NG
daemon off;
pid $tmp/nginxh2/nginx.pid;
error_log $tmp/nginxh2/logs/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $tmp/nginxh2;
	proxy_temp_path $tmp/nginxh2;
	fastcgi_temp_path $tmp/nginxh2;
	uwsgi_temp_path $tmp/nginxh2;
	scgi_temp_path $tmp/nginxh2;
	server { listen 127.0.0.1:$port http2; root $tmp/files; }
}
NG
	PATH=$PATH:/usr/sbin nginx -p "$tmp/nginxh2" \
	    -c "$tmp/nginxh2/nginx.conf" >/dev/null 2>&1 &
	pids="$pids $!"
	wait_port "$port"
	probe "127.0.0.1:$port"
	check "nginx h2c: http2, certain, exit 0" identified http2 raw
	check "nginx h2c: the SETTINGS frame is the evidence" has \
	    verdict.detail "SETTINGS frame on stream 0"
else
	skip "nginx not installed"
	skip "nginx not installed"
fi

# STARTTLS offers: aiosmtpd with a certificate offers STARTTLS in its
# EHLO reply; without one it does not.
if $PYTHON -c 'import aiosmtpd' 2>/dev/null && [ -f "$tmp/cert.pem" ]; then
	port=$(free_port)
	$PYTHON -m aiosmtpd -n -l "127.0.0.1:$port" --tlscert "$tmp/cert.pem" \
	    --tlskey "$tmp/key.pem" >/dev/null 2>&1 &
	pids="$pids $!"
	wait_port "$port"
	probe "127.0.0.1:$port"
	check "aiosmtpd with a certificate: smtp" identified smtp line
	check "aiosmtpd with a certificate: STARTTLS offered" is \
	    starttls.offered True
	check "aiosmtpd with a certificate: the evidence line" has \
	    starttls.detail '"250-STARTTLS" in the EHLO reply'
	port=$(free_port)
	$PYTHON -m aiosmtpd -n -l "127.0.0.1:$port" >/dev/null 2>&1 &
	pids="$pids $!"
	wait_port "$port"
	probe "127.0.0.1:$port"
	check "aiosmtpd without a certificate: STARTTLS not offered" is \
	    starttls.offered False
else
	for i in 1 2 3 4; do skip "python3-aiosmtpd not installed"; done
fi

# Banner protocols, simulated.
for m in ssh:OpenSSH:9.2p1 smtp:Postfix: ftp:vsFTPd:3.0.3 pop3:Dovecot: \
    imap:Dovecot:; do
	proto=${m%%:*}
	rest=${m#*:}
	product=${rest%%:*}
	version=${rest#*:}
	fake "$proto"
	probe "127.0.0.1:$port"
	check "$proto banner is $proto, codec line" identified "$proto" line
	check "$proto banner names $product" is verdict.product "$product"
	if [ -n "$version" ]; then
		check "$proto banner version $version" is verdict.version \
		    "$version"
	fi
done
fake ssh
check "ssh: starter scenario passes" emit_and_run "$port"

# Servers that do not play along.
peer silent
probe "127.0.0.1:$port"
check "silent server: exit 1" [ "$rc" -eq 1 ]
check "silent server: status silent" is status silent
check "silent server: says how long it waited" has summary "not even in 3.0s"
check "silent server: answer within 5 s (1.5 s banner, 3 s late watch)" \
    $PYTHON -c 'import sys; sys.exit(not float(sys.argv[1]) < 5.0)' \
    "$(field seconds)"

peer reset
probe "127.0.0.1:$port"
check "resetting server: exit 1, status reset" is status reset
check "resetting server: exit 1" [ "$rc" -eq 1 ]

peer close
probe "127.0.0.1:$port"
check "server that closes at once: status closed, exit 1" is status closed
check "server that closes at once: exit 1" [ "$rc" -eq 1 ]

# A banner 1 byte per second: read to its line end, then identified.
peer slow-banner
probe "127.0.0.1:$port"
check "1 byte/s banner: read to the line end, pop3" identified pop3 line
check "1 byte/s banner: the whole line is the evidence" is verdict.detail \
    "+OK hi"
check "1 byte/s banner: no STARTTLS question after a 7 s greeting" has \
    starttls.detail "not asked: the greeting took"
# With --timeout 0.5 the quiet after a byte ends the banner: no verdict
# from "+", and the same "+" on every connection is no fixed reply.
peer slow-banner
probe --timeout 0.5 "127.0.0.1:$port"
check "1 byte/s banner, --timeout 0.5: unidentified, exit 1" unidentified
check "1 byte/s banner, --timeout 0.5: not fixed" isnt verdict.protocol fixed
check "1 byte/s banner, --timeout 0.5: says the banner has no line end" \
    has summary "no line end"
check "1 byte/s banner, --timeout 0.5: says try a longer --timeout" \
    has summary "try a longer --timeout"

# A banner after the timeout: status late, exit 1, with advice.
peer late-banner 0.8
probe --timeout 0.5 "127.0.0.1:$port"
check "banner after the timeout: status late" is status late
check "banner after the timeout: exit 1" [ "$rc" -eq 1 ]
check "banner after the timeout: quotes it" has summary "220 late.example"
check "banner after the timeout: says try a longer --timeout" has summary \
    "try a longer --timeout"
check "banner after the timeout: no verdict" is verdict None

# Servers that quote the unknown command are no echo; gearmand's
# URL-encoded error names it (issue #17: it was "echo, certain").
peer quote-end
probe "127.0.0.1:$port"
check "gearmand-like quoting server: gearman, likely, exit 0" identified \
    gearman line
check "gearmand-like quoting server: not echo" isnt verdict.protocol echo
check "gearmand-like quoting server: likely, not certain" is \
    verdict.confidence likely
peer quote-args
probe "127.0.0.1:$port"
check "redis-worded errors without PONG: unidentified, exit 1" unidentified
check "redis-worded errors without PONG: at most possible" is \
    verdict.confidence possible

# The same greeting on every connection is a banner, not a fixed reply;
# rsync, ngIRCd and Prosody (each once "fixed, likely") are identified.
peer rsync
probe "127.0.0.1:$port"
check "rsync-like banner: rsync, certain, exit 0" identified rsync line
check "rsync-like banner: the protocol version" is verdict.version \
    "protocol 31.0"
peer ircd
probe "127.0.0.1:$port"
check "ngIRCd-like banner: irc, certain, exit 0" identified irc line
check "ngIRCd-like banner: certain" is verdict.confidence certain
peer beanstalkd
probe "127.0.0.1:$port"
check "beanstalkd-like reply per line: unidentified, exit 1" unidentified
check "beanstalkd-like reply per line: not fixed" isnt verdict.protocol fixed
check "beanstalkd-like reply per line: answers each line" has summary \
    "answers each line"
peer xmpp
probe "127.0.0.1:$port"
check "Prosody-like error then close: xmpp, certain, exit 0" identified \
    xmpp raw
check "Prosody-like error then close: not fixed" isnt verdict.protocol fixed

port=$(free_port)
probe "127.0.0.1:$port"
check "refused port: exit 3" [ "$rc" -eq 3 ]
check "refused port: status refused" is status refused
check "refused port: the probe says so" has summary "refused"

# Usage.
"$BIN" probe >/dev/null 2>&1
check "no target: exit 2" [ $? -eq 2 ]
"$BIN" probe --probes nosuch 127.0.0.1:1 >/dev/null 2>&1
check "unknown probe name: exit 2" [ $? -eq 2 ]
"$BIN" probe --help >"$tmp/help"
check "--help documents the exit statuses" grep -q "3  refused" "$tmp/help"
"$BIN" probe 127.0.0.1 >/dev/null 2>&1
check "target without a port: exit 3" [ $? -eq 3 ]

echo "1..$n"
