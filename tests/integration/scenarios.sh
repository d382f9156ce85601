#!/bin/sh
# Headless replay: every shipped scenario passes against the embedded
# server; a failing one fails with the right report; parse errors, report
# formats, --connect, and a server killed mid-run.
. tests/integration_lib.sh

files=$(ls scenarios/*.txt scenarios/*/*.txt 2>/dev/null)
n=$(echo "$files" | wc -l)
"$BIN" run $files >"$tmp/all" 2>&1
rc=$?
check $rc "every shipped scenario passes headless ($n files)"
grep -q "^$n passed, 0 failed$" "$tmp/all"
check $? "summary line says $n passed, 0 failed"
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/all" | grep -v '^# PASS'

"$BIN" run tests/scenarios/fail-echo-mismatch.txt >"$tmp/fail" 2>&1
check $(( $? == 1 ? 0 : 1 )) "a failing scenario exits 1"
grep -q "^FAIL tests/scenarios/fail-echo-mismatch.txt  0/3 connections" "$tmp/fail"
check $? "the failing scenario's line says 0/3 connections passed"
grep -q "tests/scenarios/fail-echo-mismatch.txt:9: connection [123]: expect bytes: first difference at byte 8: expected 0x58 'X', got 0x31 '1'" "$tmp/fail"
check $? "the report names file:line, the offset and both bytes"
grep -q 'received 22 bytes: "Message 1 from client."' "$tmp/fail" &&
    grep -q "expected hex @0: 4d 65 73 73 61 67 65 20 58" "$tmp/fail"
check $? "the report shows expected and received as text and hex"
grep -q "^0 passed, 1 failed$" "$tmp/fail"
check $? "the failing run ends with 0 passed, 1 failed"

"$BIN" run tests/scenarios/bad-syntax.txt scenarios/seed/s1-multiconn-echo.txt >"$tmp/bad" 2>&1
check $(( $? == 2 ? 0 : 1 )) "a parse error exits 2 and runs nothing"
grep -q "^tests/scenarios/bad-syntax.txt:4:1: " "$tmp/bad" && grep -q "hint:" "$tmp/bad"
check $? "the parse error names file:line:column and gives a hint"
grep -q PASS "$tmp/bad"
check $(( $? == 0 ? 1 : 0 )) "nothing ran after the parse error"

