#!/bin/sh
# sockbench proxy, review fixes (REVIEW3): a client that goes while its
# upstream connect is pending; recordings bounded in bytes and messages and
# written without blocking the loop; a --log reader that does not read; fault
# memory within --max-buffer; control-socket fault cap; conn= overflow.
# Prints TAP lines.
. tests/integration_lib.sh

. tests/proxy_lib.sh

# --- 1. the client goes while the upstream connect is pending ---
# The upstream's accept queue is full, so the proxy's SYN is dropped; the
# client's --idle-timeout (500 ms) closes it; at 0.9 s the queue is
# drained and the proxy's retransmitted SYN (about 1 s) connects.
cat >"$tmp/upslow.py" <<'PY'
import socket, sys, time
up = socket.socket()
up.bind(("127.0.0.1", 0)); up.listen(0)
fill = []
for i in range(3):
    s = socket.socket(); s.setblocking(False)
    try: s.connect(up.getsockname())
    except BlockingIOError: pass
    fill.append(s)
print(up.getsockname()[1], flush=True)
sys.stdin.readline()               # the client connected
time.sleep(0.9)
up.settimeout(0.2)
t = time.time()
while time.time() - t < 4:
    try: fill.append(up.accept()[0])
    except socket.timeout: pass
print("drained", flush=True)
time.sleep(10)
PY
mkfifo "$tmp/up.in"
$PYTHON "$tmp/upslow.py" <"$tmp/up.in" >"$tmp/up.port" &
upid=$!
pids="$pids $upid"
exec 7>"$tmp/up.in"
i=0
while [ $i -lt 100 ] && [ ! -s "$tmp/up.port" ]; do sleep 0.05; i=$((i + 1)); done
proxy upslow "$(head -1 "$tmp/up.port")" --idle-timeout 500ms
$PYTHON -c "
import socket, time
c = socket.create_connection(('127.0.0.1', $pport), 3)
time.sleep(0.1)
" &
cpid=$!
echo go >&7
wait $cpid
i=0
while [ $i -lt 200 ] && ! grep -q drained "$tmp/up.port"; do sleep 0.05; i=$((i + 1)); done
sleep 0.5
alive=0
kill -0 "$ppid" 2>/dev/null && alive=1
stop "$ppid"
exec 7>&-
[ $alive -eq 1 ] && [ "$rc" -eq 0 ] &&
    grep -q "the client went before the upstream" "$tmp/upslow.perr" &&
    grep -q "^proxy: 1 connection (0 upstream connects failed)" \
    "$tmp/upslow.pout"
check $? "a client closed while its upstream connect is pending: the connect is dropped, not counted as failed, no crash (rc $rc)"

# An upstream for the tests below: each connection read to its end, one
# "pong\n" for each "ping" in what it read, nothing else.
cat >"$tmp/pong.py" <<'PY'
import socket, threading
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 0)); l.listen(16)
print(l.getsockname()[1], flush=True)
def serve(c):
    try:
        while True:
            d = c.recv(65536)
            if not d: break
            n = d.count(b"ping")
            if n: c.sendall(b"pong\n" * n)
    except OSError:
        pass
    c.close()
while True:
    c, _ = l.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
$PYTHON "$tmp/pong.py" >"$tmp/pong.port" &
pids="$pids $!"
i=0
while [ $i -lt 100 ] && [ ! -s "$tmp/pong.port" ]; do sleep 0.05; i=$((i + 1)); done
gport=$(head -1 "$tmp/pong.port")

# --- 2. --record: bounded per connection, written in steps ---
# Client 1 sends 4 MiB of empty lines (4 Mi one-byte messages) and closes;
# client 2 pings (the loop answers while 1's recording is written), stays
# open, and SIGINT comes: its recording is written at the exit.
mkdir "$tmp/rec"
proxy rec "$gport" -q --codec line --record "$tmp/rec"
$PYTHON - "$pport" "$ppid" >"$tmp/rec.drv" 2>&1 <<'PY'
import os, signal, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
a = socket.create_connection(("127.0.0.1", port), 3)
a.sendall(b"\n" * (4 << 20))
time.sleep(1.5)
rss = int([l for l in open("/proc/%d/status" % pid)
           if l.startswith("VmRSS")][0].split()[1])
