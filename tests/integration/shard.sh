#!/bin/sh
# Shards and merge end to end (docs/scaling.md): three bench shards with a
# common --start-at against one server, merged, compared with one unsharded
# run and with the shards' own histograms decoded independently here; a
# late, a failed, a missing and an unreadable shard flagged; SIGINT during
# the wait; --shard env; run --shard merged to the unsharded JUnit.
# Prints TAP lines; every load is on 127.0.0.1, a few connections.
. tests/integration_lib.sh

# json_ok FILE EXPR: python3 evaluates EXPR with the parsed file as j.
json_ok() {
	$PYTHON -c "import json,sys; j=json.load(open(sys.argv[1])); \
sys.exit(0 if ($2) else 1)" "$1" 2>>"$tmp/py.err"
}

serve echo || exit 1
srv=127.0.0.1:$port
now=$(date +%s)
at=$((now + 2))
for i in 0 1 2; do
	timeout 60 "$BIN" bench -C "$srv" -c 6 -n 3000 -p 2 --shard "$i/3" \
	    --start-at "$at" --late-after 5s --format json -q \
	    >"$tmp/s$i.json" \
	    2>"$tmp/s$i.err" &
	eval "sp$i=\$!"
done
rc=0
wait "$sp0" || rc=1
wait "$sp1" || rc=1
wait "$sp2" || rc=1
check $rc "three shards with a common --start-at exit 0"
json_ok "$tmp/s1.json" "j['connections'] == 2 and j['requests_limit'] == 1000 \
and j['answered'] == 1000 and j['shard'] == {'index': 1, 'total': 3} and \
j['start']['at'] == $at and 0 <= j['start']['late_seconds'] < 5 and \
j['start']['late'] is False"
check $? "a shard takes its share (-c 6 -n 3000 over 3: 2 and 1000) and records its real start"

"$BIN" merge --format json "$tmp/s0.json" "$tmp/s1.json" "$tmp/s2.json" \
    >"$tmp/m.json" 2>"$tmp/m.err"
check $? "merge of three good shards exits 0"
timeout 60 "$BIN" bench -C "$srv" -c 6 -n 3000 -p 2 --format json -q \
    >"$tmp/one.json" 2>"$tmp/one.err"
check $? "the unsharded run exits 0"
$PYTHON - "$tmp/m.json" "$tmp/one.json" >"$tmp/cmp.out" 2>&1 <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); one = json.load(open(sys.argv[2]))
for k in ("connections", "connected", "sent", "answered", "requests",
          "bytes_out", "bytes_in", "requests_limit", "lost", "unanswered"):
    assert m[k] == one[k], (k, m[k], one[k])
for k in ("latency_us", "connect_us", "first_byte_us"):
    assert m[k]["count"] == one[k]["count"], k
assert m["workers"] == 3 and len(m["per_worker"]) == 3
assert [s["status"] for s in m["shards"]] == ["ok"] * 3
assert [s["index"] for s in m["shards"]] == [0, 1, 2]
assert m["ended"]["ok"] and m["shard"] is None
PY
check $? "merged counts equal the unsharded run's (connections, sent, answered, bytes, samples)"

# The documented lossless form, decoded here without sockbench: the merged
# buckets are the sums of the shards', and every percentile the merged
# report prints is the one computed from all the shards' samples.
$PYTHON - "$tmp/m.json" "$tmp/s0.json" "$tmp/s1.json" "$tmp/s2.json" \
    >"$tmp/hist.out" 2>&1 <<'PY'
import base64, json, math, sys

def uvarint(b, i):
    v = s = 0
    while True:
        c = b[i]; i += 1
        v |= (c & 0x7f) << s; s += 7
        if c < 0x80:
            return v, i

def decode(text):
    b = base64.b64decode(text, validate=True)
    assert b[:4] == b"SBH1"
    i = 4; f = []
    for _ in range(7):
        v, i = uvarint(b, i); f.append(v)
    count, total, lo, hi, overflow, lost, nz = f
    buckets = {}; idx = -1
    for _ in range(nz):
        gap, i = uvarint(b, i); c, i = uvarint(b, i)
        idx += gap + 1; buckets[idx] = c
    assert i == len(b)
    return dict(count=count, sum=total, min=lo, max=hi, lost=lost, b=buckets)

