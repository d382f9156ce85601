#!/bin/sh
# Hostile TLS peers (docs/reliability.md, "TLS hostile peers"): against
# `serve --tls` (handshake bounded by --connect-timeout 1s) a python peer
# sends handshake garbage, an oversized record header, a client hello and
# then nothing, half a client hello; `openssl s_client` asks for a
# renegotiation; a chain of 100 certificates (99 intermediates and the
# leaf, RSA, ~100 KB) is sent by a server to `run --tls` and by a client to
# `serve --client-ca`. Each ends that one connection with a reason, the
# server goes on serving, its memory stays bounded, and no log or report
# holds a byte of a private key. Prints TAP lines.
set -u
. tests/integration_lib.sh

pki="$tmp/pki"
mkdir -p "$pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 2 -subj "/CN=hostile test CA" -keyout "$pki/ca.key" \
    -out "$pki/ca.pem" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign >/dev/null 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=localhost" -keyout "$pki/srv.key" -out "$pki/srv.csr" \
    >/dev/null 2>&1
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$pki/ext"
openssl x509 -req -in "$pki/srv.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
    -CAcreateserial -days 2 -extfile "$pki/ext" -out "$pki/srv.pem" \
    >/dev/null 2>&1
check $? "openssl makes a test CA and a server certificate"

cat >"$tmp/echo.txt" <<'EOF'
name "tls echo"
timeout 3s
send "ping\n"
expect "ping\n"
EOF

serve hs --tls --cert "$pki/srv.pem" --key "$pki/srv.key" \
    --connect-timeout 1s || check 1 "serve --tls starts"
spid=$pid
sport=$port

# peer KIND: one hostile connection to serve; prints the seconds until the
# server closed it, and what it sent back (hex, first bytes).
peer() {
	$PYTHON - "$sport" "$1" <<'PY'
import os, socket, sys, time
kind = sys.argv[2]
hello = open("tests/fuzz/corpus/tls_server/s_client-tls12", "rb").read()
payload = {
    "garbage": os.urandom(1000),
    "oversized": b"\x16\x03\x01\xff\xff" + b"\x01" * 20000,
    "stall": hello,
    "half": hello[:100],
}[kind]
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(8)
t = time.time()
got = b""
try:
    s.sendall(payload)
    while True:
        d = s.recv(65536)
        if not d:
            break
        got += d
except (ConnectionResetError, BrokenPipeError):
    pass
except socket.timeout:
    print("timeout")
    sys.exit(1)
print("%.2f %s" % (time.time() - t, got[:8].hex()))
PY
}

out=$(peer garbage)
rc=$?
sleep 0.2
[ $rc -eq 0 ] && grep -q '^conn 1: .* failed: tls: wrong version number (in 0 B/0 msgs' "$tmp/hs.err"
check $? "handshake garbage: the connection fails with OpenSSL's reason, no byte counted as data ($out)"
out=$(peer oversized)
rc=$?
sleep 0.2
[ $rc -eq 0 ] && grep -q '^conn 2: .* failed: tls: packet length too long (in 0 B/0 msgs' "$tmp/hs.err"
check $? "a record header of 65535 bytes: refused at the header, not buffered ($out)"
out=$(peer stall)
rc=$?
sleep 0.2
secs=${out%% *}
[ $rc -eq 0 ] && grep -q '^conn 3: .* failed: tls: handshake timeout after 1.0s' "$tmp/hs.err" &&
    $PYTHON -c "import sys; assert 0.8 <= $secs < 6, $secs"
check $? "a client hello, then silence: ended by the handshake timeout (--connect-timeout 1s) after ${secs}s"
out=$(peer half)
rc=$?
sleep 0.2
[ $rc -eq 0 ] && grep -q '^conn 4: .* failed: tls: handshake timeout after 1.0s' "$tmp/hs.err"
check $? "half a client hello: the same timeout, nothing waits forever ($out)"

# Renegotiation (TLS 1.2; TLS 1.3 has none): s_client's R command.
(echo R; sleep 2) | timeout -k 1 10 openssl s_client -connect "127.0.0.1:$sport" \
    -tls1_2 -CAfile "$pki/ca.pem" >"$tmp/reneg.out" 2>&1
