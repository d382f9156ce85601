#!/bin/sh
# sockbench proxy (issue 18): bytes relayed unchanged; FIN and RST passed on
# both ways; an upstream connect failure closes the client with a logged
# reason; memory bounded by --max-buffer with a client that does not read;
# every fault (latency, bandwidth, slicer, merger, limit_data, timeout,
# reset_peer, blackhole, half_close, corrupt, toxicity) on loopback; the
# control socket adds, lists and removes faults live; --log text and JSON
# lines; the summary at SIGTERM; recordings that replay against the seed
# app server and redis-server both ways (client scenario with run
# --connect, server scenario with serve --scenario). Prints TAP lines.
. tests/integration_lib.sh

# The test peer: a server or a client that does one thing and prints what
# it saw as one line (python3, blocking sockets with timeouts).
cat >"$tmp/peer.py" <<'EOF'
import os, socket, struct, sys, time
mode = sys.argv[1]
def conn(port):
    s = socket.create_connection(("127.0.0.1", int(port)), 3)
    s.settimeout(5)
    return s
def readall(s, limit=10**8):
    d = b""
    try:
        while len(d) < limit:
            x = s.recv(65536)
            if not x:
                return d, "eof"
            d += x
    except ConnectionResetError:
        return d, "reset"
    except socket.timeout:
        return d, "timeout"
    return d, "limit"
def listen():
    l = socket.socket()
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("127.0.0.1", 0))
    l.listen(8)
    print(l.getsockname()[1], flush=True)
    return l
if mode == "server":
    # server ACTION: one connection; writes what it saw to argv[2]
    l = listen()
    act = sys.argv[3]
    c, _ = l.accept()
    c.settimeout(5)
    out = open(sys.argv[2], "w")
    if act == "fin-then-reply":      # read to EOF, answer, close
        d, how = readall(c)
        c.sendall(b"bye:" + d)
        c.close()
        out.write("%s %d\n" % (how, len(d)))
    elif act == "send-fin-read":     # send, FIN, then read what comes
        c.sendall(b"hello")
        c.shutdown(socket.SHUT_WR)
        d, how = readall(c)
        out.write("%s %s\n" % (how, d.decode()))
    elif act == "rst":               # read a line, then reset
        c.recv(100)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
        c.close()
        out.write("rst-sent\n")
    elif act == "read":              # read to EOF or reset
        d, how = readall(c)
        out.write("%s %d %s\n" % (how, len(d), d[:64].decode(errors="replace")))
    elif act == "chunks":            # sizes of each recv, to EOF
        sizes = []
        try:
            while True:
                x = c.recv(65536)
                if not x: break
                sizes.append(len(x))
        except Exception:
            pass
        out.write("%s\n" % ",".join(map(str, sizes)))
    elif act == "flood":             # write until blocked for 2 s
        c.settimeout(2)
        n = 0
        blk = b"x" * 65536
        try:
            while n < 200 * 2**20:
                n += c.send(blk)
        except Exception:
            pass
        out.write("%d\n" % n)
        out.flush()
        time.sleep(1)
    elif act.startswith("send:"):    # send N bytes, then read to EOF
        c.sendall(b"y" * int(act[5:]))
        d, how = readall(c)
        out.write("%s %d\n" % (how, len(d)))
    out.close()
elif mode == "fin":                  # client: send, FIN, read to EOF
    s = conn(sys.argv[2])
    s.sendall(b"ping")
    s.shutdown(socket.SHUT_WR)
    d, how = readall(s)
    print(how, d.decode())
elif mode == "late":                 # client: read to FIN, then send
    s = conn(sys.argv[2])
    d, how = readall(s)
    s.sendall(b"late")
    time.sleep(0.3)
    s.close()
    print(how, d.decode())
elif mode == "rst":                  # client: send a line, reset
    s = conn(sys.argv[2])
    s.sendall(b"x\n")
    time.sleep(0.3)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print("rst-sent")
elif mode == "recv":                 # client: send a line, read to the end
    s = conn(sys.argv[2])
    s.sendall(b"x\n")
    t0 = time.time()
    d, how = readall(s)
    print(how, len(d), "%.3f" % (time.time() - t0))
