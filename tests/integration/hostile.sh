#!/bin/sh
# Hostile peers (python3) against a real `sockbench serve` process: a 4 GiB
# content-length, a slowloris against --idle-timeout, a flood that never
# reads (server memory stays bounded), --max-conns, and running out of
# file descriptors under `ulimit -n 64` (logged, no spinning, recovered).
# Also the scenario expect timeout. Each case checks the server's log line
# for that connection and that a good client is still served.
cd "$(dirname "$0")/../.." || exit 1
BIN=${BIN:-./sockbench}
n=0
tmp=$(mktemp -d)
spid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# tap STATUS DESCRIPTION
tap() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -f "$tmp/serve.err" ] && tail -15 "$tmp/serve.err" |
		    sed 's/^/# serve: /'
		[ -f "$tmp/peer.out" ] && sed 's/^/# peer: /' "$tmp/peer.out"
	fi
}

# start ARGS...: run `sockbench serve` on a free port; sets port and spid.
start() {
	# Empty the file here, before the fork: read right after it, the
	# child's own truncation may not have happened yet and the previous
	# server's port would be found.
	: >"$tmp/serve.out"
	"$BIN" serve -l 127.0.0.1:0 "$@" >"$tmp/serve.out" 2>"$tmp/serve.err" &
	spid=$!
	port=""
	i=0
	while [ $i -lt 100 ] && [ -z "$port" ]; do
		port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/serve.out")
		[ -z "$port" ] && sleep 0.05
		i=$((i + 1))
	done
	[ -n "$port" ]
}

# stop: SIGTERM the server and wait for it.
stop() {
	kill -TERM "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	spid=""
}

# peer CASE: run the python peer for one case against $port and $spid.
peer() {
	python3 "$tmp/peer.py" "$port" "$spid" "$@" >"$tmp/peer.out" 2>&1
}

if ! command -v python3 >/dev/null 2>&1; then
	echo "ok 1 # SKIP python3 is not installed"
	exit 0
fi

cat >"$tmp/peer.py" <<'EOF'
import json, os, socket, struct, sys, time
port, spid, case = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

def conn():
    return socket.create_connection(("127.0.0.1", port), timeout=10)

def recv_all(s, limit=1 << 30):
    out = b""
    while len(out) < limit:
        try:
            d = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not d:
            break
        out += d
    return out

def jsonhdr(content, **over):
    h = {"byteorder": "little", "content-type": "text/json",
         "content-encoding": "utf-8", "content-length": len(content)}
    h.update(over)
    hb = json.dumps(h).encode()
    return struct.pack(">H", len(hb)) + hb + content

def app_ok():
    req = json.dumps({"action": "search", "value": "morpheus"}).encode()
    s = conn(); s.sendall(jsonhdr(req)); r = recv_all(s); s.close()
    return b"white rabbit" in r

def echo_ok(msg=b"still served"):
    s = conn(); s.sendall(msg); s.shutdown(socket.SHUT_WR)
    r = recv_all(s); s.close()
    return r == msg

