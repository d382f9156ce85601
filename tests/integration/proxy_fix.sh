#!/bin/sh
# sockbench proxy, review fixes (REVIEW3): a client that goes while its
# upstream connect is pending; recordings bounded in bytes and messages and
# written without blocking the loop; a --log reader that does not read; fault
# memory within --max-buffer; control-socket fault cap; conn= overflow.
# Prints TAP lines.
. tests/integration_lib.sh

# proxy NAME TARGET_PORT ARGS...: start a proxy on a free port; sets
# $pport and $ppid.
proxy() {
	name=$1
	target=$2
	shift 2
	: >"$tmp/$name.pout"
	"$BIN" proxy -l 127.0.0.1:0 -C "127.0.0.1:$target" "$@" \
	    >"$tmp/$name.pout" 2>"$tmp/$name.perr" &
	ppid=$!
	pids="$pids $ppid"
	i=0
	while [ $i -lt 200 ]; do
		pport=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
		    "$tmp/$name.pout" "$tmp/$name.perr" | head -1)
		[ -n "$pport" ] && return 0
		kill -0 "$ppid" 2>/dev/null || return 1
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# stop PID: SIGTERM, wait for it; its exit status in $rc.
stop() {
	kill -TERM "$1" 2>/dev/null
	wait "$1"
	rc=$?
}

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
    grep -q "the client went before the upstream" "$tmp/upslow.perr"
check $? "a client closed while its upstream connect is pending: the upstream is closed when it opens, no crash (rc $rc)"