elif mode == "echo":                 # client: send bytes, time the echo
    s = conn(sys.argv[2])
    data = sys.argv[3].encode()
    t0 = time.time()
    s.sendall(data)
    d = b""
    while len(d) < len(data):
        x = s.recv(65536)
        if not x: break
        d += x
    print("%.3f" % (time.time() - t0), d.hex())
elif mode == "pieces":               # client: N writes of 2 bytes, gap ms
    s = conn(sys.argv[2])
    for i in range(int(sys.argv[3])):
        s.sendall(b"%02d" % i)
        time.sleep(int(sys.argv[4]) / 1000)
    time.sleep(0.2)
    s.shutdown(socket.SHUT_WR)
    readall(s)
    print("sent")
elif mode == "blob":                 # client: send a file, read the echo
    s = conn(sys.argv[2])
    data = open(sys.argv[3], "rb").read()
    import threading
    t = threading.Thread(target=lambda: (s.sendall(data), s.shutdown(socket.SHUT_WR)))
    t.start()
    d, how = readall(s)
    t.join()
    print(how, "same" if d == data else "differ %d %d" % (len(d), len(data)))
elif mode == "idle":                 # client: connect, never read
    s = conn(sys.argv[2])
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    time.sleep(float(sys.argv[3]))
    print("done")
elif mode == "ctl":                  # control socket: one command
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[2])
    s.settimeout(3)
    s.sendall(sys.argv[3].encode() + b"\n")
    d = b""
    while not (d.endswith(b"\n") and (d.split(b"\n")[-2].startswith(b"ok") or d.split(b"\n")[-2].startswith(b"error"))):
        x = s.recv(4096)
        if not x: break
        d += x
    sys.stdout.write(d.decode())
EOF

# pserver NAME ACTION: start a peer server; sets $sport.
pserver() {
	: >"$tmp/$1.port"
	$PYTHON "$tmp/peer.py" server "$tmp/$1.seen" "$2" >"$tmp/$1.port" &
	pids="$pids $!"
	i=0
	while [ $i -lt 100 ]; do
		sport=$(head -1 "$tmp/$1.port")
		[ -n "$sport" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

. tests/proxy_lib.sh

# seen NAME: the line the peer server wrote, once it wrote it (5 s).
seen() {
	i=0
	while [ $i -lt 100 ] && [ ! -s "$tmp/$1.seen" ]; do
		sleep 0.05
		i=$((i + 1))
	done
	cat "$tmp/$1.seen" 2>/dev/null
}

peer() {
	timeout 20 $PYTHON "$tmp/peer.py" "$@"
}

# --- relay ---
serve echo
eport=$port
head -c 3000000 /dev/urandom >"$tmp/blob"
proxy relay "$eport"
out=$(peer blob "$pport" "$tmp/blob")
[ "$out" = "eof same" ]
check $? "3 MB of random bytes come back through the proxy unchanged ($out)"
stop "$ppid"
[ "$rc" -eq 0 ] && grep -q "^proxy: 1 connection (0 upstream connects failed), 3000000 bytes client>server, 3000000 bytes server>client" "$tmp/relay.pout"
check $? "SIGTERM ends the proxy with status 0 and a summary of bytes each way"

# --- Unix sockets on both sides ---
"$BIN" serve -q -l "unix:$tmp/echo.sock" >"$tmp/userve.out" 2>&1 &
pids="$pids $!"
i=0
while [ $i -lt 100 ] && [ ! -S "$tmp/echo.sock" ]; do sleep 0.05; i=$((i + 1)); done
: >"$tmp/unix.pout"
"$BIN" proxy -l "unix:$tmp/proxy.sock" -C "unix:$tmp/echo.sock" \
    >"$tmp/unix.pout" 2>"$tmp/unix.perr" &
ppid=$!
pids="$pids $ppid"
i=0
while [ $i -lt 100 ] && [ ! -S "$tmp/proxy.sock" ]; do sleep 0.05; i=$((i + 1)); done
out=$($PYTHON -c "
import socket
s=socket.socket(socket.AF_UNIX); s.connect('$tmp/proxy.sock'); s.settimeout(5)
s.sendall(b'over unix'); s.shutdown(socket.SHUT_WR)
d=b''
while True:
    x=s.recv(100)
    if not x: break
    d+=x
print(d.decode())")
[ "$out" = "over unix" ]
check $? "unix: addresses on both sides: bytes and the FIN pass ($out)"
stop "$ppid"

# --- FIN both ways ---
pserver fin1 fin-then-reply
proxy fin1 "$sport"
out=$(peer fin "$pport")
[ "$out" = "eof bye:ping" ] && [ "$(seen fin1)" = "eof 4" ]
check $? "client FIN reaches the server, which still answers through the proxy ($out)"
stop "$ppid"

pserver fin2 send-fin-read
proxy fin2 "$sport"
out=$(peer late "$pport")
[ "$out" = "eof hello" ] && [ "$(seen fin2)" = "eof late" ]
check $? "server FIN reaches the client, which still sends after it ($(seen fin2))"
stop "$ppid"

# --- RST both ways ---
pserver rst1 read
proxy rst1 "$sport"
peer rst "$pport" >/dev/null
[ "$(seen rst1)" = "reset 2 x" ]
check $? "a client reset reaches the server as a reset ($(seen rst1))"
stop "$ppid"
grep -q "reset: the client reset the connection: RST to the server" "$tmp/rst1.perr"
check $? "the client's reset is logged"

pserver rst2 rst
proxy rst2 "$sport"
out=$(peer recv "$pport")
case $out in "reset 0 "*) r=0 ;; *) r=1 ;; esac
check $r "a server reset reaches the client as a reset ($out)"
stop "$ppid"
grep -q "1 reset passed on" "$tmp/rst2.pout"
check $? "the summary counts the reset"

# --- upstream connect failure ---
dead=$(free_port)
proxy refused "$dead"
out=$(peer recv "$pport")
case $out in "eof 0 "*) r=0 ;; *) r=1 ;; esac
check $r "an upstream connect failure closes the client ($out)"
grep -q "upstream 127.0.0.1:$dead: connect: connection refused: closing the client" "$tmp/refused.perr"
check $? "the upstream failure is logged with its reason"
stop "$ppid"
grep -q "(1 upstream connect failed)" "$tmp/refused.pout"
check $? "the summary counts the failed upstream connect"

