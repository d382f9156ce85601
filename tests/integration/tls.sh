#!/bin/sh
# TLS against real peers (docs/tls.md): a test CA and a server certificate
# for localhost/127.0.0.1 made here with `openssl req`; `openssl s_server`
# (-rev: each line comes back reversed) and nginx (nginx-light) with TLS on
# free ports of 127.0.0.1, stopped by PID. run --tls --ca-file passes;
# without --ca-file the system store does not know the CA: exit 1 and the
# verify reason in the report; --insecure passes and every report says
# so; the wrong --sni is a hostname mismatch. Also: per-connection TLS
# details in reports, bench --tls-resume/--conn-requests, serve
# --client-ca, server-side starttls, and redis-server behind its own TLS
# port (tls-port) with a RESP scenario. Prints TAP lines.
set -u
. tests/integration_lib.sh

# --- a test CA and a server certificate signed by it ---------------------
pki="$tmp/pki"
mkdir -p "$pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 2 -subj "/CN=sockbench test CA" -keyout "$pki/ca.key" \
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

# --- openssl s_server -rev ------------------------------------------------
sport=$(free_port)
# stdin kept open (a FIFO nobody writes) so s_server does not quit.
mkfifo "$tmp/sin"
sleep 600 >"$tmp/sin" &
pids="$pids $!"
openssl s_server -accept "127.0.0.1:$sport" -cert "$pki/srv.pem" \
    -key "$pki/srv.key" -rev -alpn h2,http/1.1 <"$tmp/sin" \
    >"$tmp/s_server.out" 2>&1 &
spid=$!
pids="$pids $spid"
wait_port "$sport"
check $? "openssl s_server listens on 127.0.0.1:$sport"

cat >"$tmp/rev.txt" <<'EOF'
name "tls rev"
timeout 3s
send "hello\n"
expect "olleh\n"
EOF

timeout -k 1 30 "$BIN" run -C "127.0.0.1:$sport" --tls --ca-file "$pki/ca.pem" \
    --alpn h2 -f json -o "$tmp/pass.json" "$tmp/rev.txt" >"$tmp/pass.out" 2>&1
rc=$?
check $rc "run --tls --ca-file against s_server passes (exit $rc)"
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/pass.out"
$PYTHON - "$tmp/pass.json" <<'PY' >"$tmp/pass.why" 2>&1
import json, sys
r = json.load(open(sys.argv[1]))
t = r["tls"]
assert r["passed"] == 1, r
assert t["verified"] is True and t["insecure"] is False, t
assert t["handshakes"] == 1, t
assert t["version"] == "TLSv1.3", t
assert t["alpn"] == "h2", t
assert t["peer_subject"] == "CN=localhost", t
assert t["peer_issuer"] == "CN=sockbench test CA", t
assert t["peer_not_after"].endswith(" UTC"), t
assert 0 < t["handshake_us_mean"] < 5e6, t
PY
rc=$?
check $rc "its JSON report: TLSv1.3, ALPN h2, the peer's subject and issuer, verified"
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/pass.why"
grep -q '^tls: TLSv1.3 .*, alpn h2, 1 handshake' "$tmp/pass.out"
check $? "the text summary says the version, cipher, ALPN and handshakes"

timeout -k 1 30 "$BIN" run -C "127.0.0.1:$sport" --tls -f json \
    -o "$tmp/noca.json" "$tmp/rev.txt" >"$tmp/noca.out" 2>&1
rc=$?
[ $rc -eq 1 ]
check $? "run --tls without --ca-file: exit 1 (got $rc)"
grep -q 'tls: certificate verify failed: unable to get local issuer certificate' "$tmp/noca.json"
check $? "the report gives OpenSSL's verify reason"
[ $rc -eq 1 ] || sed 's/^/# /' "$tmp/noca.out"

timeout -k 1 30 "$BIN" run -C "127.0.0.1:$sport" --tls --ca-file "$pki/ca.pem" \
    --sni wrong.example -f json -o "$tmp/sni.json" "$tmp/rev.txt" \
    >"$tmp/sni.out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q 'tls: certificate verify failed: hostname mismatch' "$tmp/sni.json"
check $? "run --tls --sni wrong.example: exit 1, hostname mismatch (exit $rc)"

timeout -k 1 30 "$BIN" run -C "127.0.0.1:$sport" --tls --insecure -f json \
    -o "$tmp/insec.json" "$tmp/rev.txt" >"$tmp/insec.out" 2>&1
rc=$?
check $rc "run --tls --insecure passes (exit $rc)"
$PYTHON -c 'import json,sys; t=json.load(open(sys.argv[1]))["tls"]; assert t["insecure"] is True and t["verified"] is False, t' \
    "$tmp/insec.json"
