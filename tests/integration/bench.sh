#!/bin/sh
# sockbench bench end to end: the text report, the JSON report's fields,
# --workers merging, a scenario as the message, the fd-limit error, and
# every request accounted for against misbehaving test peers
# (tests/peers/bench_peer.py: streaming, stalling, half-answering,
# dropping, dying, never reading).
# Prints TAP lines; every load is on 127.0.0.1, a few connections, 1 s.
BIN=${BIN:-./sockbench}
n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# check STATUS DESCRIPTION: print one TAP line.
check() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
	fi
}

# json_ok FILE EXPR: python3 evaluates EXPR with the parsed file as j.
json_ok() {
	python3 -c "import json,sys; j=json.load(open(sys.argv[1])); \
sys.exit(0 if ($2) else 1)" "$1" 2>>"$tmp/py.err"
}

timeout 30 "$BIN" bench -c 10 -d 1s >"$tmp/text" 2>"$tmp/text.err"
check $? "bench -c 10 -d 1s exits 0"
grep -q '^requests  *[1-9][0-9]* in ' "$tmp/text"
check $? "the text report counts requests"
grep -q '^latency .*p50 .*p99\.9 .*max ' "$tmp/text"
check $? "the text report has latency percentiles"
grep -q '^errors  *none' "$tmp/text"
check $? "no errors against the embedded echo server"

timeout 30 "$BIN" bench -c 10 -p 4 -d 1s --format json >"$tmp/j" 2>"$tmp/j.err"
check $? "bench --format json exits 0"
json_ok "$tmp/j" "j['requests'] > 0 and j['connections'] == 10 and \
j['bytes_out'] >= 64 * j['requests'] and j['bytes_out'] % 64 == 0 and all(k in j['latency_us'] for k in \
('p50','p90','p99','p99.9','max')) and 'refused' in j['errors'] and \
j['requests_per_second'] > 0 and j['depth'] == 4"
check $? "the JSON report has requests > 0 and every field"
json_ok "$tmp/j" "j['latency_us']['count'] == j['answered'] and \
j['connect_us']['count'] == 10"
check $? "one latency sample per request, one connect sample per connection"

timeout 30 "$BIN" bench -c 10 -w 2 -d 1s --format json >"$tmp/w" 2>"$tmp/w.err"
check $? "bench --workers 2 exits 0"
json_ok "$tmp/w" "j['workers'] == 2 and len(j['per_worker']) == 2 and \
sum(w['requests'] for w in j['per_worker']) == j['requests'] and \
sum(w['answered'] for w in j['per_worker']) == j['answered'] and \
sum(w['connections'] for w in j['per_worker']) == 10 and \
j['latency_us']['count'] == j['answered'] and \
all(w['requests'] > 0 for w in j['per_worker'])"
check $? "--workers 2: per-worker figures add up to the merged report"

timeout 30 "$BIN" bench -c 3 -n 1000 --format json >"$tmp/n" 2>"$tmp/n.err"
json_ok "$tmp/n" "j['requests'] == 1000 and j['bytes_in'] == 64000 and \
j['bytes_out'] == 64000"
check $? "-n 1000 completes exactly 1000 requests, bytes match"

cat >"$tmp/sc.txt" <<'EOF'
name "bench scenario"
codec line
connections 1
send "hello bench"
expect "hello bench"
EOF
timeout 30 "$BIN" bench -c 2 -n 500 --scenario "$tmp/sc.txt" \
    --format json >"$tmp/s" 2>"$tmp/s.err"
json_ok "$tmp/s" "j['requests'] == 500 and j['message_bytes'] == 12"
check $? "--scenario sends its first message, line codec counts frames"

timeout 30 "$BIN" bench -c 2 -d 1s --message 'ab\x00\n' --format json \
    >"$tmp/m" 2>"$tmp/m.err"
json_ok "$tmp/m" "j['message_bytes'] == 4 and j['requests'] > 0"
check $? "--message decodes escapes"