# A listener whose accept queue is full: a connect to it hangs (Linux
# drops the SYN), so --connect-timeout has to end it.
$PYTHON -c "
import socket,time
l=socket.socket(); l.bind(('127.0.0.1',0)); l.listen(0)
print(l.getsockname()[1], flush=True)
cs=[]
for i in range(4):
    c=socket.socket(); c.setblocking(False)
    try: c.connect(l.getsockname())
    except BlockingIOError: pass
    cs.append(c)
time.sleep(8)" >"$tmp/full.port" &
fpid=$!
pids="$pids $fpid"
i=0
while [ $i -lt 100 ] && [ ! -s "$tmp/full.port" ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.3
proxy full "$(head -1 "$tmp/full.port")" --connect-timeout 300ms
out=$(peer recv "$pport")
case $out in "eof 0 "*) t=${out##* }; awk -v t="$t" 'BEGIN { exit !(t >= 0.25 && t < 4) }'; r=$? ;; *) r=1 ;; esac
grep -q "connect timeout after 0.3s: closing the client" "$tmp/full.perr" && [ $r -eq 0 ]
check $? "--connect-timeout ends an upstream connect that hangs and closes the client ($out)"
stop "$ppid"
kill "$fpid" 2>/dev/null

# --- backpressure: a client that never reads ---
pserver flood flood
proxy flood "$sport" --max-buffer 1M
peer idle "$pport" 4 >/dev/null &
idle=$!
n=$(seen flood)
rss=$(sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$ppid/status")
wait $idle
[ -n "$n" ] && [ "$n" -lt 20000000 ] && [ "$rss" -lt 40000 ]
check $? "a client that does not read stops the server's writes: $n bytes taken, proxy RSS ${rss} KiB"
stop "$ppid"

# --- faults ---
proxy lat "$eport" --fault downstream:latency=300ms
out=$(peer echo "$pport" hello)
t=${out% *}
awk -v t="$t" 'BEGIN { exit !(t >= 0.29 && t < 3) }'
check $? "downstream:latency=300ms delays the echo by 300 ms ($t s)"
stop "$ppid"
grep -q "fault 1 downstream:latency=300ms: on 1 connection, fired 1 time" "$tmp/lat.pout"
check $? "the summary says how often the latency fault fired"

proxy lat0 "$eport" --fault downstream:latency=300ms,toxicity=0
out=$(peer echo "$pport" hello)
t=${out% *}
awk -v t="$t" 'BEGIN { exit !(t < 0.25) }'
check $? "toxicity=0 leaves the connection alone ($t s)"
stop "$ppid"

head -c 40000 /dev/zero | tr '\0' 'b' >"$tmp/40k"
proxy bw "$eport" --fault downstream:bandwidth=20k
t0=$(date +%s.%N)
out=$(peer blob "$pport" "$tmp/40k")
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 1.5 && b - a < 10) }'
r=$?
[ "$out" = "eof same" ] && [ $r -eq 0 ]
check $? "downstream:bandwidth=20k takes about 2 s for 40 KB, bytes intact ($out)"
stop "$ppid"

