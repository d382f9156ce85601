#!/bin/sh
# Values in field expects and the steps around them: a field
# regex with ${...} is escaped and rendered when its step runs, `within`
# on an expect set's alternative is checked, the set's report lists field
# alternatives as written, and a computed wait or capture offset out of
# range fails its step at file:line with reason error.
. tests/integration_lib.sh

# run FILE: run tests/scenarios/FILE (text in $tmp/r.out, JSON in r.json).
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

f=tests/scenarios/values-field-regex-escaped.txt
run values-field-regex-escaped.txt
check $(( rc == 1 ? 0 : 1 )) "a field regex that does not match exits 1 (got $rc)"
has "$f:12: connection 1: expect header Location: expected header Location /^http://a\\\\.b//, got \"http://axb/x\"" \
    "the header regex's value is escaped: a.b does not match axb (line 12)"
has 'pattern as written: /^${base}//' "the report shows the pattern as written"
has "$f:14: connection 2: expect one of: a message matched none" \
    "the expect set fails at its line"
has "line 15: expect status 2xx" "the set's report lists a field alternative as written"
has "line 16: expect header Location regex /^http://a\\\\.b//" \
    "with its rendered pattern"
python3 - "$tmp/r.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
assert s["expects"] == 2, s      # line 9 passed on both connections
lines = sorted(f["line"] for f in s["failures"])
assert lines == [12, 14], lines
PY
check $? "the JSON report: line 9 passed twice, failures at 12 and 14"

f=tests/scenarios/values-set-within.txt
run values-set-within.txt
check $(( rc == 1 ? 0 : 1 )) "a late alternative of an expect set exits 1 (got $rc)"
has "$f:9: connection 1: expect within: the message came " \
    "within on an alternative fails at the alternative's line"
has "not within 20.000ms" "and names the computed bound"
python3 - "$tmp/r.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
f = s["failures"][0]
assert f["line"] == 9 and f["reason"] == "within", f
assert f["measured_seconds"] >= 0.045, f     # the second chunk, 50ms on
PY
check $? "the JSON failure has reason within and the measured time"

f=tests/scenarios/values-values-wait-capture.txt
run values-values-wait-capture.txt
check $(( rc == 1 ? 0 : 1 )) "computed values out of range exit 1 (got $rc)"
has "$f:10: connection 1: runtime error: a wait in milliseconds of -10 (expected 0 to 604800000)" \
    "a negative wait is a runtime error at its line"
has "$f:12: connection 2: capture v: runtime error: a byte offset of -2 (expected 0 to 1000000000)" \
    "a negative capture offset is a runtime error at its line"
grep -qF "$f:10 (wait error)" "$tmp/r.out" &&
    grep -qF "$f:12 (capture error)" "$tmp/r.out"
check $? "both with reason error"

for e in field-values capture-at-offset; do
	timeout -k 1 20 "$BIN" run "scenarios/examples/$e.txt" >"$tmp/e.out" 2>&1
	check $? "scenarios/examples/$e.txt passes"
done