# Hex digits (--hex, \xNN) in either case, through the shared hex_digit().
timeout 30 "$BIN" bench -c 1 -n 3 --hex 'aB:0f 9C' --format json \
    >"$tmp/hx" 2>"$tmp/hx.err"
json_ok "$tmp/hx" "j['message_bytes'] == 3 and j['bytes_out'] == 9 and \
j['bytes_in'] == 9"
check $? "--hex takes digits of either case, spaces and colons"
timeout 30 "$BIN" bench -c 1 -n 3 --message '\xAf\xfA' --format json \
    >"$tmp/hm" 2>"$tmp/hm.err"
json_ok "$tmp/hm" "j['message_bytes'] == 2 and j['bytes_out'] == 6"
check $? "--message \\xNN takes digits of either case"
bad=0
for h in 'g0' 'abc' '0x41'; do
	timeout 10 "$BIN" bench -c 1 -n 1 --hex "$h" >/dev/null 2>"$tmp/hb.err"
	rc=$?
	{ [ "$rc" -eq 2 ] && grep -q "bad escape or hex digit" "$tmp/hb.err"; } ||
	    bad=1
done
timeout 10 "$BIN" bench -c 1 -n 1 --message '\xg1' >/dev/null 2>&1
[ $? -eq 2 ] || bad=1
check $bad "a bad hex digit or an odd count is a usage error (exit 2)"

lim=$(ulimit -n)
want=$((lim + 100))
timeout 30 "$BIN" bench -C 127.0.0.1:9 -c "$want" -d 1s >"$tmp/l" 2>"$tmp/l.err"
rc=$?
[ "$rc" -eq 2 ] && grep -q "limit is" "$tmp/l.err"
check $? "more connections than the fd limit: exit 2 naming the limit (got $rc)"

timeout 30 "$BIN" bench -c 5 -d 1s --depth 0 >/dev/null 2>"$tmp/u.err"
[ $? -eq 2 ]
check $? "a bad --depth is a usage error"

# Refused connections are errors by cause, and the run ends by itself.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
timeout 30 "$BIN" bench -C "127.0.0.1:$port" -c 3 -d 5s --format json \
    >"$tmp/r" 2>"$tmp/r.err"
rc=$?
[ "$rc" -eq 1 ] && json_ok "$tmp/r" "j['errors']['refused'] == 3 and \
j['requests'] == 0"
check $? "a closed port: 3 refused, exit 1 (got $rc)"

# ---- every request accounted for (issue 11) ----
PEER="python3 tests/peers/bench_peer.py"
peers=""
trap 'for p in $peers; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT INT TERM

# peer NAME MODE [ARGS]: start a test peer, wait for its port in $NAME.port.
peer() {
	local name=$1 i
	shift
	$PEER "$@" --life 60 "$tmp/$name.port" >"$tmp/$name.out" 2>&1 &
	peers="$peers $!"
	eval "${name}_pid=$!"
	for i in $(seq 100); do
		[ -s "$tmp/$name.port" ] && break
		sleep 0.1
	done
	eval "${name}_port=$(cat "$tmp/$name.port")"
}

# Every request sent is answered, timed out, lost or unanswered.
ACCOUNTED="j['sent'] == j['answered'] + j['errors']['timeout'] + j['lost'] + \
j['unanswered']"

peer stream stream
peer stall stall --after 3
peer half half
peer drop drop --after 40
peer slow slow --after 300
peer hole blackhole
peer tally tally
peer tally2 tally

timeout 30 "$BIN" bench -C "127.0.0.1:$stream_port" -c 2 -d 1s -q \
    --format json >"$tmp/st" 2>"$tmp/st.err"