check $? "its JSON report says insecure, not verified"
grep -q '^tls: INSECURE: the server.s certificate was not verified (--insecure)' "$tmp/insec.out"
check $? "its text report says INSECURE"

timeout -k 1 30 "$BIN" run -C "127.0.0.1:$sport" --tls --ca-file "$pki/ca.pem" \
    --tls-max 1.2 -f json -o "$tmp/v12.json" "$tmp/rev.txt" >"$tmp/v12.out" 2>&1
rc=$?
[ $rc -eq 0 ] && $PYTHON -c 'import json,sys; t=json.load(open(sys.argv[1]))["tls"]; assert t["version"] == "TLSv1.2", t' "$tmp/v12.json"
check $? "run --tls-max 1.2: the report says TLSv1.2 (exit $rc)"
timeout -k 1 30 "$BIN" run -C "127.0.0.1:$sport" --tls --tls-min 1.4 \
    "$tmp/rev.txt" >"$tmp/v14.out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q -- "--tls-min 1.4: not a TLS version" "$tmp/v14.out"
check $? "run --tls-min 1.4: refused, exit 2 (got $rc)"

# --- per-connection TLS details in the failure report ----------------------
cat >"$tmp/revbad.txt" <<'EOF'
name "tls rev wrong"
connections 2
timeout 3s
send "hello\n"
expect "hello\n"
EOF
for fmt in json text junit; do
	timeout -k 1 30 "$BIN" run -C "127.0.0.1:$sport" --tls --ca-file \
	    "$pki/ca.pem" --alpn h2 -f $fmt -o "$tmp/bad.$fmt" "$tmp/revbad.txt" \
	    >/dev/null 2>&1
	echo $? >"$tmp/bad.$fmt.rc"
done
$PYTHON - "$tmp/bad.json" <<'PY' >"$tmp/bad.why" 2>&1
import json, sys
r = json.load(open(sys.argv[1]))
t = r["tls"]
assert r["failed"] == 1, r
g = r["scenarios"][0]["failures"][0]
assert g["connection"] == 1 and g["count"] == 2, g
x = g["tls"]
assert x["handshake_done"] is True and x["version"] == "TLSv1.3", x
assert x["alpn"] == "h2" and x["peer_subject"] == "CN=localhost", x
assert x["peer_issuer"] == "CN=sockbench test CA", x
assert x["verified"] is True and x["resumed"] is False, x
assert isinstance(x["handshake_us"], int) and 0 < x["handshake_us"] < 5e6, x
c = t["connections"]
assert len(c) == 2 and t["connections_not_kept"] == 0, t
assert sorted(k["id"] for k in c) == [1, 2], c
assert all(k["failed"] is True and k["handshake_done"] is True and
           k["version"] == "TLSv1.3" and k["cipher"] and
           k["peer_issuer"] == "CN=sockbench test CA" for k in c), c
PY
rc=$?
[ "$(cat "$tmp/bad.json.rc")" = 1 ]
check $(( $? + rc )) "a failing TLS run's JSON: the failure's example connection and every connection with version, ALPN, peer, handshake_us, resumed"
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/bad.why"
grep -q '^        tls: connection 1: TLSv1.3 .*, alpn h2, full handshake [0-9]* us, peer CN=localhost, issuer CN=sockbench test CA, expires .* UTC, verified$' "$tmp/bad.text"
check $? "the text failure report gives the example connection's TLS details"
grep -q '<property name="tls.connection.1" value="TLSv1.3 .*alpn h2, full handshake' "$tmp/bad.junit" &&
    grep -q '<property name="tls.peer_issuer" value="CN=sockbench test CA"/>' "$tmp/bad.junit"
check $? "JUnit: the TLS details as properties (the run's and the failing connection's)"

# --- a server that requires a client certificate ---------------------------
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=sockbench client" -keyout "$pki/cli.key" -out "$pki/cli.csr" \
    >/dev/null 2>&1
openssl x509 -req -in "$pki/cli.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
    -CAcreateserial -days 2 -out "$pki/cli.pem" >/dev/null 2>&1
cport=$(free_port)
openssl s_server -accept "127.0.0.1:$cport" -cert "$pki/srv.pem" \
    -key "$pki/srv.key" -rev -Verify 1 -CAfile "$pki/ca.pem" \
    -verify_return_error <"$tmp/sin" >"$tmp/s_server2.out" 2>&1 &
pids="$pids $!"
wait_port "$cport"
timeout -k 1 30 "$BIN" run -C "127.0.0.1:$cport" --tls --ca-file "$pki/ca.pem" \
    --cert "$pki/cli.pem" --key "$pki/cli.key" "$tmp/rev.txt" \
    >"$tmp/ccert.out" 2>&1