sleep 0.3
grep -q 'no renegotiation' "$tmp/reneg.out" &&
    grep -q '^conn 5: tls TLSv1.2 ' "$tmp/hs.err" &&
    grep -q '^conn 5: .* failed: tls: renegotiation attempted by the peer: refused' "$tmp/hs.err"
check $? "a client's renegotiation attempt is refused (no_renegotiation) and the connection ends with the reason"
[ $? -eq 0 ] || sed 's/^/# /' "$tmp/reneg.out" "$tmp/hs.err"
# ... and a server's: openssl s_server -tls1_2, its r command typed once
# the client's line has arrived (stdin a FIFO held open).
rsport=$(free_port)
mkfifo "$tmp/rsin"
sleep 60 >"$tmp/rsin" &
pids="$pids $!"
timeout -k 1 60 openssl s_server -accept "127.0.0.1:$rsport" -tls1_2 \
    -cert "$pki/srv.pem" -key "$pki/srv.key" <"$tmp/rsin" \
    >"$tmp/rs_server.out" 2>&1 &
pids="$pids $!"
wait_port "$rsport"
(i=0; while [ $i -lt 200 ] && ! grep -q '^hi$' "$tmp/rs_server.out"; do
	sleep 0.05; i=$((i + 1)); done; echo r >"$tmp/rsin") &
pids="$pids $!"
cat >"$tmp/wait.txt" <<'EOF'
name "waits for a line that never comes"
timeout 5s
send "hi\n"
expect "never\n"
EOF
timeout -k 1 30 "$BIN" run -C "127.0.0.1:$rsport" --tls --sni localhost \
    --ca-file "$pki/ca.pem" "$tmp/wait.txt" >"$tmp/reneg2.out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q 'wait.txt:4: connection 1: connection failed: tls: renegotiation attempted by the peer: refused' "$tmp/reneg2.out"
check $? "a server's renegotiation request fails run's connection with the reason, not a 5 s timeout (exit $rc)"
[ $rc -eq 1 ] || sed 's/^/# /' "$tmp/reneg2.out"

# Memory: 300 more hostile connections after a warm-up leave the server's
# resident set within 4 MiB of where it was.
rss() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$spid/status"; }
$PYTHON - "$sport" <<'PY'
import os, socket, sys
port = int(sys.argv[1])
for i in range(40):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(os.urandom(600) if i % 2 else b"\x16\x03\x01\xff\xff" + b"x" * 3000)
    try:
        s.recv(100)
    except OSError:
        pass
    s.close()
PY
before=$(rss)
$PYTHON - "$sport" <<'PY'
import os, socket, sys
port = int(sys.argv[1])
hello = open("tests/fuzz/corpus/tls_server/curl-https", "rb").read()
for i in range(300):
    s = socket.create_connection(("127.0.0.1", port))
    k = i % 3
    s.sendall(os.urandom(600) if k == 0 else
              b"\x16\x03\x01\xff\xff" + b"x" * 3000 if k == 1 else
              hello[:-1] + bytes([hello[-1] ^ 0x55]))
    try:
        s.recv(4096)
    except OSError:
        pass
    s.close()
PY
sleep 0.5
after=$(rss)
n=$(grep -c ' failed: tls: ' "$tmp/hs.err")
# Under ASan (make asan sets SANITIZED) freed memory sits in its
# quarantine, so only the plain build's RSS is held to the bound.
limit=4096
[ -n "${SANITIZED:-}" ] && limit=262144
kill -0 "$spid" && [ -n "$before" ] && [ -n "$after" ] &&
    [ $((after - before)) -lt $limit ] && [ "$n" -ge 340 ]
check $? "340 hostile connections each failed with a tls: reason ($n), the server still up, RSS $before -> $after KiB"
timeout -k 1 30 "$BIN" run -C "localhost:$sport" --tls --ca-file "$pki/ca.pem" \
    "$tmp/echo.txt" >"$tmp/after.out" 2>&1
check $? "and it still serves a good client"

# --- a chain of 100 certificates --------------------------------------------
ch="$tmp/chain"
mkdir -p "$ch"
openssl genrsa -out "$ch/k.pem" 2048 >/dev/null 2>&1
openssl req -x509 -new -key "$ch/k.pem" -subj "/CN=chain root" -days 2 \
    -out "$ch/c0.pem" -addext basicConstraints=critical,CA:TRUE >/dev/null 2>&1