rc=$?
[ "$rc" -eq 1 ] && json_ok "$tmp/st" "j['answered'] == 0 and \
j['requests'] == 0 and j['errors']['unexpected_bytes'] > 0 and \
j['latency_us']['count'] == 0 and not j['ended']['ok'] and $ACCOUNTED"
check $? "a server that streams without reading: 0 answered, unexpected bytes, exit 1 (got $rc)"
json_ok "$tmp/st" "list(j['latency_us']) == ['count','min','p50','p90',\
'p99','p99.9','max','mean'] and j['latency_us']['count'] == 0 and \
all(j['latency_us'][k] is None for k in list(j['latency_us'])[1:]) and \
list(j['first_byte_us']) == list(j['latency_us'])"
check $? "no samples: the latency block keeps its keys, count 0 and the rest null (docs/json.md)"
timeout 30 "$BIN" bench -C "127.0.0.1:$stream_port" -c 2 -d 1s -q \
    --no-reconnect >"$tmp/st2" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q '^requests  *0 in' "$tmp/st2" &&
    grep -q '^errors .*unexpected_bytes [1-9]' "$tmp/st2" &&
    grep -q '^verdict  *failed: no request was answered' "$tmp/st2"
check $? "streaming server, text report: 0 requests, unexpected_bytes, verdict failed (got $rc)"

timeout 30 "$BIN" bench -C "127.0.0.1:$stall_port" -c 2 -p 4 -d 1500ms -q \
    --request-timeout 400ms --format json >"$tmp/sl" 2>"$tmp/sl.err"
rc=$?
[ "$rc" -eq 1 ] && json_ok "$tmp/sl" "j['errors']['timeout'] >= 2 and \
j['stalled'] == j['errors']['timeout'] and j['reopened'] >= 2 and \
j['latency_us']['max'] >= 400000 and \
j['latency_us']['count'] == j['answered'] + j['errors']['timeout'] and \
j['lost'] > 0 and $ACCOUNTED"
check $? "a server that stops answering: timeouts, stalled connections, latency >= the timeout, exit 1 (got $rc)"

timeout 30 "$BIN" bench -C "127.0.0.1:$stall_port" -c 2 -d 500ms -q \
    --request-timeout 1s --no-reconnect --format json >"$tmp/un" 2>"$tmp/un.err"
rc=$?
[ "$rc" -eq 1 ] && json_ok "$tmp/un" "j['answered'] == 6 and \
j['requests'] == 6 and j['unanswered'] == 2 and j['errors']['timeout'] == 0 \
and j['elapsed_seconds'] >= 1.4 and j['seconds'] < 0.8 and $ACCOUNTED"
check $? "in flight at the end: drained for the request timeout, then unanswered 2, exit 1 (got $rc)"
timeout 30 "$BIN" bench -C "127.0.0.1:$stall_port" -c 2 -d 500ms -q \
    --request-timeout 1s --no-reconnect --allow-loss >/dev/null 2>&1
check $? "--allow-loss: the same run exits 0"

timeout 30 "$BIN" bench -C "127.0.0.1:$slow_port" -c 2 -d 1s -q \
    --format json >"$tmp/sw" 2>"$tmp/sw.err"
rc=$?
[ "$rc" -eq 0 ] && json_ok "$tmp/sw" "j['after_window'] == 2 and \
j['answered'] == j['requests'] + 2 and j['unanswered'] == 0 and \
j['sent'] == j['answered'] and $ACCOUNTED"
check $? "a 300 ms server: the 2 in flight at the end are drained and answered, outside the rate, exit 0 (got $rc)"

timeout 30 "$BIN" bench -C "127.0.0.1:$half_port" -c 2 -d 1s -q \
    --request-timeout 300ms --format json >"$tmp/hf" 2>"$tmp/hf.err"
rc=$?
[ "$rc" -eq 1 ] && json_ok "$tmp/hf" "j['answered'] > 0 and \
j['errors']['timeout'] > 0 and $ACCOUNTED"
check $? "a server that answers half: timeouts counted, every request accounted, exit 1 (got $rc)"

timeout 30 "$BIN" bench -C "127.0.0.1:$drop_port" -c 2 -p 4 -n 500 -d 20s -q \
    --format json >"$tmp/dr" 2>"$tmp/dr.err"