rc=$?
check $rc "run --cert/--key against s_server -Verify 1 passes (exit $rc)"
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/ccert.out"
timeout -k 1 30 "$BIN" run -C "127.0.0.1:$cport" --tls --ca-file "$pki/ca.pem" \
    "$tmp/rev.txt" >"$tmp/nocert.out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "tls: " "$tmp/nocert.out"
check $? "without a client certificate it fails with a tls: reason (exit $rc)"
[ $rc -eq 1 ] || sed 's/^/# /' "$tmp/nocert.out"

timeout -k 1 30 "$BIN" run -C "127.0.0.1:$sport" "$tmp/rev.txt" \
    >"$tmp/plain.out" 2>&1
[ $? -eq 1 ]
check $? "plain text to a TLS port fails (exit 1)"

# --- nginx with TLS ---------------------------------------------------------
if command -v nginx >/dev/null 2>&1; then
	nport=$(free_port)
	n="$tmp/nginx"
	mkdir -p "$n/www" "$n/tmp"
	printf 'hello over tls\n' >"$n/www/index.html"
	cat >"$n/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $n/nginx.pid;
error_log $n/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $n/tmp/body;
    proxy_temp_path $n/tmp/proxy;
    fastcgi_temp_path $n/tmp/fastcgi;
    uwsgi_temp_path $n/tmp/uwsgi;
    scgi_temp_path $n/tmp/scgi;
    default_type text/plain;
    server {
        listen 127.0.0.1:$nport ssl;
        ssl_certificate $pki/srv.pem;
        ssl_certificate_key $pki/srv.key;
        root $n/www;
    }
}
EOF
	nginx -p "$n" -c "$n/nginx.conf" -e "$n/error.log" >"$n/stdout" 2>&1 &
	npid=$!
	pids="$pids $npid"
	wait_port "$nport"
	check $? "nginx listens with TLS on 127.0.0.1:$nport"
	cat >"$tmp/https.txt" <<'EOF'
