#!/bin/sh
# sockbench bench end to end: the text report, the JSON report's fields,
# --workers merging, a scenario as the message, and the fd-limit error.
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
json_ok "$tmp/j" "j['latency_us']['count'] == j['requests'] and \
j['connect_us']['count'] == 10"
check $? "one latency sample per request, one connect sample per connection"

timeout 30 "$BIN" bench -c 10 -w 2 -d 1s --format json >"$tmp/w" 2>"$tmp/w.err"
check $? "bench --workers 2 exits 0"
json_ok "$tmp/w" "j['workers'] == 2 and len(j['per_worker']) == 2 and \
sum(w['requests'] for w in j['per_worker']) == j['requests'] and \
sum(w['connections'] for w in j['per_worker']) == 10 and \
j['latency_us']['count'] == j['requests'] and \
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

echo "1..$n"