rc=$?
[ "$rc" -eq 1 ] && json_ok "$tmp/dr" "j['answered'] == 500 and \
j['lost'] > 0 and j['errors']['reset'] > 0 and j['reopened'] > 0 and \
j['connected'] == 2 and j['connect_us']['count'] == 2 + j['reopened'] and \
j['elapsed_seconds'] < 10 and j['ended']['why'] == '500 requests answered' \
and $ACCOUNTED"
check $? "connections dropped mid-run: lost counted, reconnects reach -n 500 before -d, exit 1 (got $rc)"
timeout 30 "$BIN" bench -C "127.0.0.1:$drop_port" -c 2 -p 4 -n 500 -d 20s -q \
    --allow-loss >/dev/null 2>&1
check $? "--allow-loss: the same run exits 0"
timeout 30 "$BIN" bench -C "127.0.0.1:$drop_port" -c 2 -p 4 -n 500 -d 20s -q \
    --no-reconnect --format json >"$tmp/dn" 2>"$tmp/dn.err"
rc=$?
[ "$rc" -eq 1 ] && json_ok "$tmp/dn" "j['answered'] == 80 and \
j['ended']['early'] and j['elapsed_seconds'] < 10 and \
'none could be reopened' in j['ended']['why'] and \
'-n 500 not reached' in j['ended']['why'] and $ACCOUNTED"
check $? "no reconnect and every connection dropped: ends early and says why, exit 1 (got $rc)"

# A reopen that races the listener's close is refused, or accepted from the
# backlog and then reset by the close: either is a failed reopen.
peer die die --after 50
timeout 30 "$BIN" bench -C "127.0.0.1:$die_port" -c 3 -d 10s -q \
    --format json >"$tmp/di" 2>"$tmp/di.err"
rc=$?
[ "$rc" -eq 1 ] && json_ok "$tmp/di" "j['answered'] == 50 and \
j['ended']['early'] and j['elapsed_seconds'] < 5 and \
j['elapsed_seconds'] == j['ended']['elapsed_seconds'] and \
j['connected'] == 3 and j['open_at_end'] == 0 and \
j['reopened'] + j['reopen_failed'] >= 1 and \
((j['errors']['refused'] >= 1 and 'refused' in j['ended']['why']) or \
 (j['errors']['reset'] >= 1 and 'reset' in j['ended']['why'])) and $ACCOUNTED"
check $? "the server dies mid-run: early end with the real elapsed time and why, failed reopens counted apart, exit 1 (got $rc)"

for d in 1 16 256; do
	timeout 30 "$BIN" bench -c 4 -p "$d" -d 500ms -q --format json \
	    >"$tmp/h$d" 2>"$tmp/h$d.err"
	rc=$?
	[ "$rc" -eq 0 ] && json_ok "$tmp/h$d" "j['sent'] == j['answered'] and \
j['unanswered'] == 0 and j['lost'] == 0 and j['ended']['ok'] and \
j['errors']['unexpected_bytes'] == 0"
	check $? "a healthy server at depth $d: every request answered, exit 0 (got $rc)"
done
timeout 30 "$BIN" bench -c 2 --flood -d 500ms -q --format json >"$tmp/hf2" 2>&1
rc=$?
[ "$rc" -eq 0 ] && json_ok "$tmp/hf2" "j['sent'] == j['answered'] > 0"
check $? "a healthy server under --flood: drained to the last request, exit 0 (got $rc)"
timeout 30 "$BIN" bench -C "127.0.0.1:$tally_port" -c 2 -r 200 -d 500ms -q \
    >/dev/null 2>&1
check $? "a healthy server under --rate: exit 0"

timeout 30 "$BIN" bench -c 4 -w 2 -n 1000 -d 20s -q --format json \
    >"$tmp/wn" 2>"$tmp/wn.err"
rc=$?
[ "$rc" -eq 0 ] && json_ok "$tmp/wn" "j['answered'] == 1000 and \
[w['answered'] for w in j['per_worker']] == [500, 500] and \
j['elapsed_seconds'] < 10"
check $? "-n 1000 --workers 2: 1000 answered in total, 500 each, ends before -d (got $rc)"
timeout 30 "$BIN" bench -c 4 -w 3 -n 1000 -q --format json >"$tmp/w3" 2>&1
json_ok "$tmp/w3" "j['answered'] == 1000 and \
sorted(w['answered'] for w in j['per_worker']) == [333, 333, 334]"
check $? "-n 1000 --workers 3: 334 + 333 + 333"

