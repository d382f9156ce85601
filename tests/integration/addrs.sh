#!/bin/sh
# Names with several addresses, end to end: with a private /etc/hosts (in a
# mount namespace of this test's own) where the name gives [::1] then
# 127.0.0.1, and a server listening on 127.0.0.1 only, run, bench and probe
# --connect NAME:PORT connect through the second address; with nothing
# listening the error names each address tried and why; serve -l NAME:0
# binds and prints both, and refuses to half-listen when one is taken.
# Needs root for the namespace (CI runs as root); otherwise it skips.
. tests/integration_lib.sh
NAME=sbtest-dual.invalid

if [ -z "${SB_ADDRS_NS:-}" ]; then
	if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
		echo "ok 1 - # SKIP needs root and unshare -m for a private /etc/hosts"
		exit 0
	fi
	printf '::1 %s\n127.0.0.1 %s\n127.0.0.1 localhost\n' "$NAME" "$NAME" \
	    >"$tmp/hosts"
	SB_ADDRS_NS=$tmp/hosts exec unshare -m sh "$0" "$@"
fi
mount --bind "$SB_ADDRS_NS" /etc/hosts || {
	echo "not ok 1 - bind a private /etc/hosts"
	exit 1
}
rm -rf "$(dirname "$SB_ADDRS_NS")"	# the outer shell's; the mount stays
got=$(getent ahosts "$NAME" | awk '$2 == "STREAM" { print $1 }' | tr '\n' ' ')
[ "$got" = "::1 127.0.0.1 " ]
check $? "$NAME resolves to ::1 then 127.0.0.1 (got: $got)"

# A server on 127.0.0.1 only: [::1] refuses.
serve only4 -s echo -q
cat >"$tmp/echo.txt" <<'SCEN'
codec raw
connections 3
timeout 2s
send "hello over the second address"
expect "hello over the second address"
close
SCEN
"$BIN" run --connect "$NAME:$port" "$tmp/echo.txt" >"$tmp/run.out" 2>&1
check $? "run --connect $NAME:PORT passes through 127.0.0.1 after [::1] refused"

"$BIN" bench -C "$NAME:$port" -c 4 -d 1s >"$tmp/bench.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -q '^connected   4 of 4' "$tmp/bench.out" &&
    grep -q '^errors      none' "$tmp/bench.out"
check $? "bench -C $NAME:PORT connects all 4 and counts no error (exit $rc)"

"$BIN" probe "$NAME:$port" >"$tmp/probe.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -q '^verdict: *echo' "$tmp/probe.out"
check $? "probe $NAME:PORT identifies the echo server (exit $rc)"

# Nothing listening on either address.
kill "$pid"
wait "$pid" 2>/dev/null
dead=$port
want="$NAME:$dead: \[::1\]:$dead refused; 127\.0\.0\.1:$dead refused"
"$BIN" run --connect "$NAME:$dead" "$tmp/echo.txt" >"$tmp/run2.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q "$want" "$tmp/run2.out"
check $? "run: every address refused, the error names each one (exit $rc)"
[ "$rc" -eq 1 ] || cat "$tmp/run2.out"

"$BIN" probe "$NAME:$dead" >"$tmp/probe2.out" 2>&1
rc=$?
[ "$rc" -eq 3 ] && grep -q "^status: *refused: $want" "$tmp/probe2.out"
check $? "probe: refused, naming each address (exit $rc)"

"$BIN" bench -C "$NAME:$dead" -c 2 -d 1s >"$tmp/bench2.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q '^errors      refused 2' "$tmp/bench2.out"
check $? "bench: 2 connections refused on both addresses, exit 1 (exit $rc)"

# serve -l NAME:0 binds both, on one port, and says so.
"$BIN" serve -l "$NAME:0" >"$tmp/both.out" 2>"$tmp/both.err" &
bpid=$!
pids="$pids $bpid"
i=0
while [ $i -lt 100 ] && ! grep -q serving "$tmp/both.out" 2>/dev/null; do
	sleep 0.05
	i=$((i + 1))
done
bport=$(sed -n 's/^sockbench: serving echo on \[::1\]:\([0-9]*\), 127\.0\.0\.1:\([0-9]*\)$/\1 \2/p' "$tmp/both.out")
set -- $bport
[ -n "$bport" ] && [ "$1" = "$2" ]
check $? "serve -l $NAME:0 prints both addresses on one port: $(cat "$tmp/both.out")"
bport=$1
"$BIN" bench -C "[::1]:$bport" -c 1 -n 5 -d 2s >"$tmp/b6.out" 2>&1 &&
    "$BIN" bench -C "127.0.0.1:$bport" -c 1 -n 5 -d 2s >"$tmp/b4.out" 2>&1
check $? "both addresses answer"

# One address taken: serve refuses rather than listen on the other only.
"$BIN" serve -l "$NAME:$bport" >"$tmp/taken.out" 2>&1
rc=$?
[ "$rc" -eq 3 ] && grep -q "listen on $NAME:$bport (\[::1\]:$bport): Address already in use" "$tmp/taken.out"
check $? "serve on a name whose [::1] port is taken exits 3 and names it (exit $rc)"
kill "$bpid"
wait "$bpid" 2>/dev/null
echo "1..$tap_n"