def highest(idx):
    if idx < 2048:
        return idx
    shift = (idx >> 10) - 1
    return ((idx - (shift << 10)) << shift) + (1 << shift) - 1

def value_at(h, pct):
    n = h["count"] - h["lost"]
    rank = min(max(math.ceil(pct / 100.0 * n - 1e-9), 1), n)
    acc = 0
    for idx in sorted(h["b"]):
        acc += h["b"][idx]
        if acc >= rank:
            return min(max(highest(idx), h["min"]), h["max"])

m = json.load(open(sys.argv[1]))
shards = [json.load(open(p)) for p in sys.argv[2:]]
for key in ("latency_us", "connect_us", "first_byte_us"):
    hs = [decode(s["histograms"][key]) for s in shards]
    want = dict(count=sum(h["count"] for h in hs), sum=sum(h["sum"] for h in hs),
                min=min(h["min"] for h in hs), max=max(h["max"] for h in hs),
                lost=0, b={})
    for h in hs:
        for idx, c in h["b"].items():
            want["b"][idx] = want["b"].get(idx, 0) + c
    got = decode(m["histograms"][key])
    assert got == want, key
    blk = m[key]
    assert blk["count"] == want["count"] and blk["min"] == want["min"] \
        and blk["max"] == want["max"], key
    for name, pct in (("p50", 50), ("p90", 90), ("p99", 99), ("p99.9", 99.9)):
        assert blk[name] == value_at(want, pct), (key, name, blk[name])
PY
check $? "merged histograms are the bucket sums of the shards', and p50..p99.9 are those of all their samples (decoded independently)"

"$BIN" merge "$tmp/s0.json" "$tmp/s1.json" "$tmp/s2.json" >"$tmp/m.txt" 2>&1
grep -q '^shards  *3 reports merged, the last started .*, none flagged$' \
    "$tmp/m.txt" && grep -q '^requests  *3000 in' "$tmp/m.txt" &&
    grep -q '^verdict  *ok$' "$tmp/m.txt"
check $? "the merged text report is bench's report, with a shards line"

# A late shard: the same --start-at, started 2 s or more after it.
wait_s=$((at + 2 - $(date +%s)))
[ "$wait_s" -gt 0 ] && sleep "$wait_s"
timeout 30 "$BIN" bench -C "$srv" -c 6 -n 150 -p 2 --shard 1/3 \
    --start-at "$at" --format json -q >"$tmp/late.json" 2>/dev/null
rc=$?
[ "$rc" -eq 1 ] && json_ok "$tmp/late.json" "j['start']['late_seconds'] >= 2 \
and j['start']['late'] is True \
and not j['ended']['ok'] and 'after --start-at' in j['ended']['verdict'] \
and j['answered'] == 50"
check $? "a shard that starts 2 s after --start-at runs, but its verdict fails (exit $rc)"
# A failed shard: its server refuses.
dead=$(free_port)
timeout 30 "$BIN" bench -C "127.0.0.1:$dead" -c 6 -n 3000 -p 2 --shard 2/3 \
    --format json -q >"$tmp/fail.json" 2>/dev/null
check $([ $? -eq 1 ] && echo 0 || echo 1) "a shard whose connections are refused exits 1"
head -c 200 "$tmp/s0.json" >"$tmp/cut.json"
"$BIN" merge --format json "$tmp/s0.json" "$tmp/late.json" "$tmp/fail.json" \
    "$tmp/cut.json" >"$tmp/bad.json" 2>"$tmp/bad.err"