timeout 30 "$BIN" bench -C "127.0.0.1:$hole_port" -c 1 --flood -p 256 \
    --size 65536 -d 300ms --request-timeout 500ms --allow-loss -q \
    --format json >"$tmp/bh" 2>"$tmp/bh.err"
json_ok "$tmp/bh" "j['sent'] > 0 and 0 < j['bytes_out'] < j['sent'] * 65536 \
and j['answered'] == 0 and $ACCOUNTED"
check $? "a server that reads nothing: bytes out counts what the socket took, not what was queued"

# Text and JSON: the same counters under the same names.
textjson() {
	python3 - "$1" "$2" <<'PY'
import json, re, sys
t = open(sys.argv[1]).read()
j = json.load(open(sys.argv[2]))
def num(pat):
    m = re.search(pat, t, re.M)
    if not m:
        sys.exit("no match: " + pat)
    return float(m.group(1))
pairs = [
    (r"^connected +(\d+) of", j["connected"]),
    (r"^connected +\d+ of (\d+)", j["connections"]),
    (r"reopened (\d+)", j["reopened"]),
    (r", reopen_failed (\d+)", j["reopen_failed"]),
    (r"stalled (\d+)", j["stalled"]),
    (r"open_at_end (\d+)", j["open_at_end"]),
    (r"^requests +(\d+) in", j["requests"]),
    (r"^answered +(\d+) of", j["answered"]),
    (r"^answered +\d+ of (\d+) sent", j["sent"]),
    (r"\((\d+) after the window\)", j["after_window"]),
    (r"^answered .*timeout (\d+)", j["errors"]["timeout"]),
    (r"^answered .*lost (\d+)", j["lost"]),
    (r"^answered .*unanswered (\d+)", j["unanswered"]),
    (r"^bytes +out (\d+)", j["bytes_out"]),
    (r"^bytes .*in (\d+)", j["bytes_in"]),
]
errs = re.search(r"^errors +(.*)$", t, re.M).group(1)
got = dict((k, int(v)) for k, v in re.findall(r"(\w+) (\d+)", errs))
for k, v in j["errors"].items():
    if got.get(k, 0) != v:
        sys.exit("errors %s: text %s json %s" % (k, got.get(k, 0), v))
if (errs == "none") != all(v == 0 for v in j["errors"].values()):
    sys.exit("errors none disagrees")
early = re.search(r"^ended +(early|as planned)", t, re.M).group(1) == "early"
if early != j["ended"]["early"]:
    sys.exit("early disagrees")
if re.search(r"^ended .*: (.*)$", t, re.M).group(1) != j["ended"]["why"]:
    sys.exit("why disagrees")
ok = re.search(r"^verdict +(\w+)", t, re.M).group(1) == "ok"
if ok != j["ended"]["ok"]:
    sys.exit("verdict disagrees")
for pat, want in pairs:
    if num(pat) != want:
        sys.exit("%s: text %s json %s" % (pat, num(pat), want))
PY
}
# Runs whose counts do not depend on timing, once as text, once as JSON
# (times differ between two runs, so only counts and verdicts compare).
for args in "-c 3 -n 1000" \
    "-C 127.0.0.1:$port -c 3 -d 5s" \
    "-C 127.0.0.1:$stall_port -c 2 -d 500ms --request-timeout 1s --no-reconnect"
do
	# shellcheck disable=SC2086
	timeout 30 "$BIN" bench $args -q >"$tmp/tt" 2>/dev/null
	# shellcheck disable=SC2086
	timeout 30 "$BIN" bench $args -q --format json >"$tmp/tj" 2>/dev/null
	textjson "$tmp/tt" "$tmp/tj" 2>"$tmp/tj.err"
	check $? "text and JSON agree field by field: bench $args $(cat "$tmp/tj.err")"
done

