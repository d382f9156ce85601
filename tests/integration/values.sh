#!/bin/sh
# Variables everywhere a value goes (issue 12): ${...} in regex patterns is
# escaped unless `raw`, and computed lengths, chunks, delays, timeouts and
# within bounds fail their step at file:line when out of range, never hang.
. tests/integration_lib.sh

# run FILE: run tests/scenarios/FILE (JSON in $tmp/r.json, text in r.out).
run() {
	timeout -k 1 20 "$BIN" run "tests/scenarios/$1" >"$tmp/r.out" 2>&1
	rc=$?
	timeout -k 1 20 "$BIN" run -f json "tests/scenarios/$1" >"$tmp/r.json" \
	    2>/dev/null
}
has() {
	grep -qF "$1" "$tmp/r.out"
	check $? "$2"
	grep -qF "$1" "$tmp/r.out" || sed 's/^/# /' "$tmp/r.out"
}

run values-regex-escaped.txt
check $(( rc == 1 ? 0 : 1 )) "an escaped value that does not match exits 1 (got $rc)"
has "tests/scenarios/values-regex-escaped.txt:9: connection 1: expect regex: the message does not match the pattern" \
    "the second expect (line 9) fails: '.' in the value is not a wildcard"
has 'expected to match: /^10\\.0\\.0\\.1$/' "the report shows the rendered, escaped pattern"
has 'pattern as written: /^${ip}$/' "and the pattern as written"
python3 - "$tmp/r.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
assert s["expects"] == 1, s          # line 7 matched, line 9 did not
f = s["failures"][0]
assert (f["line"], f["reason"]) == (9, "mismatch"), f
assert f["received"]["text"] == "10x0x0x1", f
PY
check $? "JSON: the first expect matched, the second failed with the bytes received"

run values-regex-raw-unbounded.txt
check $(( rc == 1 ? 0 : 1 )) "a raw value making the regex unbounded exits 1 (got $rc)"
has "tests/scenarios/values-regex-raw-unbounded.txt:7: connection 1: expect regex: runtime error: the pattern /^\${p}\$/ rendered to /^a**\$/, which is refused: repetition operators stacked at '*\$'" \
    "it fails at file:line saying which pattern and why"
python3 - "$tmp/r.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))["scenarios"][0]["failures"][0]
assert (f["line"], f["step"], f["reason"]) == (7, "expect", "error"), f
PY
check $? "JSON: reason error at line 7"

start=$(date +%s)
run values-values-out-of-range.txt
end=$(date +%s)
check $(( rc == 1 ? 0 : 1 )) "out-of-range values exit 1 (got $rc)"
check $(( end - start < 10 ? 0 : 1 )) "and do not hang ($((end - start))s for two runs)"
python3 - "$tmp/r.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
assert s["connections_failed"] == 5, s
got = sorted((f["line"], f["reason"], f["message"]) for f in s["failures"])
want = [
 (9, "error", "expect length: runtime error: a length in bytes of -1 (expected 0 to 1000000000)"),
 (12, "error", "runtime error: a timeout in milliseconds of 0 (expected 1 to 604800000)"),
 (15, "error", "runtime error: a chunk size in bytes of 0 (expected 1 to 1000000000)"),
 (18, "error", "runtime error: a quiet period in milliseconds of 9999999999 (expected 1 to 604800000)"),
 (21, "error", "runtime error: a within bound in milliseconds needs an integer, got \"soon\""),
]
assert got == want, got
PY
check $? "JSON: each connection fails at its own line with the value and the range"

run values-chunk-delay-within.txt
check $(( rc == 1 ? 0 : 1 )) "a chunked send with computed delays exits 1 against within (got $rc)"
has "tests/scenarios/values-chunk-delay-within.txt:9: connection 1: expect within: the message came " \
    "the reply came after the chunks' delays, later than within \${ms - 50}"
has "not within 100.000ms" "and the bound is the computed 100ms"
python3 - "$tmp/r.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))["scenarios"][0]["failures"][0]
assert f["reason"] == "within" and f["measured_seconds"] >= 0.3, f
PY
check $? "JSON: the measured time covers the two 150ms delays"

# check refuses a name that is not set, inside a pattern, at file:line:col.
printf 'codec line\nexpect regex "id=${nope}"\n' >"$tmp/u.txt"
"$BIN" check "$tmp/u.txt" >"$tmp/c.out" 2>&1
rc=$?
check $(( rc == 2 ? 0 : 1 )) "check exits 2 for an unset name in a pattern (got $rc)"
grep -qF "u.txt:2:18: expected a variable set on every path before this line, got '\${nope}'" "$tmp/c.out"
check $? "and names it at file:line:col"