pserver sl chunks
proxy sl "$sport" --fault upstream:slicer=3,delay=60ms
$PYTHON -c "
import socket,time
s=socket.create_connection(('127.0.0.1',$pport)); s.sendall(b'abcdefghij'); time.sleep(0.6); s.close()" 2>/dev/null
out=$(seen sl)
stop "$ppid"
[ "$out" = "3,3,3,1" ]
check $? "upstream:slicer=3,delay=60ms cuts one write of 10 bytes into 3,3,3,1 ($out)"

pserver mg chunks
proxy mg "$sport" --fault upstream:merger=10,wait=2s
peer pieces "$pport" 5 50 >/dev/null
out=$(seen mg)
[ "$out" = "10" ]
check $? "upstream:merger=10 turns 5 writes of 2 bytes into one of 10 ($out)"
stop "$ppid"

pserver ld send:100
proxy ld "$sport" --fault downstream:limit_data=10
out=$(peer recv "$pport")
case $out in "eof 10 "*) r=0 ;; *) r=1 ;; esac
check $r "downstream:limit_data=10 passes exactly 10 bytes, then closes ($out)"
stop "$ppid"

proxy to "$eport" --fault downstream:timeout=300ms
out=$(peer recv "$pport")
case $out in "eof 0 "*) t=${out##* }; awk -v t="$t" 'BEGIN { exit !(t >= 0.28 && t < 3) }'; r=$? ;; *) r=1 ;; esac
check $r "downstream:timeout=300ms drops data and closes after 300 ms ($out)"
stop "$ppid"

pserver rp send:100
proxy rp "$sport" --fault downstream:reset_peer,bytes=5
out=$(peer recv "$pport")
case $out in "reset 5 "*) r=0 ;; *) r=1 ;; esac
check $r "downstream:reset_peer,bytes=5 gives the client 5 bytes, then RST ($out)"
stop "$ppid"

pserver rp2 read
proxy rp2 "$sport" --fault upstream:reset_peer=200ms
$PYTHON -c "
import socket,time
s=socket.create_connection(('127.0.0.1',$pport)); time.sleep(0.6); s.close()" 2>/dev/null
out=$(seen rp2)
case $out in "reset 0 "*) r=0 ;; *) r=1 ;; esac
check $r "upstream:reset_peer=200ms resets the server after 200 ms ($out)"
stop "$ppid"

pserver bh read
proxy bh "$sport" --fault upstream:blackhole
$PYTHON -c "
import socket,time
s=socket.create_connection(('127.0.0.1',$pport)); s.sendall(b'lost'); s.shutdown(socket.SHUT_WR); time.sleep(0.5); s.close()" 2>/dev/null
sleep 0.2
stop "$ppid"
out=$(seen bh)
case $out in "eof 0 "*) r=0 ;; *) r=1 ;; esac
check $r "upstream:blackhole: the server gets nothing, not even the FIN, until the proxy ends ($out)"

pserver hc read
proxy hc "$sport" --fault upstream:half_close=4
$PYTHON -c "
import socket,time
s=socket.create_connection(('127.0.0.1',$pport)); s.sendall(b'abcdefgh'); time.sleep(0.5); s.close()" 2>/dev/null
out=$(seen hc)
[ "$out" = "eof 4 abcd" ]
check $? "upstream:half_close=4 sends the server 4 bytes, then FIN ($out)"
stop "$ppid"