printf 'basicConstraints=critical,CA:TRUE\n' >"$ch/ca.ext"
i=1
while [ $i -le 99 ]; do
	openssl req -new -key "$ch/k.pem" -subj "/CN=chain int $i" 2>/dev/null |
	    openssl x509 -req -CA "$ch/c$((i - 1)).pem" -CAkey "$ch/k.pem" \
	    -set_serial $i -days 2 -extfile "$ch/ca.ext" -out "$ch/c$i.pem" \
	    >/dev/null 2>&1
	i=$((i + 1))
done
openssl req -new -key "$ch/k.pem" -subj "/CN=localhost" 2>/dev/null |
    openssl x509 -req -CA "$ch/c99.pem" -CAkey "$ch/k.pem" -set_serial 1000 \
    -days 2 -extfile "$pki/ext" -out "$ch/leaf.pem" >/dev/null 2>&1
: >"$ch/chain.pem"
i=99
while [ $i -ge 1 ]; do
	cat "$ch/c$i.pem" >>"$ch/chain.pem"
	i=$((i - 1))
done
cat "$ch/leaf.pem" "$ch/chain.pem" >"$ch/full.pem"
[ "$(grep -c 'BEGIN CERTIFICATE' "$ch/full.pem")" -eq 100 ]
check $? "a chain of 100 certificates: the leaf and 99 intermediates ($(wc -c <"$ch/full.pem") bytes of PEM)"

serve chain --cert "$ch/full.pem" --key "$ch/k.pem" || check 1 "serve --cert full.pem starts"
timeout -k 1 30 "$BIN" run -C "localhost:$port" --tls --ca-file "$ch/c0.pem" \
    -f json -o "$tmp/chain.json" "$tmp/echo.txt" >"$tmp/chain.out" 2>&1
rc=$?
[ $rc -eq 1 ] && $PYTHON -c 'import json,sys; r=json.load(open(sys.argv[1])); g=r["scenarios"][0]["failures"][0]; assert "tls: excessive message size" in g["message"] and g["tls"]["handshake_done"] is False, g' "$tmp/chain.json"
check $? "run --tls refuses a server's 100-certificate chain (over the 64 KiB certificate list bound): excessive message size (exit $rc)"
[ $rc -eq 1 ] || sed 's/^/# /' "$tmp/chain.out"

serve cca --cert "$pki/srv.pem" --key "$pki/srv.key" --client-ca "$ch/c0.pem" ||
    check 1 "serve --client-ca starts"
echo | timeout -k 1 10 openssl s_client -connect "127.0.0.1:$port" \
    -cert "$ch/leaf.pem" -key "$ch/k.pem" -cert_chain "$ch/chain.pem" \
    -CAfile "$pki/ca.pem" >"$tmp/cca.out" 2>&1
sleep 0.3
grep -q '^conn 1: .* failed: tls: excessive message size' "$tmp/cca.err"
check $? "serve --client-ca refuses a client's 100-certificate chain with the same reason"
[ $? -eq 0 ] || sed 's/^/# /' "$tmp/cca.err"

# --- private keys are never logged ----------------------------------------
timeout -k 1 10 "$BIN" serve --tls --cert "$pki/srv.pem" --key "$pki/ca.key" \
    -l 127.0.0.1:0 >"$tmp/wrongkey.out" 2>&1
[ $? -eq 2 ] && grep -q 'key values mismatch' "$tmp/wrongkey.out"
check $? "serve --cert with another certificate's key: exit 2 with OpenSSL's reason"
leak=0
for k in "$pki/srv.key" "$ch/k.pem" "$pki/ca.key"; do
	grep -v -- '-----' "$k" >"$tmp/keylines"
	for f in "$tmp"/*.out "$tmp"/*.err "$tmp"/*.json; do
		if grep -qF -f "$tmp/keylines" "$f"; then
			echo "# $f holds a line of $k"
			leak=1
		fi
	done
done
[ $leak -eq 0 ]
check $? "no log, report or error message holds a line of a private key"
