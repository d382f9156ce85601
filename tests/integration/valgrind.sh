#!/bin/sh
# Runs sockbench under valgrind: the seed scenarios headless (embedded
# server in process), then a `sockbench serve` session for each service
# with good and hostile clients, stopped by SIGTERM. Any invalid read or
# write, use of uninitialised memory or definite leak fails (exit 99).
# Skips under the ASan build ($SANITIZED): valgrind and ASan do not mix.
cd "$(dirname "$0")/../.." || exit 1
BIN=${BIN:-./sockbench}
n=0
tmp=$(mktemp -d)
spid=""
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
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
	fi
}

if [ -n "${SANITIZED:-}" ]; then
	echo "ok 1 # SKIP valgrind does not run ASan binaries"
	exit 0
fi
if ! command -v valgrind >/dev/null 2>&1; then
	echo "ok 1 # SKIP valgrind is not installed"
	exit 0
fi
VG="valgrind -q --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite --show-leak-kinds=definite
    --track-fds=no"
# Under valgrind everything runs tens of times slower: give a shutdown after
# SIGTERM more than the default 1 s before the backstop exits at once.
export SOCKBENCH_SIGNAL_GRACE=30

# Show valgrind's own report, without its notes on unknown syscalls (it
# lacks openat2, so the file service uses its realpath fallback here).
vg_report() {
	grep -v -e 'unhandled amd64-linux syscall' -e 'your own handler' \
	    -e 'README_MISSING_SYSCALL' -e 'Nevertheless we consider' \
	    -e 'valgrind.org/support' "$1" | grep '^==' | head -40 |
	    sed 's/^/# /'
}

# shellcheck disable=SC2086
$VG "$BIN" run scenarios/seed/*.txt >"$tmp/run.out" 2>"$tmp/run.err"
rc=$?
[ "$rc" -ne 0 ] && { vg_report "$tmp/run.err"; tail -5 "$tmp/run.out" |
    sed 's/^/# /'; }
tap "$rc" "run scenarios/seed/*.txt under valgrind: no invalid access, no leak (exit $rc)"

# A python client session against a server: good requests, then hostile
# ones (bad frame, oversized length, reset mid-frame, half-close).
cat >"$tmp/peer.py" <<'EOF'
import json, socket, struct, sys, time
port, kind = int(sys.argv[1]), sys.argv[2]
def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s
def recv_all(s):
    out = b""
    while True:
        try:
            d = s.recv(65536)
        except ConnectionResetError:
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
ok = True
if kind == "echo":
    for i in range(5):
        s = conn(); s.sendall(b"Message %d from client." % i)
        s.shutdown(socket.SHUT_WR)
        ok &= recv_all(s) == b"Message %d from client." % i
        s.close()
    s = conn(); s.sendall(b"x" * 300000); s.shutdown(socket.SHUT_WR)
    ok &= len(recv_all(s)) == 300000; s.close()
else:
    req = json.dumps({"action": "search", "value": "ring"}).encode()
    s = conn(); s.sendall(jsonhdr(req)); r = recv_all(s); s.close()
    ok &= b"Misty Mountains" in r
    s = conn(); s.sendall(jsonhdr(b"", **{"content-length": 4294967296}))
    recv_all(s); s.close()
    s = conn(); s.sendall(b"\x00\x05{bad}"); recv_all(s); s.close()
    s = conn(); s.sendall(jsonhdr(req)[:20])
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    s = conn(); s.sendall(jsonhdr(req)[:20]); s.shutdown(socket.SHUT_WR)
    recv_all(s); s.close()
    s = conn(); s.sendall(jsonhdr(req)); r = recv_all(s); s.close()
    ok &= b"Misty Mountains" in r
time.sleep(0.3)
sys.exit(0 if ok else 1)
EOF

for svc in echo app; do
	# shellcheck disable=SC2086
	: >"$tmp/serve.out"	# before the fork: never the last run's port
	$VG "$BIN" serve -l 127.0.0.1:0 -s "$svc" --idle-timeout 5s \
	    >"$tmp/serve.out" 2>"$tmp/serve.err" &
	spid=$!
	port=""
	i=0
	while [ $i -lt 200 ] && [ -z "$port" ]; do
		port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' \
		    "$tmp/serve.out")
		[ -z "$port" ] && sleep 0.05
		i=$((i + 1))
	done
	if [ -z "$port" ]; then
		tap 1 "serve -s $svc under valgrind starts"
		kill "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
		spid=""
		continue
	fi
	python3 "$tmp/peer.py" "$port" "$svc"
	prc=$?
	kill -TERM "$spid"
	wait "$spid"
	rc=$?
	spid=""
	[ "$rc" -ne 0 ] && vg_report "$tmp/serve.err"
	tap "$prc" "serve -s $svc under valgrind answers good clients among hostile ones"
	tap "$rc" "serve -s $svc under valgrind: no invalid access, no leak after SIGTERM (exit $rc)"
done