rc=$?
[ "$rc" -eq 1 ] && json_ok "$tmp/bad.json" "\
[(s['index'], s['status'], s['merged']) for s in j['shards']] == \
[(0, 'ok', True), (1, 'late', True), (2, 'failed', True), \
(None, 'unreadable', False)] and not j['ended']['ok'] and \
'3 of 4 shards flagged' in j['ended']['verdict'] and \
j['answered'] == 1000 + 50 and j['connections'] == 2 + 2 + 2"
check $? "merge flags a late, a failed and an unreadable shard, sums the ones it read, exits 1 (got $rc)"
"$BIN" merge "$tmp/s0.json" "$tmp/s2.json" >"$tmp/miss.txt" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q '^  shard 1/3 (no report): missing, not merged' \
    "$tmp/miss.txt" && grep -q '^verdict  *failed: 1 of 3 shards flagged' \
    "$tmp/miss.txt"
check $? "a shard index no report carries is flagged missing, exit 1 (got $rc)"
"$BIN" merge "$tmp/s0.json" "$tmp/s0.json" "$tmp/s1.json" "$tmp/s2.json" \
    >"$tmp/dup.txt" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q 'duplicate, not merged' "$tmp/dup.txt" &&
    grep -q '^requests  *3000 in' "$tmp/dup.txt"
check $? "a report given twice is flagged and added once (got $rc)"
"$BIN" merge --format json "$tmp/m.json" "$tmp/s0.json" >"$tmp/mm.json" 2>&1
rc=$?
[ "$rc" -eq 1 ] && json_ok "$tmp/mm.json" "[(s['status'], s['merged']) for s \
in j['shards'] if s['file'] and s['file'].endswith('/m.json')] == \
[('failed', False)] and j['ended']['ok'] is False"
check $? "a merged report given to merge is refused (already a merge), not summed again, exit 1 (got $rc)"
"$BIN" merge "$tmp/cut.json" >/dev/null 2>"$tmp/none.err"
rc=$?
[ "$rc" -eq 3 ] && grep -q 'no report could be merged' "$tmp/none.err"
check $? "nothing readable: exit 3 and a message (got $rc)"

# SIGINT while waiting for --start-at: the loop ends the wait at once.
"$BIN" bench -C "$srv" -c 2 -d 1s --start-at "$((now + 60))" -q \
    >"$tmp/int.txt" 2>&1 &
bp=$!
sleep 0.5
kill -INT "$bp"
t0=$(date +%s)
wait "$bp"
rc=$?
t1=$(date +%s)
[ "$rc" -eq 1 ] && [ $((t1 - t0)) -le 3 ] &&
    grep -q '^shard  *start at .*, never started$' "$tmp/int.txt" &&
    grep -q 'interrupted' "$tmp/int.txt"
check $? "SIGINT during the --start-at wait ends the run at once, never started, exit 1 (got $rc)"

# --shard env: the Indexed Job's variables.
JOB_COMPLETION_INDEX=2 SOCKBENCH_SHARDS=4 timeout 30 "$BIN" bench -C "$srv" \
    -c 8 -n 400 --shard env --format json -q >"$tmp/env.json" 2>/dev/null
json_ok "$tmp/env.json" "j['shard'] == {'index': 2, 'total': 4} and \
j['connections'] == 2 and j['answered'] == 100"
check $? "--shard env reads JOB_COMPLETION_INDEX and SOCKBENCH_SHARDS"
SOCKBENCH_SHARDS=4 "$BIN" bench --shard env -c 8 -n 400 >/dev/null \
    2>"$tmp/env.err"
rc=$?
[ "$rc" -eq 2 ] && grep -q 'JOB_COMPLETION_INDEX is not set' "$tmp/env.err"
check $? "--shard env without JOB_COMPLETION_INDEX: usage error naming it (got $rc)"
"$BIN" bench --shard 3/3 -c 8 >/dev/null 2>"$tmp/bad.err"
rc=$?
"$BIN" bench --shard 3/4 -c 3 >/dev/null 2>>"$tmp/bad.err"
rc2=$?
[ "$rc" -eq 2 ] && [ "$rc2" -eq 2 ] && grep -q 'must be below 3' \
    "$tmp/bad.err" && grep -q 'gives shard 3 no connection' "$tmp/bad.err"
check $? "--shard out of range or with fewer connections than shards: exit 2"
timeout 30 "$BIN" bench -c 1 -d 200ms -q --start-at 0001-01-01T00:00:00Z \
    >"$tmp/sa.out" 2>"$tmp/sa.err"
