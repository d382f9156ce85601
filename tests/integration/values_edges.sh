#!/bin/sh
# Review fixes on the scenario language: one time budget for a
# field regex over all occurrences, RESP errors and nil are not values,
# exact big integers, glued quotes refused, reads of a variable captured
# by a sibling alternative refused, computed pack integers, checked
# patterns with ${...}. Peers: tests/integration/values_edges_peer.py on
# 127.0.0.1 free ports.
. tests/integration_lib.sh
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3

# peer MODE: start values_edges_peer.py MODE; sets $port.
peer() {
	rm -f "$tmp/port"
	$PYTHON tests/integration/values_edges_peer.py "$tmp/port" "$1" &
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
t0=$(date +%s)
run hdr20
t1=$(date +%s)
check $(( rc == 1 ? 0 : 1 )) "20 connections x 50 large headers: one run per step, no timeout (exit $rc)"
check $(( t1 - t0 <= 3 ? 0 : 1 )) "20 x 50 headers take one child per step, not 1000 (6 s before; $((t1 - t0)) s)"
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

# --- P1.3: an error or nil reply is not a value ------------------------
peer resperr
for e in 'expect json {}' 'expect regex ".*"' 'expect length 0' \
    'expect "WRONGTYPE Operation against a key holding the wrong kind of value"'; do
	sc err "codec resp
timeout 1s
send command GET k
$e"
	run err
	check $(( rc == 1 ? 0 : 1 )) "resp: '$e' on an error reply fails (exit $rc)"
	has "got an error reply: (error) WRONGTYPE Operation against" \
	    "resp: '$e' says it got an error reply"
done
sc err 'codec resp
timeout 1s
send command GET k
expect error regex "^WRONGTYPE"'
run err
check $rc "resp: expect error still matches the error reply (exit $rc)"
peer respnil
for e in 'expect regex "^$"' 'expect length 0' 'expect json null' 'expect ""'; do
	sc nil "codec resp
timeout 1s
send command GET k
$e"
	run nil
	check $(( rc == 1 ? 0 : 1 )) "resp: '$e' on a nil reply fails (exit $rc)"
	has "got nil (expect nil matches it)" "resp: '$e' says it got nil"
done

# --- P1.3: big integers keep their digits -----------------------------
peer respbig
sc big 'codec resp
timeout 1s
send command GET k
expect json [9007199254740992]'
run big
check $(( rc == 1 ? 0 : 1 )) "resp: 2^53+1 does not match 2^53 in expect json (exit $rc)"
has "expected: [9007199254740992]" "the report shows the expected integer"
has "message: [(integer) 9007199254740993]" "and the received one, exact"
sc big2 'codec resp
timeout 1s
send command GET k
expect json [9007199254740993]
capture c json 0
expect field text "12345678901234567890123"
capture b field value
expect status "${c}/${b}"'
run big2
check $(( rc == 1 ? 0 : 1 )) "resp: the deliberate last mismatch fails (exit $rc)"
has 'big2.txt:8: connection 1: expect status: expected status "9007199254740993/12345678901234567890123", got "OK"' \
    "captured json of an integer and a big number keep their exact digits"

# --- P1.4: header {...} numbers range-checked, header named ------------
peer http
sc hdrnum 'codec http
timeout 1s
send request GET "/"
expect header {"X-A": 23, "content-length": 1e30}'
run hdrnum
check $(( rc == 1 ? 0 : 1 )) "http: header {\"content-length\": 1e30} fails without undefined behaviour (exit $rc)"
has 'expect header content-length: expected header content-length "1e+30", got "2"' \
    "the failure names the header"

# --- P2.10: any order: no alternative reads another's capture ----------
sc ao 'codec line
service echo
send "a\nb"
expect any order
  expect "a"
  capture x regex "(a)"
  expect "b${x}"
end'
chk ao
check $(( rc == 2 ? 0 : 1 )) "check refuses an any-order alternative reading a sibling's capture (exit $rc)"
has "ao.txt:7:12: expected a variable set on every path before this line, got '\${x}'" \
    "at file:line:col of the read"
sc ao2 'codec line
service echo
send "a\nb"
expect any order
  expect "a"
  capture x regex "(a)"
  expect "b"
  capture y regex "(b)"
end
send "${x}${y}"
expect "ab"'
timeout -k 1 10 "$BIN" run "$tmp/ao2.txt" >"$tmp/r.out" 2>&1
rc=$?
check $rc "captures of every any-order alternative are set after end (exit $rc)"

# --- P2.11: text glued to a quote in send command ----------------------
sc glue 'codec resp
send command SET k "a"b'
chk glue
check $(( rc == 2 ? 0 : 1 )) "send command SET k \"a\"b is refused (exit $rc)"
has 'glue.txt:2:23: expected a blank after the closing quote, got '"'b'" \
    "at the glued text's column"
sc glue2 'codec resp
send command SET k a"b"'
chk glue2
check $(( rc == 2 ? 0 : 1 )) "send command SET k a\"b\" is refused (exit $rc)"
has 'glue2.txt:2:21: expected a blank before the opening quote' \
    "at the glued quote's column"

# --- P2.8: send pack reads computed text as the language does -----------
timeout -k 1 10 "$BIN" run tests/scenarios/values-pack-values.txt \
    >"$tmp/r.out" 2>&1
rc=$?
check $rc "pack: \"010\" is 10, \"08\" is 8, a captured u64 past INT64_MAX goes back out (exit $rc)"
grep -q "runtime error" "$tmp/r.out" && sed 's/^/# /' "$tmp/r.out"
for v in 0x10 ' 7' 1e3; do
	sc pk "codec len16
service echo
timeout 1s
set a \"$v\"
send pack u8 \${a}"
	timeout -k 1 10 "$BIN" run "$tmp/pk.txt" >"$tmp/r.out" 2>&1
	rc=$?
	check $(( rc == 1 ? 0 : 1 )) "pack: the computed text '$v' is refused (exit $rc)"
	has "pk.txt:5: connection 1: runtime error: send pack field 1: expected a decimal integer for u8, got \"$v\"" \
	    "pack: '$v' is refused at file:line"
done

# --- P2.9: a pattern with ${...} is checked at parse time ---------------
for r in '"(a)\\1${x}"|a regex without backreferences' \
    '"(${x}"|a valid regex, got one that fails' \
    '"a**${x}"|a bounded regex'; do
	pat=${r%%|*}
	msg=${r#*|}
	sc rxt "codec line
set x \"b\"
send \"a\"
expect regex $pat"
	chk rxt
	check $(( rc == 2 ? 0 : 1 )) "check refuses expect regex $pat (exit $rc)"
	has "rxt.txt:4:14: expected $msg" "at file:line:col: $msg"
	sc rxt "codec http
set x \"b\"
send request GET \"/\"
expect header Location regex $pat"
	chk rxt
	check $(( rc == 2 ? 0 : 1 )) "check refuses a field regex $pat (exit $rc)"
done
sc rxt 'codec line
set x "b"
send "a"
expect regex raw "(${x}"'
chk rxt
check $rc "regex raw with a value is still checked when it runs, not at check (exit $rc)"

# --- P3: messages ------------------------------------------------------
# chkmsg DESC LINE TEXT...: `check` on "codec http" + LINE must exit 2
# and print every TEXT.
chkmsg() {
	d=$1
	l=$2
	shift 2
	sc msg "codec http
send request GET \"/\"
$l"
	chk msg
	check $(( rc == 2 ? 0 : 1 )) "check refuses $d (exit $rc)"
	for t in "$@"; do
		has "$t" "$d: says '$t'"
	done
}
chkmsg 'expect status "200"' 'expect status "200"' \
    'msg.txt:3:8: expected a status code without quotes' \
    "hint: codec http's status is a number"
chkmsg 'capture x bytes at 1' 'capture x bytes at 1' \
    'expected what to capture' 'status, int, code, field, u8, u16be'
chkmsg 'capture x header' 'capture x header' \
    'expected a header name such as Location' \
    'hint: as in: capture loc header Location'
chkmsg 'expect field header: "x"' 'expect field header: "x"' \
    "expected a header name after 'header:', got none" \
    'hint: as in: expect field header:Location'
chkmsg 'send request GET /x' 'send request GET /x' \
    "msg.txt:3:18: expected a quoted request target, got '/x'" \
    'hint: the target is quoted'
chkmsg 'capture x status 200' 'capture x status 200' \
    "expected end of line after the capture, got '200'" \
    'hint: a capture stores the field'
alts=$(i=0; while [ $i -lt 33 ]; do echo "  expect \"a$i\""; i=$((i + 1)); done)
chkmsg '33 alternatives' "expect one of
$alts
end" 'expected at most 32 alternatives in an expect set, got alternative number 33 here' \
    'hint: split the set in two'
peer resp15
sc typed 'codec resp
timeout 1s
send command GET k
expect json 1.5'
run typed
check $(( rc == 1 ? 0 : 1 )) "expect json 1.5 on the string \"1.5\" fails (exit $rc)"
has 'expect json: expected 1.5 (a number), got "1.5" (a string)' \
    "the report says number vs string"

# --- P1.3: exact integers in the JSON of any codec ----------------------
timeout -k 1 10 "$BIN" run tests/scenarios/values-json-bigint.txt \
    >"$tmp/r.out" 2>&1
rc=$?
check $(( rc == 1 ? 0 : 1 )) "json: 2^53+1 matches itself, a 23-digit integer differs by one (exit $rc)"
has "values-json-bigint.txt:12: connection 1: expect json: content: at 0 values differ" \
    "only the last expect fails (the capture kept 9007199254740993)"
has "expected value: 12345678901234567890124" "the report shows the expected digits"
has "received value: 12345678901234567890123" "and the received digits"