a.close()
b = socket.create_connection(("127.0.0.1", port), 3)
b.settimeout(10)
t = time.time()
b.sendall(b"ping\n")
got = b.recv(100)
pong = time.time() - t
time.sleep(0.3)
t = time.time()
os.kill(pid, signal.SIGINT)
while True:
    try:
        os.kill(pid, 0)
    except OSError:
        break
    if open("/proc/%d/stat" % pid).read().split(")")[1].split()[0] == "Z":
        break
    time.sleep(0.02)
print("rss %d pong %s %.2f exit %.2f" % (rss, got.decode(errors="replace").strip() or "-", pong, time.time() - t))
PY
wait "$ppid"
rc=$?
read -r _ rss _ got pong _ ext <"$tmp/rec.drv"
[ "$rss" -lt 60000 ]
check $? "--record: 4 Mi one-byte messages keep the proxy under 60 MB ($(cat "$tmp/rec.drv"))"
grep -q "^# recording stopped at 100000 messages, .* more messages" \
    "$tmp/rec/conn-1-client.txt" &&
    grep -q "^  # recording stopped at 100000 messages" \
    "$tmp/rec/conn-1-server.txt" && tail -1 "$tmp/rec/conn-1-server.txt" |
    grep -qx end
check $? "--record: a recording past RECORD_MAX_MSGS says where it stopped and what it left out, both files whole"
[ "$got" = pong ] && awk -v t="$pong" 'BEGIN { exit !(t < 1.5) }'
check $? "--record: another client is served while a recording is written ($got in ${pong}s)"
awk -v t="$ext" 'BEGIN { exit !(t < 1.5) }' && [ "$rc" -eq 0 ] &&
    ! grep -q "did not give the event loop back" "$tmp/rec.perr"
check $? "--record: SIGINT ends the proxy in ${ext}s with status $rc, not through the backstop"
grep -qx 'send "ping"' "$tmp/rec/conn-2-client.txt" &&
    tail -1 "$tmp/rec/conn-2-server.txt" | grep -qx end &&
    grep -q "^proxy: 2 recordings written to $tmp/rec, 0 cut at exit, 0 failed" "$tmp/rec.pout"
check $? "--record: the pair open at SIGINT is recorded at the exit; the summary counts the recordings"

# --- 6. --log: a reader that does not read never holds the loop ---
# The log is a FIFO whose reader never reads (64 KiB of pipe, then full):
# 20000 echoed lines still pass, the lines past the queue are counted as
# dropped, and SIGINT ends the proxy at once.
serve echo
eport=$port
mkfifo "$tmp/log.fifo"
$PYTHON -c "
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
print('open', flush=True)
time.sleep(60)" "$tmp/log.fifo" >"$tmp/logr.out" &
lrpid=$!
pids="$pids $lrpid"
i=0
while [ $i -lt 100 ] && [ ! -s "$tmp/logr.out" ]; do sleep 0.05; i=$((i + 1)); done
proxy log "$eport" -q --codec line --log "$tmp/log.fifo"
$PYTHON - "$pport" "$ppid" >"$tmp/log.drv" 2>&1 <<'PY'
import os, signal, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
c = socket.create_connection(("127.0.0.1", port), 3)
c.settimeout(20)
want = b"".join(b"hello %d\n" % i for i in range(20000))
c.sendall(want)
got = b""
t = time.time()
try:
    while len(got) < len(want):
        x = c.recv(65536)
        if not x: break
        got += x
except socket.timeout:
    pass
echo = time.time() - t
t = time.time()
os.kill(pid, signal.SIGINT)
while True:
    try:
        os.kill(pid, 0)
    except OSError:
        break
    if open("/proc/%d/stat" % pid).read().split(")")[1].split()[0] == "Z":
        break
    time.sleep(0.02)