proxy cr "$eport" --fault downstream:corrupt=2
out=$(peer echo "$pport" abcdef)
[ "${out#* }" = "61629c646566" ]
check $? "downstream:corrupt=2 flips exactly byte 2 of the echo (${out#* })"
stop "$ppid"

"$BIN" proxy -C 127.0.0.1:1 --fault downstream:lag=1ms >/dev/null 2>"$tmp/bad.err"
[ $? -eq 2 ] && grep -q "unknown fault 'lag'" "$tmp/bad.err"
check $? "a bad --fault is a usage error naming the fault"

# --- control socket ---
sock="$tmp/ctl.sock"
proxy ctl "$eport" --control "unix:$sock"
out=$(peer ctl "$sock" "add downstream:latency=300ms")
[ "$out" = "ok 1" ]
check $? "control: add returns the fault's id ($out)"
out=$(peer echo "$pport" hi)
t=${out% *}
awk -v t="$t" 'BEGIN { exit !(t >= 0.29) }'
check $? "control: the added latency applies to new connections ($t s)"
out=$(peer ctl "$sock" "list" | tr '\n' '|')
[ "$out" = "1 downstream:latency=300ms|ok|" ]
check $? "control: list shows it ($out)"
out=$(peer ctl "$sock" "remove 1")
out2=$(peer echo "$pport" hi)
t=${out2% *}
[ "$out" = "ok" ] && awk -v t="$t" 'BEGIN { exit !(t < 0.25) }'
check $? "control: remove takes it away ($out, echo in $t s)"
# A fault for one open connection: #N from the log, added live.
$PYTHON -c "
import socket,time
def echo(s):
    t=time.time(); s.sendall(b'hi'); d=b''
    while len(d)<2: d+=s.recv(10)
    return time.time()-t
a=socket.create_connection(('127.0.0.1',$pport))
time.sleep(0.2)
c=socket.socket(socket.AF_UNIX); c.connect('$sock')
# the connections so far: two echo probes above, then this one
n=int(open('$tmp/ctl.perr').read().count(' open '))
c.sendall(b'add downstream:latency=300ms,conn=%d\n' % n); r=c.recv(100)
ta=echo(a)
b=socket.create_connection(('127.0.0.1',$pport))
tb=echo(b)
print(r.decode().strip(), n, '%.3f %.3f' % (ta, tb))" >"$tmp/perconn.out" 2>&1
out=$(cat "$tmp/perconn.out")
set -- $out
awk -v a="${4:-0}" -v b="${5:-9}" 'BEGIN { exit !(a >= 0.29 && b < 0.25) }' &&
    [ "$1" = ok ]
check $? "control: a fault with conn=N slows that open connection only ($out)"
out=$(peer ctl "$sock" "list" | tail -2 | head -1)
case $out in *"downstream:latency=300ms,conn="*) r=0 ;; *) r=1 ;; esac
check $r "control: list shows the connection a fault is for ($out)"

out=$(peer ctl "$sock" "add sideways:latency=1ms")
case $out in "error expected the direction"*) r=0 ;; *) r=1 ;; esac
check $r "control: a bad command gets an error line ($out)"
stop "$ppid"

# --- TLS on both sides (a TLS echo server, TLS clients) ---
serve tlsecho --tls
tport=$port
proxy tls "$tport" --tls --insecure --listen-tls --control "unix:$tmp/tctl.sock"
"$BIN" run --tls --insecure --connect "127.0.0.1:$pport" \
    scenarios/seed/s1-multiconn-echo.txt >"$tmp/tls.run" 2>&1
r=$?
grep -q "SHA-256 fingerprint" "$tmp/tls.pout" && [ $r -eq 0 ] &&
    grep -q "forwarding to 127.0.0.1:$tport (TLS)" "$tmp/tls.pout"
check $? "--listen-tls and --tls: a TLS client through the proxy to a TLS server"
out=$(peer ctl "$tmp/tctl.sock" "list")
[ "$out" = "ok" ]
check $? "the control socket stays plain beside a TLS listener ($out)"
"$BIN" run --connect "127.0.0.1:$pport" scenarios/seed/s1-multiconn-echo.txt \
    >/dev/null 2>&1
[ $? -ne 0 ] && grep -q "closed: client failed: tls: " "$tmp/tls.perr" &&
    ! grep -q "upstream .*tls" "$tmp/tls.perr"