def rss_kb():
    for line in open("/proc/%d/status" % spid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0

def cpu_s():
    f = open("/proc/%d/stat" % spid).read()
    f = f[f.rindex(")") + 2:].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

def check(cond, what):
    print(("ok: " if cond else "FAILED: ") + what)
    if not cond:
        sys.exit(1)

if case == "4gib":
    s = conn()
    s.sendall(jsonhdr(b"", **{"content-length": 4294967296}))
    t0 = time.time(); r = recv_all(s); s.close()
    check(r == b"" and time.time() - t0 < 2, "closed at once, no reply")
    check(app_ok(), "a good client is answered")
elif case == "slowloris":
    a = conn(); a.sendall(b"\x00\x60{\"byteorder\"")
    b = conn(); b.sendall(b"\x07\xd0")
    t0 = time.time(); closed = False
    while time.time() - t0 < 3:
        try:
            b.sendall(b" ")
        except OSError:
            closed = True
            break
        time.sleep(0.05)
    closed = closed or recv_all(b) == b""
    took = time.time() - t0
    check(closed and took < 2.0, "trickler cut after %.2fs" % took)
    check(recv_all(a) == b"", "silent half-frame cut")
    check(app_ok(), "a good client is answered")
elif case == "flood":
    s = conn(); s.setblocking(False)
    before = rss_kb(); chunk = b"f" * 65536; sent = 0
    t0 = time.time()
    while time.time() - t0 < 1.5:
        try:
            sent += s.send(chunk)
        except BlockingIOError:
            time.sleep(0.01)
    grew = rss_kb() - before
    check(sent > 1 << 20, "flooded %d bytes without reading" % sent)
    check(grew < 16 * 1024, "server RSS grew %d KiB (bounded)" % grew)
    check(echo_ok(), "another client is served meanwhile")
    s.setblocking(True); s.shutdown(socket.SHUT_WR)
    got = len(recv_all(s)); s.close()
    check(got == sent, "all %d bytes echoed once read" % got)
elif case == "maxconns":
    a, b = conn(), conn(); time.sleep(0.2)
    c = conn(); r = recv_all(c); c.close()
    check(r == b"", "third connection closed by the server")
    a.close(); time.sleep(0.2)
    check(echo_ok(), "a newcomer is served once one leaves")
    b.close()
elif case == "emfile":
    socks = []
    for i in range(120):
        socks.append(conn())
    time.sleep(0.5)
    c0 = cpu_s(); time.sleep(1.0); used = cpu_s() - c0
    check(used < 0.3, "%.2fs CPU in 1s while out of descriptors" % used)
    for s in socks:
        s.close()
    time.sleep(0.5)
    check(echo_ok(), "served again once descriptors are free")
EOF

start -s app
peer 4gib
prc=$?
sleep 0.2
grep -q 'failed: protocol error: jsonhdr: content-length 4294967296 exceeds the limit of 1048576 bytes' "$tmp/serve.err"
tap $((prc + $?)) "4 GiB content-length: that connection fails with a reason, the next request is answered"
stop

start -s app --idle-timeout 500ms
peer slowloris
prc=$?
sleep 0.2
c=$(grep -c 'failed: idle timeout (0.5s without traffic)' "$tmp/serve.err")
[ "$c" -eq 2 ]
tap $((prc + $?)) "slowloris (trickled and silent half frames) cut by --idle-timeout; others served"
stop

start -s echo --max-buffer 256k
peer flood
tap $? "flood without reading: server stops reading, RSS stays bounded, all bytes echoed later"
stop

start -s echo --max-conns 2
peer maxconns
prc=$?
grep -q 'accept: connection refused: 2 open, the limit is --max-conns 2' "$tmp/serve.err"
tap $((prc + $?)) "--max-conns 2: a third connection is refused and logged, a later one served"
stop

# Out of descriptors: the server's own limit is 64, the peer opens 120.
: >"$tmp/serve.out"
(ulimit -n 64 && exec "$BIN" serve -l 127.0.0.1:0 -s echo) \
    >"$tmp/serve.out" 2>"$tmp/serve.err" &
spid=$!
port=""
i=0
while [ $i -lt 100 ] && [ -z "$port" ]; do
	port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/serve.out")
	[ -z "$port" ] && sleep 0.05
	i=$((i + 1))
done
peer emfile
prc=$?
grep -q 'accept: out of file descriptors' "$tmp/serve.err"
tap $((prc + $?)) "ulimit -n 64: 'out of file descriptors' logged, no spinning, served again after"
stop

# The scenario expect timeout fails the step in bounded time.
printf 'service echo\nsend "a"\nexpect "a"\nexpect "b" timeout 300ms\n' \
    >"$tmp/t.txt"
start_t=$(date +%s)
"$BIN" run "$tmp/t.txt" >"$tmp/run.out" 2>&1
rc=$?
took=$(($(date +%s) - start_t))
[ "$rc" -eq 1 ] && [ "$took" -le 2 ] &&
    grep -q 't.txt:4: connection 1: expect bytes: timed out after 0.3s' "$tmp/run.out"
tap $? "expect timeout 300ms: the step fails with file:line and the time waited"