print("echo %s %.2f exit %.2f" % ("same" if got == want else "differ-%d" % len(got), echo, time.time() - t))
PY
wait "$ppid"
rc=$?
read -r _ same echo _ ext <"$tmp/log.drv"
[ "$same" = same ]
check $? "--log to a reader that does not read: 20000 lines still echoed through the proxy ($(cat "$tmp/log.drv"))"
awk -v t="$ext" 'BEGIN { exit !(t < 1.5) }' && [ "$rc" -eq 0 ] &&
    ! grep -q "did not give the event loop back" "$tmp/log.perr"
check $? "--log to a reader that does not read: SIGINT ends the proxy in ${ext}s with status $rc"
n=$(sed -n 's/^proxy: log lines dropped \([0-9]*\) .*/\1/p' "$tmp/log.pout")
[ -n "$n" ] && [ "$n" -gt 0 ] && [ "$n" -le 40010 ]
check $? "--log: the summary counts the lines dropped while the reader fell behind ($n)"
kill "$lrpid" 2>/dev/null

# --log - to a regular file and to a pipe: the listening line, then every
# log line, then the summary, nothing overwritten or lost.
for how in file pipe; do
	: >"$tmp/dash.out"
	if [ $how = file ]; then
		"$BIN" proxy -q -l 127.0.0.1:0 -C "127.0.0.1:$eport" --codec line \
		    --log - >"$tmp/dash.out" 2>"$tmp/dash.perr" &
		ppid=$!
	else
		# The proxy's PID through a file: $! would be cat's.
		( "$BIN" proxy -q -l 127.0.0.1:0 -C "127.0.0.1:$eport" --codec line \
		    --log - 2>"$tmp/dash.perr" & echo $! >"$tmp/dash.pid"; wait ) |
		    cat >"$tmp/dash.out" &
		cpid=$!
		i=0
		while [ $i -lt 100 ] && [ ! -s "$tmp/dash.pid" ]; do sleep 0.05; i=$((i + 1)); done
		ppid=$(cat "$tmp/dash.pid")
	fi
	pids="$pids $ppid"
	i=0
	while [ $i -lt 100 ] && ! grep -q 'listening on' "$tmp/dash.out"; do sleep 0.05; i=$((i + 1)); done
	pport=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/dash.out")
	$PYTHON -c "
import socket
c = socket.create_connection(('127.0.0.1', $pport), 3); c.settimeout(5)
c.sendall(b'a\nb\nc\n'); d = b''
while d.count(b'\n') < 3: d += c.recv(100)
c.close()"
	sleep 0.3
	kill -INT "$ppid"
	if [ $how = file ]; then wait "$ppid"; else wait "$cpid"; fi
	head -1 "$tmp/dash.out" | grep -q 'listening on' &&
	    [ "$(grep -c 'client>server line 2B' "$tmp/dash.out")" -eq 3 ] &&
	    [ "$(grep -c 'server>client line 2B' "$tmp/dash.out")" -eq 3 ] &&
	    tail -2 "$tmp/dash.out" | head -1 | grep -q '^proxy: 1 connection (0 upstream connects failed), 6 bytes client>server, 6 bytes server>client' &&
	    tail -1 "$tmp/dash.out" | grep -q '^proxy: 3 messages client>server, 3 server>client decoded as line'
	check $? "--log - to a $how: the listening line, 6 message lines, then the summary ($(wc -l <"$tmp/dash.out") lines)"
done

# --- 7. fault memory within --max-buffer ---
# A server floods, the client never reads, the downstream fault cuts the
# flood into one-byte pieces: the proxy stays near --max-buffer 1M (it
# took 52-54 MB when only the payload counted).
cat >"$tmp/flood.py" <<'PY'
import socket, sys, time
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 0)); l.listen(8)
print(l.getsockname()[1], flush=True)
while True:
    c, _ = l.accept()
    c.settimeout(2)
    try:
        while True:
            c.sendall(b"x" * 65536)
    except OSError:
        pass
    c.close()