# Teardown: FIN by default, RST with --reset-at-end.
timeout 30 "$BIN" bench -C "127.0.0.1:$tally_port" -c 3 -d 300ms -q >/dev/null 2>&1
timeout 30 "$BIN" bench -C "127.0.0.1:$tally2_port" -c 3 -d 300ms -q \
    --reset-at-end >/dev/null 2>&1
sleep 0.5
[ "$(grep -c '^fin$' "$tmp/tally.out")" -ge 3 ] &&
    ! grep -q '^rst$' "$tmp/tally.out"
check $? "the server sees every connection end with a FIN by default ($(tr '\n' ' ' <"$tmp/tally.out"))"
[ "$(grep -c '^rst$' "$tmp/tally2.out")" -eq 3 ]
check $? "--reset-at-end: the server sees 3 resets ($(tr '\n' ' ' <"$tmp/tally2.out"))"

# A worker killed mid-run: the report names it and fails (exit 3).
"$BIN" bench -w 2 -c 4 -d 3s --format json >"$tmp/wk.json" 2>"$tmp/wk.err" &
wkp=$!
sleep 1
wkc=$(ps -o pid= --ppid "$wkp" | head -1)
[ -n "$wkc" ] && kill -9 $wkc
wait "$wkp"
rc=$?
[ "$rc" -eq 3 ] && json_ok "$tmp/wk.json" "j['workers'] == 1 and \
j['workers_asked'] == 2 and 'did not report (killed by signal 9)' in \
j['workers_lost'] and j['ended']['ok'] is False and \
j['ended']['verdict'] == j['workers_lost']" &&
    grep -q 'worker [01] of 2 did not report (killed by signal 9)' "$tmp/wk.err"
check $? "bench -w 2 with a worker killed: the JSON names it, ok false, stderr says it, exit 3 (got $rc)"
"$BIN" merge "$tmp/wk.json" >"$tmp/wkm.txt" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q ': failed: its verdict: worker [01] of 2 did not report' "$tmp/wkm.txt" &&
    grep -q '^verdict     failed: 1 of 1 shards flagged' "$tmp/wkm.txt"
check $? "merge of that report keeps its failed verdict and its reason, exit 1 (got $rc)"
timeout 30 "$BIN" bench -w 2 -c 4 -d 300ms -q --format json >"$tmp/wk2.json" 2>&1
json_ok "$tmp/wk2.json" "j['workers_asked'] == 2 and j['workers_lost'] is None \
and j['ended']['ok'] is True"
check $? "bench -w 2, both workers report: workers_asked 2, workers_lost null"

# --rate with --conn-requests: every due request sent or counted by its
# cause (never "depth full" for the churn cap), and the verdict says so.
timeout 30 "$BIN" bench -c 2 -d 1s --rate 2000 --conn-requests 5 -q \
    --format json >"$tmp/rc5.json" 2>&1
rc=$?
[ "$rc" -eq 1 ] && json_ok "$tmp/rc5.json" "j['errors']['skipped'] == 0 and \
j['errors']['churn_wait'] > 0 and abs(j['sent'] + j['errors']['skipped'] + \
j['errors']['churn_wait'] + j['errors']['behind'] - 4000 * j['seconds']) <= \
0.01 * 4000 * j['seconds'] and j['ended']['ok'] is False and \
'churn_wait' in j['ended']['verdict']"
check $? "--rate 2000 -c 2 --conn-requests 5: sent + skipped + churn_wait + behind = the due requests, none blamed on depth, verdict fails (got $rc)"
timeout 30 "$BIN" bench -c 2 -d 1s --rate 2000 -q --format json \
    >"$tmp/r2k.json" 2>&1
rc=$?
[ "$rc" -eq 0 ] && json_ok "$tmp/r2k.json" "abs(j['sent'] - 4000 * \
j['seconds']) <= 0.01 * 4000 * j['seconds'] and j['errors']['churn_wait'] \
== 0 and j['errors']['behind'] == 0 and j['errors']['skipped'] == 0"
check $? "--rate 2000 -c 2 without churn: every due request sent, verdict ok (got $rc)"

echo "1..$n"