"$BIN" check scenarios/seed/*.txt >"$tmp/check" 2>&1
check $? "sockbench check accepts every seed scenario"
"$BIN" check tests/scenarios/bad-syntax.txt >"$tmp/check" 2>&1
check $(( $? == 2 ? 0 : 1 )) "sockbench check exits 2 on a parse error"

"$BIN" run --format junit --output "$tmp/junit.xml" scenarios/seed/s1-multiconn-echo.txt tests/scenarios/fail-echo-mismatch.txt >"$tmp/o" 2>&1
check $(( $? == 1 ? 0 : 1 )) "junit run with one failure exits 1"
python3 - "$tmp/junit.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
cases = r.findall(".//testcase")
fails = r.findall(".//failure")
assert r.get("tests") == "2" and r.get("failures") == "1", r.attrib
assert len(cases) == 2 and len(fails) == 1
assert "fail-echo-mismatch.txt:9" in fails[0].get("message")
PY
check $? "JUnit XML parses and counts 2 tests, 1 failure at file:line"

"$BIN" run --format json scenarios/seed/s2-message-parts.txt >"$tmp/json" 2>&1
python3 - "$tmp/json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["scenarios"][0]
assert d["passed"] == 1 and d["failed"] == 0
assert s["connections"] == 40 and s["connections_passed"] == 40
assert s["sends"] == 120 and s["expects"] == 120
lat = s["latency_us"]
assert lat["count"] == 120 and lat["p50"] <= lat["p99"] <= lat["max"]
PY
check $? "JSON report has per-scenario counts, timings and latency percentiles"

"$BIN" run --format tap scenarios/seed/s1-multiconn-echo.txt tests/scenarios/fail-echo-mismatch.txt >"$tmp/tap" 2>&1
grep -q "^1..2$" "$tmp/tap" && grep -q "^ok 1 - scenarios/seed/s1-multiconn-echo.txt$" "$tmp/tap" &&
    grep -q "^not ok 2 - tests/scenarios/fail-echo-mismatch.txt$" "$tmp/tap"
check $? "TAP report has a plan, ok and not ok lines"

serve ext -s echo
"$BIN" run --connect "127.0.0.1:$port" -c 50 scenarios/seed/s1-multiconn-echo.txt >"$tmp/o" 2>&1
check $? "--connect runs a scenario against an external sockbench serve"
grep -q "50/50 connections" "$tmp/o"
check $? "--conns overrides the scenario's connection count"

serve victim -s echo
victim=$pid
"$BIN" run --connect "127.0.0.1:$port" tests/scenarios/slow-echo.txt >"$tmp/killed" 2>&1 &
runpid=$!
sleep 0.5
kill "$victim"
wait $runpid
check $(( $? == 1 ? 0 : 1 )) "killing the server mid-run fails the run (exit 1)"
grep -Eq "slow-echo.txt:[0-9]+: connection [0-9]+: .*(peer closed|reset|refused|EOF)" "$tmp/killed"
check $? "the report says where the run was and that the peer went away"

"$BIN" run --timeout 300ms tests/scenarios/timeout-override.txt >"$tmp/to" 2>&1
check $(( $? == 1 ? 0 : 1 )) "an expect that times out fails the run"
grep -q "timeout-override.txt:8: connection 1: expect bytes: timed out after 0.3s with an incomplete message" "$tmp/to" &&
    grep -q 'received 1 bytes: "y"' "$tmp/to"
check $? "--timeout overrides the step's own 10s, and the report says so"

"$BIN" run tests/scenarios/after-peer-close.txt >"$tmp/apc" 2>&1
check $? "steps after expect close (wait, shutdown) still run and pass"
"$BIN" run tests/scenarios/flood-no-match.txt >"$tmp/fnm" 2>&1
check $(( $? == 1 ? 0 : 1 )) "an unmatched raw stream fails the run"
grep -Eq "flood-no-match.txt:13: connection 1: [0-9]+ bytes received without matching this step \(limit 64, --max-frame\)" "$tmp/fnm"
check $? "it fails at --max-frame bytes, not at the timeout"
timeout 20 "$BIN" run --source 192.0.2.1 scenarios/seed/s3-app-binary.txt >"$tmp/src" 2>&1
check $(( $? == 1 ? 0 : 1 )) "a connection that cannot start fails the run instead of hanging"
grep -q "s3-app-binary.txt:7: connection 1: could not open the connection: bind source" "$tmp/src"
check $? "and the report says why"

"$BIN" run --format junit -o "$tmp/g.xml" tests/scenarios/peer-garbage-http.txt >"$tmp/g" 2>&1
check $(( $? == 1 ? 0 : 1 )) "a peer's malformed HTTP head fails the run"
python3 - "$tmp/g.xml" <<'PY'
import sys, xml.dom.minidom
d = xml.dom.minidom.parse(sys.argv[1])
m = d.getElementsByTagName("failure")[0].getAttribute("message")
assert 'malformed header line "\\xff\\xfe\\x1b[31mbad"' in m, m
PY
check $? "the peer's bytes reach the JUnit report escaped, and the XML stays valid"
"$BIN" run --format json tests/scenarios/peer-garbage-http.txt >"$tmp/g.json" 2>&1
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert '\\\\xff' in d['scenarios'][0]['failure']" "$tmp/g.json"
check $? "and the JSON report stays valid"

"$BIN" check tests/scenarios/bad-header-codec.txt >"$tmp/bh" 2>&1
check $(( $? == 2 ? 0 : 1 )) "check refuses a header with a codec that has none"
grep -q "^tests/scenarios/bad-header-codec.txt:6:1: expected a codec with headers for 'expect ... header', got codec raw" "$tmp/bh"
check $? "and names the line and the codec"