rc=$?
timeout 30 "$BIN" bench -c 1 -d 200ms -q --start-at 0 >/dev/null \
    2>>"$tmp/sa.err"
rc2=$?
[ "$rc" -eq 2 ] && [ "$rc2" -eq 2 ] && [ ! -s "$tmp/sa.out" ] &&
    [ "$(grep -c 'after 1970-01-01T00:00:00Z' "$tmp/sa.err")" -eq 2 ]
check $? "--start-at at or before 1970, RFC 3339 or unix seconds: usage error, nothing run (got $rc, $rc2)"

# run --shard: a scenario set split by file, merged to one JUnit.
for i in 0 1 2; do
	timeout 120 "$BIN" run -q --shard "$i/3" --format json \
	    -o "$tmp/r$i.json" scenarios/seed >/dev/null 2>&1 || echo "r$i" \
	    >>"$tmp/rfail"
done
timeout 120 "$BIN" run -q --format junit -o "$tmp/one.xml" scenarios/seed \
    >/dev/null 2>&1
"$BIN" merge --format junit --shards 3 "$tmp/r0.json" "$tmp/r1.json" \
    "$tmp/r2.json" >"$tmp/merged.xml" 2>"$tmp/merged.err"
rc=$?
sed 's/time="[^"]*"//g' "$tmp/one.xml" >"$tmp/one.x"
sed 's/time="[^"]*"//g' "$tmp/merged.xml" >"$tmp/merged.x"
[ "$rc" -eq 0 ] && [ ! -f "$tmp/rfail" ] && cmp -s "$tmp/one.x" "$tmp/merged.x"
check $? "run --shard I/3 over scenarios/seed, merged: the unsharded JUnit, times aside (got $rc)"
"$BIN" merge --format junit --shards 3 "$tmp/r0.json" "$tmp/r2.json" \
    >"$tmp/short.xml" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q '2 reports given, --shards 3 expected' \
    "$tmp/short.xml"
check $? "run reports short of --shards: an error in the merged JUnit, exit 1 (got $rc)"
"$BIN" run -q --format json "$tmp/none.txt" >"$tmp/noshard.json" 2>/dev/null
json_ok "$tmp/r1.json" "j['shard'] == {'index': 1, 'total': 3}" &&
    json_ok "$tmp/noshard.json" "j['shard'] is None"
check $? "run --shard I/N writes \"shard\": {index, total} in its JSON report, null without --shard"
"$BIN" merge --format json --shards 3 "$tmp/r0.json" "$tmp/r0.json" \
    "$tmp/r2.json" >"$tmp/rdup.json" 2>&1
rc=$?
[ "$rc" -eq 1 ] && json_ok "$tmp/rdup.json" "j['error_count'] == 2 and \
any('shard 0/3 again' in e['message'] and 'duplicate, not merged' in \
e['message'] for e in j['errors']) and any('no report of shard 1/3 was \
merged: missing' in e['message'] for e in j['errors'])"
check $? "run reports: shard 0 given twice for --shards 3 is a duplicate, shard 1 missing, exit 1 (got $rc)"
"$BIN" merge "$tmp/r0.json" "$tmp/r0.json" >"$tmp/rdup2.txt" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q 'duplicate, not merged' "$tmp/rdup2.txt" &&
    grep -q 'no report of shard 1/3 was merged: missing' "$tmp/rdup2.txt" &&
    grep -q 'no report of shard 2/3 was merged: missing' "$tmp/rdup2.txt"
check $? "run reports without --shards: the shards' own total finds the duplicate and the missing, exit 1 (got $rc)"
timeout 60 "$BIN" run -q --format json -o "$tmp/u1.json" \
    scenarios/seed/s1-multiconn-echo.txt >/dev/null 2>&1
cp "$tmp/u1.json" "$tmp/u2.json"
"$BIN" merge "$tmp/u1.json" "$tmp/u2.json" >"$tmp/upath.txt" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q 's1-multiconn-echo.txt ran in two reports (.*u1.json and .*u2.json)' "$tmp/upath.txt"
check $? "run reports without shards: one scenario file in two reports is an error, exit 1 (got $rc)"