name "https get"
codec http
timeout 3s
send request GET "/index.html"
expect "hello over tls\n" header {"content-length": "15"}
EOF
	timeout -k 1 30 "$BIN" run -C "localhost:$nport" --tls \
	    --ca-file "$pki/ca.pem" "$tmp/https.txt" >"$tmp/https.out" 2>&1
	rc=$?
	check $rc "run --tls GET against nginx passes (SNI localhost) (exit $rc)"
	[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/https.out"
fi

# --- serve --tls: a self-signed certificate made at start ------------------
serve tlsserve --tls || check 1 "serve --tls starts"
fpr=$(sed -n 's/^sockbench: TLS with a self-signed certificate for localhost, 127.0.0.1 and ::1, SHA-256 fingerprint \([0-9A-F:]*\)$/\1/p' "$tmp/tlsserve.out")
[ ${#fpr} -eq 95 ]
check $? "serve --tls prints its self-signed certificate's SHA-256 fingerprint"
printf 'hi over tls\n' | timeout 5 openssl s_client -connect "127.0.0.1:$port" \
    -servername localhost -quiet -ign_eof >"$tmp/sc.out" 2>"$tmp/sc.err"
[ "$(cat "$tmp/sc.out")" = "hi over tls" ]
check $? "openssl s_client gets its line echoed by serve --tls"
echo | timeout 5 openssl s_client -connect "127.0.0.1:$port" 2>/dev/null |
    openssl x509 -noout -fingerprint -sha256 >"$tmp/fpr" 2>&1
grep -q "=$fpr\$" "$tmp/fpr"
check $? "the fingerprint printed is the one s_client sees"
cat >"$tmp/ping.txt" <<'EOF'
name "tls to serve"
timeout 3s
send "ping\n"
expect "ping\n"
EOF
timeout -k 1 30 "$BIN" run -C "127.0.0.1:$port" --tls --insecure "$tmp/ping.txt" \
    >"$tmp/ping.out" 2>&1
rc=$?
check $rc "run --tls --insecure against serve --tls passes (exit $rc)"
timeout -k 1 30 "$BIN" run -C "127.0.0.1:$port" --tls "$tmp/ping.txt" \
    >"$tmp/ping2.out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q 'tls: certificate verify failed: self-signed certificate' "$tmp/ping2.out"
check $? "run --tls (verifying) against the self-signed serve: exit 1, self-signed certificate (exit $rc)"
timeout -k 1 30 "$BIN" run -C "127.0.0.1:$port" "$tmp/ping.txt" \
    >"$tmp/ping3.out" 2>&1
sleep 0.2
grep -q '^conn [0-9]*: 127.0.0.1:[0-9]* failed: tls: ' "$tmp/tlsserve.err"
check $? "serve --tls fails a plain-text client with OpenSSL's reason in its log"

# --- serve --tls --cert/--key: verified against the test CA ---------------
serve tlscert --tls --cert "$pki/srv.pem" --key "$pki/srv.key" ||
    check 1 "serve --tls --cert --key starts"
grep -q "^sockbench: TLS with $pki/srv.pem, SHA-256 fingerprint " "$tmp/tlscert.out"
check $? "serve --tls --cert names the certificate it serves"
timeout -k 1 30 "$BIN" run -C "127.0.0.1:$port" --tls --ca-file "$pki/ca.pem" \
    -f json -o "$tmp/cert.json" "$tmp/ping.txt" >"$tmp/cert.out" 2>&1
rc=$?
check $rc "run --tls --ca-file against serve --tls --cert passes, verified (exit $rc)"
$PYTHON -c 'import json,sys; t=json.load(open(sys.argv[1]))["tls"]; assert t["verified"] and t["peer_issuer"] == "CN=sockbench test CA", t' \
    "$tmp/cert.json"
check $? "its report names the test CA as the issuer"
timeout -k 1 30 "$BIN" bench -C "localhost:$port" --tls --ca-file "$pki/ca.pem" \
    -c 4 -d 1 -q -f json >"$tmp/bench.json" 2>"$tmp/bench.err"
rc=$?
check $rc "bench --tls --ca-file against serve --tls --cert (exit $rc)"
$PYTHON - "$tmp/bench.json" <<'PY' >"$tmp/bench.why" 2>&1
import json, sys
r = json.load(open(sys.argv[1]))
t = r["tls"]
assert t["insecure"] is False and t["resume"] is False, t
assert t["full"] == 4 and t["resumed"] == 0 and t["handshakes"] == 4, t
assert "churn" not in r, r
assert r["connected"] == 4 and sum(r["errors"].values()) == 0, r
assert r["requests"] > 0 and r["lost"] == 0, r
h = r["handshake_us"]
assert h["count"] == 4 and 0 < h["p50"] <= h["max"] < 10e6, h
PY
rc=$?
check $rc "its JSON: 4 connected over TLS, verified, 4 handshake times, replies and no errors"
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/bench.why"
# --- bench --tls-resume and --conn-requests (connection churn) ------------
timeout -k 1 30 "$BIN" bench -C "localhost:$port" --tls-resume --ca-file \
    "$pki/ca.pem" -c 4 -d 1 -q --conn-requests 3 -f json \
    >"$tmp/resume.json" 2>"$tmp/resume.err"
rc=$?
check $rc "bench --tls-resume --conn-requests 3 against serve --tls --cert (exit $rc)"
$PYTHON - "$tmp/resume.json" <<'PY' >"$tmp/resume.why" 2>&1
import json, sys
r = json.load(open(sys.argv[1]))
t = r["tls"]
assert t["resume"] is True and t["insecure"] is False, t
assert t["handshakes"] == t["full"] + t["resumed"], t
# every connection established handshook once: firsts and reopens
assert t["handshakes"] == r["connected"] + r["reopened"], (t, r["reopened"])
assert t["full"] >= 1 and t["resumed"] > t["full"], t
# one ticket per new connection (RFC 8446 C.4): concurrent reconnects
# each resume, none falls back to a full handshake for lack of one
assert t["resumed"] >= 0.8 * t["handshakes"], t
assert r["handshake_us"]["count"] == t["handshakes"], r["handshake_us"]
assert 0 < t["in_window"] <= t["handshakes"], t
assert abs(t["handshakes_per_second"] - t["in_window"] / r["seconds"]) < 0.2, t
c = r["churn"]
assert c["conn_requests"] == 3 and c["closed"] >= r["reopened"], (c, r)
# each churned connection answered exactly 3 requests
assert r["answered"] >= 3 * c["closed"], r
assert sum(r["errors"].values()) == 0 and r["lost"] == 0, r
PY
rc=$?
check $rc "its JSON: full and resumed handshakes add up to the connections opened, handshakes/s in the window, churn closes"
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/resume.why"
timeout -k 1 30 "$BIN" bench -C "localhost:$port" --tls --ca-file \
    "$pki/ca.pem" -c 2 -d 1 -q --conn-requests 3 >"$tmp/noresume.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q '^handshakes  [0-9]*: full [0-9]*, resumed 0 (0.0%, --tls-resume off), [0-9]* in the window = [0-9.]*/s$' "$tmp/noresume.out" &&
    grep -q '^churn       [0-9]* connections closed after 3 requests each and reopened$' "$tmp/noresume.out"
check $? "without --tls-resume every handshake is full; the text report's handshakes and churn lines (exit $rc)"
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/noresume.out"
timeout -k 1 30 "$BIN" bench -C "127.0.0.1:$sport" --tls-resume --ca-file \
    "$pki/ca.pem" -c 1 -d 1 -q --conn-requests 2 -m 'hello\n' -f json \
    >"$tmp/sresume.json" 2>"$tmp/sresume.err"
rc=$?
[ $rc -eq 0 ] && $PYTHON -c 'import json,sys; r=json.load(open(sys.argv[1])); t=r["tls"]; assert t["full"] >= 1 and t["resumed"] >= 1 and t["handshakes"] == r["connected"] + r["reopened"], t' "$tmp/sresume.json"
check $? "bench --tls-resume against openssl s_server: its tickets resume (exit $rc)"
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/sresume.err"
timeout -k 1 30 "$BIN" bench --tls-resume -c 4 -d 1 -q --workers 2 \
    --conn-requests 4 -f json >"$tmp/wresume.json" 2>&1
rc=$?
[ $rc -eq 0 ] && $PYTHON -c 'import json,sys; r=json.load(open(sys.argv[1])); t=r["tls"]; assert r["workers"] == 2 and t["full"] >= 2 and t["resumed"] >= 1 and t["handshakes"] == r["connected"] + r["reopened"] == r["handshake_us"]["count"], t' "$tmp/wresume.json"
check $? "bench --tls-resume --workers 2 (embedded): the counts merged over workers (exit $rc)"
timeout -k 1 30 "$BIN" bench -c 2 -d 1 -q --conn-requests 2 -f json \
    >"$tmp/churn.json" 2>&1
rc=$?
[ $rc -eq 0 ] && $PYTHON -c 'import json,sys; r=json.load(open(sys.argv[1])); c=r["churn"]; assert "tls" not in r and c["closed"] > 0 and r["reopened"] >= c["closed"] - 2 and r["answered"] >= 2 * c["closed"] and sum(r["errors"].values()) == 0, r' "$tmp/churn.json"
check $? "bench --conn-requests 2 without TLS: connections churn, no errors (exit $rc)"
timeout -k 1 30 "$BIN" bench -C "localhost:$port" --ca-file "$pki/ca.pem" \
    -c 2 -d 1 -q -f json >"$tmp/impl.json" 2>&1
rc=$?
[ $rc -eq 0 ] && $PYTHON -c 'import json,sys; r=json.load(open(sys.argv[1])); t=r["tls"]; assert t["full"] == 2 and r["requests"] > 0 and sum(r["errors"].values()) == 0, r' "$tmp/impl.json"
check $? "bench --ca-file without --tls speaks TLS (any TLS option implies it) (exit $rc)"
timeout -k 1 10 "$BIN" bench --conn-requests 0 -d 1 -q >"$tmp/cr0.out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q -- "--conn-requests '0': expected 1-1000000000" "$tmp/cr0.out"
check $? "bench --conn-requests 0 is refused (exit $rc)"

timeout -k 1 30 "$BIN" bench -C "127.0.0.1:$port" --tls -c 2 -d 1 -q \
    >"$tmp/bench2.out" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q 'certificate verify failed: unable to get local issuer certificate' "$tmp/bench2.out"
check $? "bench --tls without the CA: fails with the verify reason (exit $rc)"
[ $rc -ne 0 ] || sed 's/^/# /' "$tmp/bench2.out"
timeout -k 1 30 "$BIN" bench --tls -c 4 -d 1 -q --workers 2 >"$tmp/bench3.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q '^tls         verified' "$tmp/bench3.out" &&
    grep -q '^handshake    p50 .* p99.9 .*(mean ' "$tmp/bench3.out"
check $? "bench --tls --workers 2 with the embedded server: handshake percentiles merged (exit $rc)"
"$BIN" serve --tls --cert "$pki/srv.pem" --key "$pki/ca.key" -l 127.0.0.1:0 \
    >"$tmp/badkey.out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q -- "--key $pki/ca.key: key values mismatch" "$tmp/badkey.out" &&
    ! grep -q "PRIVATE KEY" "$tmp/badkey.out"
check $? "serve --tls with the wrong key: exit 2, OpenSSL's reason, no key bytes (exit $rc)"

# --- run --tls with the embedded server ------------------------------------
cat >"$tmp/emb.txt" <<'EOF'
name "tls embedded"
service echo
timeout 3s
send "x\n"
expect "x\n"
EOF
timeout -k 1 30 "$BIN" run --tls "$tmp/emb.txt" >"$tmp/emb.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q '^tls: peer CN=localhost,O=sockbench self-signed, .*, verified$' "$tmp/emb.out"
check $? "run --tls with the embedded server: TLS both ends, verified (exit $rc)"

# --- the `tls` scenario setting ---------------------------------------------
timeout -k 1 30 "$BIN" run -f json -o "$tmp/setting.json" \
    scenarios/examples/tls.txt "$tmp/emb.txt" >"$tmp/setting.out" 2>&1
rc=$?
check $rc "a scenario saying tls and one that does not, in one run (exit $rc)"
$PYTHON -c 'import json,sys; t=json.load(open(sys.argv[1]))["tls"]; assert t["handshakes"] == 1 and t["verified"], t' \
    "$tmp/setting.json"
check $? "only the one saying tls handshakes (1 handshake, verified)"
timeout -k 1 30 "$BIN" run -j 2 scenarios/examples/tls.txt "$tmp/emb.txt" \
    >"$tmp/mixed.out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "says tls and .* does not: with --jobs 2" "$tmp/mixed.out"
check $? "with -j 2 the mix is refused, exit 2 (got $rc)"
timeout -k 1 30 "$BIN" run -C "127.0.0.1:$sport" "$tmp/rev.txt" \
    --ca-file "$pki/ca.pem" >"$tmp/rev2.out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q -- "--ca-file: nothing in this run speaks TLS" "$tmp/rev2.out"
check $? "run --ca-file with nothing speaking TLS: refused, exit 2 (got $rc)"
printf 'tls\ntls\n' >"$tmp/dup.txt"
"$BIN" check "$tmp/dup.txt" >"$tmp/dup.out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "dup.txt:2:1: expected one 'tls' line, got a second" "$tmp/dup.out"
check $? "check refuses a second tls line with its place (exit $rc)"

# --- STARTTLS: aiosmtpd with the test certificate --------------------------
if $PYTHON -c 'import aiosmtpd' 2>/dev/null; then
	mport=$(free_port)
	$PYTHON -u -m aiosmtpd -n -l "127.0.0.1:$mport" --tlscert "$pki/srv.pem" \
	    --tlskey "$pki/srv.key" >"$tmp/smtp.out" 2>&1 &
	pids="$pids $!"
	wait_port "$mport"
	check $? "aiosmtpd with STARTTLS listens on 127.0.0.1:$mport"
	st=scenarios/examples/servers/smtp-starttls.txt
	timeout -k 1 30 "$BIN" run -C "localhost:$mport" --ca-file "$pki/ca.pem" \
	    -f json -o "$tmp/st.json" "$st" >"$tmp/st.out" 2>&1
	rc=$?
	check $rc "$st passes: plain text, starttls, the rest encrypted (exit $rc)"
	[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/st.out"
	$PYTHON -c 'import json,sys; r=json.load(open(sys.argv[1])); t=r["tls"]; s=r["scenarios"][0]; assert t["handshakes"] == 1 and t["verified"] and t["peer_issuer"] == "CN=sockbench test CA" and s["expects"] == 6, (t, s["expects"])' \
	    "$tmp/st.json"
	check $? "its report: 1 handshake after the go-ahead, verified, 6 expects"
	timeout -k 1 30 "$BIN" run -C "localhost:$mport" "$st" >"$tmp/st2.out" 2>&1
	rc=$?
	[ $rc -eq 1 ] && grep -q "smtp-starttls.txt:19: connection 1: connection failed: tls: certificate verify failed: unable to get local issuer certificate" "$tmp/st2.out"
	check $? "without --ca-file: exit 1 at the first step after starttls, with the verify reason (got $rc)"
	[ $rc -eq 1 ] || sed 's/^/# /' "$tmp/st2.out"
else
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - # skip python3-aiosmtpd is not installed"
fi

# --- serve --client-ca: client certificates asked for and verified --------
cat >"$tmp/echo1.txt" <<'EOF'
name "tls echo"
timeout 3s
send "ping\n"
expect "ping\n"
EOF
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 2 -subj "/CN=stranger" -keyout "$pki/other.key" \
    -out "$pki/other.pem" >/dev/null 2>&1
serve ccreq --cert "$pki/srv.pem" --key "$pki/srv.key" --client-ca "$pki/ca.pem" ||
    check 1 "serve --client-ca starts"
timeout -k 1 30 "$BIN" run -C "localhost:$port" --tls --ca-file "$pki/ca.pem" \
    --cert "$pki/cli.pem" --key "$pki/cli.key" "$tmp/echo1.txt" \
    >"$tmp/ccreq1.out" 2>&1
rc=$?
sleep 0.2
[ $rc -eq 0 ] && grep -q '^conn 1: tls TLSv1.3 .*, full handshake [0-9]* us, peer CN=sockbench client, issuer CN=sockbench test CA, expires .* UTC, verified$' "$tmp/ccreq.err"
check $? "serve --client-ca (required): a certificate of the CA passes, the log names it, verified (exit $rc)"
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/ccreq1.out" "$tmp/ccreq.err"
timeout -k 1 30 "$BIN" run -C "localhost:$port" --tls --ca-file "$pki/ca.pem" \
    "$tmp/echo1.txt" >"$tmp/ccreq2.out" 2>&1
rc=$?
sleep 0.2
[ $rc -eq 1 ] && grep -q "tls: tlsv13 alert certificate required" "$tmp/ccreq2.out" &&
    grep -q '^conn 2: .* failed: tls: peer did not return a certificate' "$tmp/ccreq.err"
check $? "without a client certificate: refused, both sides say why (the client reads the server's alert) (exit $rc)"
[ $rc -eq 1 ] || sed 's/^/# /' "$tmp/ccreq2.out" "$tmp/ccreq.err"
timeout -k 1 30 "$BIN" run -C "localhost:$port" --tls --ca-file "$pki/ca.pem" \
    --cert "$pki/other.pem" --key "$pki/other.key" "$tmp/echo1.txt" \
    >"$tmp/ccreq3.out" 2>&1
rc=$?
sleep 0.2
[ $rc -eq 1 ] && grep -q '^conn 3: .* failed: tls: certificate verify failed: self-signed certificate' "$tmp/ccreq.err"
check $? "a certificate of another CA: the server fails it with the verify reason (exit $rc)"
[ $rc -eq 1 ] || sed 's/^/# /' "$tmp/ccreq3.out" "$tmp/ccreq.err"
serve ccopt --cert "$pki/srv.pem" --key "$pki/srv.key" --client-ca "$pki/ca.pem" \
    --client-cert optional || check 1 "serve --client-cert optional starts"
timeout -k 1 30 "$BIN" run -C "localhost:$port" --tls --ca-file "$pki/ca.pem" \
    "$tmp/echo1.txt" >"$tmp/ccopt1.out" 2>&1
rc1=$?
timeout -k 1 30 "$BIN" run -C "localhost:$port" --tls --ca-file "$pki/ca.pem" \
    --cert "$pki/cli.pem" --key "$pki/cli.key" "$tmp/echo1.txt" \
    >"$tmp/ccopt2.out" 2>&1
rc2=$?
sleep 0.2
[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] &&
    grep -q '^conn 1: tls TLSv1.3 .*, peer (no certificate), issuer -, expires -$' "$tmp/ccopt.err" &&
    grep -q '^conn 2: tls TLSv1.3 .*, peer CN=sockbench client, .*, verified$' "$tmp/ccopt.err"
check $? "--client-cert optional: without one passes (logged as none), with one it is verified (exit $rc1 $rc2)"
timeout -k 1 10 "$BIN" serve --client-cert optional -l 127.0.0.1:0 >"$tmp/cc0.out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q -- "--client-cert needs --client-ca FILE" "$tmp/cc0.out"
check $? "--client-cert without --client-ca: exit 2 (got $rc)"
timeout -k 1 10 "$BIN" serve --client-ca "$pki/ca.pem" --client-cert maybe -l 127.0.0.1:0 >"$tmp/cc1.out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q -- "--client-cert 'maybe': expected optional or require" "$tmp/cc1.out"
check $? "--client-cert maybe: exit 2 (got $rc)"
timeout -k 1 10 "$BIN" serve --client-ca /nonexistent.pem -l 127.0.0.1:0 >"$tmp/cc2.out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q -- "--client-ca /nonexistent.pem: " "$tmp/cc2.out"
check $? "--client-ca of a missing file: exit 2 with OpenSSL's reason (got $rc)"

# --- starttls on the server side (accept blocks) ----------------------------
cat >"$tmp/smtpmock.txt" <<'EOF'
name "smtp mock with STARTTLS"
codec line
timeout 5s
accept 1
  send "220 mock.test ESMTP"
  expect regex "^EHLO "
  send "250-mock.test"
  send "250 STARTTLS"
  expect regex "^STARTTLS"
  send "220 go ahead"
  starttls
  expect regex "^EHLO "
  send "250 mock.test"
  expect regex "^QUIT"
  send "221 bye"
end
EOF
: >"$tmp/mock.out"
"$BIN" serve --scenario "$tmp/smtpmock.txt" --once -l 127.0.0.1:0 \
    >"$tmp/mock.out" 2>"$tmp/mock.err" &
mpid=$!
pids="$pids $mpid"
i=0
while [ $i -lt 100 ] && ! grep -q ' on 127.0.0.1:' "$tmp/mock.out"; do
	sleep 0.05; i=$((i + 1))
done
mport=$(sed -n 's/.* on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/mock.out")
grep -q '^sockbench: starttls with a self-signed certificate for localhost, 127.0.0.1 and ::1, SHA-256 fingerprint ' "$tmp/mock.out"
check $? "serve --scenario with a starttls step in its accept block makes a certificate for it"
(printf 'EHLO again.test\r\n'; sleep 1; printf 'QUIT\r\n'; sleep 1) |
    timeout -k 1 20 openssl s_client -starttls smtp -connect "127.0.0.1:$mport" \
    -quiet >"$tmp/sclient.out" 2>&1
wait $mpid
rc=$?
grep -q '^PASS connection 1$' "$tmp/mock.out" && [ $rc -eq 0 ] &&
    grep -q '^250 mock.test' "$tmp/sclient.out" && grep -q '^221 bye' "$tmp/sclient.out" &&
    grep -q '^conn 1: tls TLSv1.3 ' "$tmp/mock.err"
check $? "openssl s_client -starttls smtp against it: the upgrade, EHLO and QUIT over TLS, PASS (exit $rc)"
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/mock.out" "$tmp/sclient.out" "$tmp/mock.err"
cat >"$tmp/both.txt" <<'EOF'
name "starttls on both sides"
codec line
timeout 3s
accept
  send "220 mock.test ESMTP"
  expect "STARTTLS"
  send "220 go ahead"
  starttls
  expect "EHLO client.test"
  send "250 mock.test"
end
expect "220 mock.test ESMTP"
send "STARTTLS"
expect "220 go ahead"
starttls
send "EHLO client.test"
expect "250 mock.test"
EOF
timeout -k 1 30 "$BIN" run -f json -o "$tmp/both.json" "$tmp/both.txt" \
    >"$tmp/both.out" 2>&1
rc=$?
[ $rc -eq 0 ] && $PYTHON -c 'import json,sys; r=json.load(open(sys.argv[1])); t=r["tls"]; assert r["passed"] == 1 and t["handshakes"] == 1 and t["verified"] and t["connections"][0]["handshake_done"], t' "$tmp/both.json"
check $? "run: sockbench's client starttls against its own server-side starttls, verified (exit $rc)"
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/both.out"

# --- redis-server behind its own TLS port (tls-port) ------------------------
if command -v redis-server >/dev/null 2>&1; then
	rport=$(free_port)
	redis-server --port 0 --tls-port "$rport" --bind 127.0.0.1 \
	    --tls-cert-file "$pki/srv.pem" --tls-key-file "$pki/srv.key" \
	    --tls-ca-cert-file "$pki/ca.pem" --tls-auth-clients optional \
	    --save '' --appendonly no --dir "$tmp" >"$tmp/redis.out" 2>&1 &
	pids="$pids $!"
	wait_port "$rport"
	check $? "redis-server with tls-port listens on 127.0.0.1:$rport"
	rs=scenarios/examples/servers/redis-resp2.txt
	timeout -k 1 30 "$BIN" run -C "127.0.0.1:$rport" --tls --sni localhost \
	    --ca-file "$pki/ca.pem" -f json -o "$tmp/redis.json" "$rs" \
	    >"$tmp/redis.run" 2>&1
	rc=$?
	[ $rc -eq 0 ] && $PYTHON -c 'import json,sys; r=json.load(open(sys.argv[1])); t=r["tls"]; s=r["scenarios"][0]; assert r["passed"] == 1 and t["handshakes"] == 2 and t["verified"] and t["peer_issuer"] == "CN=sockbench test CA" and s["expects"] == 26, (t, s["expects"])' "$tmp/redis.json"
	check $? "run --tls $rs against redis's TLS port: RESP over TLS, 2 verified handshakes, 26 expects (exit $rc)"
	[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/redis.run"
	timeout -k 1 30 "$BIN" run -C "127.0.0.1:$rport" --tls --sni localhost \
	    --ca-file "$pki/ca.pem" --cert "$pki/cli.pem" --key "$pki/cli.key" \
	    "$rs" >"$tmp/redis2.run" 2>&1
	check $? "the same with a client certificate of the CA (redis tls-auth-clients optional)"
	timeout -k 1 30 "$BIN" run -C "127.0.0.1:$rport" "$rs" \
	    >"$tmp/redis3.run" 2>&1
	rc=$?
	[ $rc -eq 1 ]
	check $? "plain RESP to redis's TLS port fails (exit $rc)"
	timeout -k 1 30 "$BIN" bench -C "127.0.0.1:$rport" --tls-resume --sni localhost \
	    --ca-file "$pki/ca.pem" -c 2 -d 1 -q --codec resp -m 'PING' \
	    --conn-requests 5 -f json >"$tmp/redisb.json" 2>"$tmp/redisb.err"
	rc=$?
	[ $rc -eq 0 ] && $PYTHON -c 'import json,sys; r=json.load(open(sys.argv[1])); t=r["tls"]; assert r["requests"] > 0 and t["resumed"] >= 1 and t["handshakes"] == r["connected"] + r["reopened"], t' "$tmp/redisb.json"
	check $? "bench --tls-resume --codec resp against redis: PINGs over churned, resumed TLS connections (exit $rc)"
	[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/redisb.err"
else
	tap_n=$((tap_n + 1))
	echo "not ok $tap_n - redis-server is not installed (scripts/deps.sh test installs it)"
fi
