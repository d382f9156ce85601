#!/bin/sh
# Review fixes on the scenario language (fixlang): one time budget for a
# field regex over all occurrences, RESP errors and nil are not values,
# exact big integers, glued quotes refused, reads of a variable captured
# by a sibling alternative refused, computed pack integers, checked
# patterns with ${...}. Peers: tests/integration/fixlang_peer.py on
# 127.0.0.1 free ports.
. tests/integration_lib.sh
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3

# peer MODE: start fixlang_peer.py MODE; sets $port.
peer() {
	rm -f "$tmp/port"
	$PYTHON tests/integration/fixlang_peer.py "$tmp/port" "$1" &
	pids="$pids $!"
	i=0
	while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	port=$(cat "$tmp/port")
}
# sc NAME TEXT: write scenario $tmp/NAME.txt.
sc() {
	printf '%s\n' "$2" >"$tmp/$1.txt"
}
# run NAME [ARGS]: run $tmp/NAME.txt against the peer, at most 10 s.
run() {
	n=$1
	shift
	timeout -k 1 10 "$BIN" run -C "127.0.0.1:$port" "$@" "$tmp/$n.txt" \
	    >"$tmp/r.out" 2>&1
	rc=$?
}
has() {
	grep -qF -- "$1" "$tmp/r.out"
	check $? "$2"
	grep -qF -- "$1" "$tmp/r.out" || sed 's/^/# /' "$tmp/r.out"
}
# chk NAME: `sockbench check` on $tmp/NAME.txt.
chk() {
	"$BIN" check "$tmp/$1.txt" >"$tmp/r.out" 2>&1
	rc=$?
}

# --- P1.1: a regex over repeated fields / many lines: one budget ------
peer rephdr
sc hdr 'codec http
timeout 2s
send request GET "/"
expect header X-R regex "(.*)(.*)(.*)c"'
t0=$(date +%s)
run hdr
t1=$(date +%s)
check $(( rc == 1 ? 0 : 1 )) "a slow header regex over 50 occurrences fails (exit $rc, not 124)"
check $(( t1 - t0 <= 3 ? 0 : 1 )) "and returns in well under the 10 s the old per-occurrence runs took ($((t1 - t0)) s)"
has "expect header X-R: matching the pattern took over 200ms and was stopped" \
    "the report says the pattern was stopped"
sc hdr20 'codec http
connections 20
timeout 5s
send request GET "/"
expect header X-R regex "^b"'
run hdr20
check $(( rc == 1 ? 0 : 1 )) "20 connections x 50 large headers: one run per step, no timeout (exit $rc)"
has "none of the 50 occurrences of header:X-R matches" "and reports all 50 occurrences seen"
peer replymany
sc lines 'codec reply
timeout 2s
send "EHLO x"
expect line regex "(.*)(.*)(.*)c"'
t0=$(date +%s)
run lines
t1=$(date +%s)
check $(( rc == 1 ? 0 : 1 )) "a slow line regex over 500 short lines fails (exit $rc)"
check $(( t1 - t0 <= 3 ? 0 : 1 )) "within the step's budget, not 500 inline runs ($((t1 - t0)) s)"
has "matching the pattern took over 200ms and was stopped" \
    "the reply-line report says the pattern was stopped"