check $? "a plain client at the TLS listener fails its handshake, named as the client's"
stop "$ppid"

# --- log and recordings: the seed app server ---
serve app --service app
aport=$port
mkdir -p "$tmp/rec"
proxy app "$aport" --log "$tmp/app.log" --record "$tmp/rec"
"$BIN" run --connect "127.0.0.1:$pport" scenarios/seed/s3-app-dog.txt >/dev/null 2>&1
check $? "the seed app client passes through the proxy"
sleep 0.3
stop "$ppid"
grep -q "client>server jsonhdr 142B" "$tmp/app.log" &&
    grep -q 'server>client jsonhdr 142B .*Playing ball' "$tmp/app.log"
check $? "--log: one line per message per direction, decoded as jsonhdr (detected)"
"$BIN" run --connect "127.0.0.1:$aport" "$tmp/rec/conn-1-client.txt" >"$tmp/r1.out" 2>&1
check $? "the recorded client scenario replays against the app server"
: >"$tmp/mock.out"
"$BIN" serve --scenario "$tmp/rec/conn-1-server.txt" -l 127.0.0.1:0 --once >"$tmp/mock.out" 2>&1 &
mpid=$!
pids="$pids $mpid"
i=0
while [ $i -lt 100 ] && ! grep -q serving "$tmp/mock.out"; do sleep 0.05; i=$((i + 1)); done
mport=$(sed -n 's/.* on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/mock.out")
"$BIN" run --connect "127.0.0.1:$mport" scenarios/seed/s3-app-dog.txt >/dev/null 2>&1
r=$?
wait $mpid
[ $r -eq 0 ] && [ $? -eq 0 ]
check $? "the recorded server scenario serves the real seed client (serve --scenario)"

# (--ui: tests/integration/proxy_ui.sh)

# --- recordings of curl and python3's http.server ---
mkdir -p "$tmp/www" "$tmp/hrec"
echo "hello http" >"$tmp/www/hi.txt"
hport=$(free_port)
(cd "$tmp/www" && exec $PYTHON -m http.server "$hport" --bind 127.0.0.1) \
    >/dev/null 2>&1 &
hpid=$!
pids="$pids $hpid"
wait_port "$hport"
proxy http "$hport" --record "$tmp/hrec" --log "$tmp/http.log"
out=$(curl -s "http://127.0.0.1:$pport/hi.txt")
sleep 0.3
stop "$ppid"
[ "$out" = "hello http" ] &&
    grep -q "server>client http [0-9]*B HTTP/1.0 200 OK (11 body bytes)" "$tmp/http.log"
check $? "curl through the proxy; the log decodes HTTP (detected) both ways"
"$BIN" run --connect "127.0.0.1:$hport" "$tmp/hrec/conn-1-client.txt" >/dev/null 2>&1
check $? "the recorded curl request replays against http.server"
: >"$tmp/hmock.out"
"$BIN" serve --scenario "$tmp/hrec/conn-1-server.txt" -l 127.0.0.1:0 --once >"$tmp/hmock.out" 2>&1 &
mpid=$!
pids="$pids $mpid"
i=0
while [ $i -lt 100 ] && ! grep -q serving "$tmp/hmock.out"; do sleep 0.05; i=$((i + 1)); done
mport=$(sed -n 's/.* on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/hmock.out")
out=$(curl -s "http://127.0.0.1:$mport/hi.txt")
wait $mpid
[ $? -eq 0 ] && [ "$out" = "hello http" ]
check $? "the recorded server scenario answers curl as http.server did"
kill "$hpid" 2>/dev/null

# --- JSON log and recordings: redis-server ---
if ! command -v redis-server >/dev/null 2>&1; then
	echo "not ok $((tap_n + 1)) - redis-server is not installed (scripts/deps.sh test)"
	exit 1
fi
rport=$(free_port)
mkdir -p "$tmp/redis" "$tmp/rrec"
(cd "$tmp/redis" && exec redis-server --port "$rport" --bind 127.0.0.1 \
    --save '' --appendonly no) >"$tmp/redis.log" 2>&1 &
rpid=$!
pids="$pids $rpid"
wait_port "$rport"
printf 'counter ^([0-9]+)$\n' >"$tmp/rules.txt"
cat >"$tmp/redis.txt" <<'EOF'
codec resp
timeout 2s
send command SET k hello
expect "OK"
send command INCR ctr
expect regex "^[0-9]+$"
send command GET k
expect "hello"
close
EOF
proxy redis "$rport" --log "$tmp/redis.jsonl" --log-format json \
    --record "$tmp/rrec" --record-rules "$tmp/rules.txt"
"$BIN" run --connect "127.0.0.1:$pport" "$tmp/redis.txt" >/dev/null 2>&1
check $? "a RESP client passes through the proxy to redis-server"
sleep 0.3
stop "$ppid"
$PYTHON -c "
import json,sys
rows=[json.loads(l) for l in open('$tmp/redis.jsonl')]
msgs=[r for r in rows if 'dir' in r]
assert [r['dir'] for r in msgs]==['upstream','downstream']*3, msgs
assert all(r['codec']=='resp' for r in msgs)
assert msgs[0]['msg']['value']==['SET','k','hello'], msgs[0]
assert msgs[3]['msg']['kind']=='int', msgs[3]
"
check $? "--log-format json: one JSON object per message, codec resp detected"
grep -q '^capture counter regex' "$tmp/rrec/conn-1-client.txt"
check $? "--record-rules turns the INCR counter into a capture"
"$BIN" run --connect "127.0.0.1:$rport" "$tmp/rrec/conn-1-client.txt" >/dev/null 2>&1
check $? "the recorded client scenario replays against redis-server (the counter moved on)"
: >"$tmp/rmock.out"
"$BIN" serve --scenario "$tmp/rrec/conn-1-server.txt" -l 127.0.0.1:0 --once >"$tmp/rmock.out" 2>&1 &
mpid=$!
pids="$pids $mpid"
i=0
while [ $i -lt 100 ] && ! grep -q serving "$tmp/rmock.out"; do sleep 0.05; i=$((i + 1)); done
mport=$(sed -n 's/.* on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/rmock.out")
"$BIN" run --connect "127.0.0.1:$mport" "$tmp/redis.txt" >/dev/null 2>&1
r=$?
wait $mpid
[ $r -eq 0 ] && [ $? -eq 0 ]
check $? "the recorded server scenario answers the RESP client as redis did"
kill "$rpid" 2>/dev/null
wait "$rpid" 2>/dev/null

# --record DIR is checked at start; a directory that goes away while the
# proxy runs fails that recording (counted), never the proxy (it freed the
# recorder twice).
"$BIN" proxy -C "127.0.0.1:$rport" --record "$tmp/no-such-dir" \
    >"$tmp/norec.out" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -q "record $tmp/no-such-dir: No such file" "$tmp/norec.out"
check $? "--record of a missing directory: exit 2 naming it ($rc)"
mkdir -p "$tmp/gone"
proxy gone "$rport" --record "$tmp/gone"
rmdir "$tmp/gone"
"$BIN" run --connect "127.0.0.1:$pport" "$tmp/redis.txt" >/dev/null 2>&1
sleep 0.3
kill -0 "$ppid" 2>/dev/null
alive=$?
stop "$ppid"
[ "$alive" -eq 0 ] && [ "$rc" -eq 0 ] &&
    grep -q "0 recordings\? written.*1 failed" "$tmp/gone.pout"
check $? "a record directory removed mid-run: the recording fails, the proxy lives ($alive $rc: $(grep recording "$tmp/gone.pout"))"

# A rules file that cannot be read is a usage error naming the file.
out=$("$BIN" proxy -C 127.0.0.1:1 --record "$tmp/rrec" \
    --record-rules "$tmp/no-such-rules.txt" 2>&1)
rc=$?
[ "$rc" -eq 2 ] && echo "$out" | grep -q "record-rules: $tmp/no-such-rules.txt: No such file"
check $? "--record-rules of a missing file: exit 2 naming it ($rc: $(echo "$out" | head -1))"

# Under `make asan` every proxy above ran sanitized: none may have reported.
bad=$(grep -l -E "ERROR: (Address|Leak)Sanitizer|runtime error:" \
    "$tmp"/*.perr "$tmp/ui.err" 2>/dev/null)
[ -z "$bad" ]
check $? "no proxy reported a sanitizer error ($bad)"