PY
$PYTHON "$tmp/flood.py" >"$tmp/flood.port" &
pids="$pids $!"
i=0
while [ $i -lt 100 ] && [ ! -s "$tmp/flood.port" ]; do sleep 0.05; i=$((i + 1)); done
fport=$(head -1 "$tmp/flood.port")
for f in downstream:bandwidth=1 downstream:slicer=1,delay=1ms; do
	proxy fmem "$fport" -q --max-buffer 1M -f "$f"
	$PYTHON - "$pport" "$ppid" >"$tmp/fmem.drv" 2>&1 <<'PY'
import socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
c = socket.create_connection(("127.0.0.1", port), 3)
c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
peak = 0
for i in range(30):
    time.sleep(0.1)
    rss = int([l for l in open("/proc/%d/status" % pid)
               if l.startswith("VmRSS")][0].split()[1])
    peak = max(peak, rss)
print(peak)
PY
	stop "$ppid"
	rss=$(cat "$tmp/fmem.drv")
	[ -n "$rss" ] && [ "$rss" -lt 30000 ]
	check $? "$f with --max-buffer 1M and a client that does not read: proxy RSS ${rss} KiB (< 30 MB)"
done

# --- 8. control socket: faults capped, removed ones freed ---
proxy ctl "$eport" -q --control "unix:$tmp/ctl.sock"
$PYTHON - "$tmp/ctl.sock" "$pport" >"$tmp/ctl.drv" 2>&1 <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(10)
f = s.makefile("rwb")
def cmd(line):
    f.write(line.encode() + b"\n"); f.flush()
    out = []
    while True:
        l = f.readline().decode().rstrip("\n")
        out.append(l)
        if l.startswith("ok") or l.startswith("error") or not l:
            return out
ids = [cmd("add upstream:latency=0ms")[-1] for i in range(64)]
print("first64", "all-ok" if all(x.startswith("ok ") for x in ids) else ids[-1])
print("65th", cmd("add upstream:latency=0ms")[-1])
print("remove", cmd("remove 1")[-1])
print("again", cmd("add upstream:latency=0ms")[-1])
cmd("remove 2")                # room for the loop below
for i in range(2000):          # add and remove: the table must not grow
    r = cmd("add downstream:latency=0ms")[-1]
    if not r.startswith("ok "):
        print("loop", r); break
    cmd("remove " + r.split()[1])
c = socket.create_connection(("127.0.0.1", int(sys.argv[2])), 3)
c.sendall(b"hi"); c.settimeout(5); print("echo", c.recv(10).decode())
c.close()
t = time.time(); cmd("stats"); print("stats %.3f" % (time.time() - t))
L = cmd("list"); print("list", len(L) - 1, L[0], L[-2], L[-1])
PY
stop "$ppid"
grep -qx "first64 all-ok" "$tmp/ctl.drv" &&
    grep -q "^65th error 64 faults in effect already" "$tmp/ctl.drv" &&
    grep -qx "remove ok" "$tmp/ctl.drv" && grep -qx "again ok 65" "$tmp/ctl.drv"
check $? "control: 64 faults in effect at most; the 65th add is refused with the reason, a removal makes room ($(sed -n 2p "$tmp/ctl.drv"))"
grep -qx "echo hi" "$tmp/ctl.drv" && grep -qx "list 63 3 upstream:latency=0ms 65 upstream:latency=0ms ok" "$tmp/ctl.drv" &&
    grep -q "^proxy: 1938 faults removed early on (not listed): on 0 connections, fired 0 times" "$tmp/ctl.pout" &&
    [ "$(grep -c '(removed)' "$tmp/ctl.pout")" -eq 64 ]
check $? "control: 2000 adds and removes keep 64 removed faults listed and count the older ones together"

# Under `make asan` every proxy above ran sanitized: none may have reported.
bad=$(grep -l -E "ERROR: (Address|Leak)Sanitizer|runtime error:" \
    "$tmp"/*.perr 2>/dev/null)
[ -z "$bad" ]
check $? "no proxy reported a sanitizer error ($bad)"
