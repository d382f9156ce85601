#!/bin/sh
# The scenario language v2 examples: every scenarios/examples/*.txt passes
# headless against the embedded echo, one by one (exit 0 and its PASS
# line); the deliberately failing tests/scenarios/v2-*.txt fail with exit
# 1 (2 for a check error) and name the file:line of the step.
. tests/integration_lib.sh

for f in scenarios/examples/*.txt; do
	timeout -k 1 60 "$BIN" run "$f" >"$tmp/ex.out" 2>&1
	rc=$?
	grep -q "^PASS $f  " "$tmp/ex.out" && grep -q "^1 passed, 0 failed$" "$tmp/ex.out"
	check $(( rc == 0 && $? == 0 ? 0 : 1 )) "$f passes (exit $rc) with its PASS line"
	[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/ex.out"
done

"$BIN" check scenarios/examples/*.txt >"$tmp/check.out" 2>&1
check $? "sockbench check accepts every example"

# fail FILE EXIT PATTERN DESCRIPTION: run FILE, want EXIT and PATTERN.
fail() {
	timeout -k 1 30 "$BIN" run "tests/scenarios/$1" >"$tmp/f.out" 2>&1
	rc=$?
	check $(( rc == $2 ? 0 : 1 )) "$1 exits $2 (got $rc)"
	grep -qF "$3" "$tmp/f.out"
	check $? "$4"
	grep -qF "$3" "$tmp/f.out" || sed 's/^/# /' "$tmp/f.out"
}

fail v2-until-never.txt 1 \
    "tests/scenarios/v2-until-never.txt:8: connection 1: repeat until: the condition is still false after 3 rounds (raise 'max N')" \
    "an until that never holds fails at the repeat's line after max rounds"
fail v2-within-too-tight.txt 1 \
    "tests/scenarios/v2-within-too-tight.txt:8: connection 1: expect within: the message came " \
    "a reply later than within D fails at the expect's line with the measured time"
grep -q "not within 0.001ms$" "$tmp/f.out"
check $? "and names the bound"
fail v2-finally-fails.txt 1 \
    "tests/scenarios/v2-finally-fails.txt:11: connection 1: expect bytes: first difference at byte 3" \
    "a failing finally fails the scenario at the finally's step even when the steps passed"
fail v2-step-and-finally-fail.txt 1 \
    "tests/scenarios/v2-step-and-finally-fail.txt:9: connection 1: expect bytes: first difference at byte 6" \
    "a failed step is reported at its line, not the finally's"
"$BIN" run -f json tests/scenarios/v2-step-and-finally-fail.txt >"$tmp/fin.json" 2>&1
python3 - "$tmp/fin.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
assert s["sends"] == 2, s   # SET, then the finally's DEL after the failure
assert s["connections_failed"] == 1, s
PY
check $? "the finally ran after the failed step (its send counted)"
fail v2-overflow.txt 1 \
    "tests/scenarios/v2-overflow.txt:9: connection 1: runtime error: integer overflow in 9223372036854775807 + 1" \
    "integer overflow is a runtime error at file:line"
fail v2-divide-by-zero.txt 1 \
    "tests/scenarios/v2-divide-by-zero.txt:7: connection 1: runtime error: division by zero (100 / 0)" \
    "division by zero is a runtime error at file:line, on the round that divides by 0"
fail v2-unset-on-path.txt 2 \
    "tests/scenarios/v2-unset-on-path.txt:11:12: expected a variable set on every path before this line, got '\${role}'" \
    "a name set in one branch only is a check error at file:line:col"

# Every scenario in docs/scenarios.md marked `<!-- check: NAME -->` passes
# sockbench check (with the data files marked `<!-- file: NAME -->`), and
# the one marked `<!-- check-fails: NAME -->` is refused with exit 2.
python3 - docs/scenarios.md "$tmp/docs" >"$tmp/docs.list" <<'PY'
import os, re, sys
lines = open(sys.argv[1]).read().split("\n")
out = sys.argv[2]
i = 0
while i < len(lines):
    m = re.match(r"<!-- (check|check-fails|file): (\S+) -->$", lines[i])
    if m:
        assert lines[i + 1] == "```", lines[i + 1]
        j = i + 2
        while lines[j] != "```":
            j += 1
        path = os.path.join(out, m.group(2))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "w").write("\n".join(lines[i + 2:j]) + "\n")
        print(m.group(1), m.group(2))
        i = j
    i += 1
PY
check $? "the marked examples of docs/scenarios.md extract"
nok=0
nbad=0
while read -r kind name; do
	case $kind in
	check)
		if "$BIN" check "$tmp/docs/$name" >"$tmp/dc.out" 2>&1; then
			nok=$((nok + 1))
		else
			nbad=$((nbad + 1))
			sed 's/^/# /' "$tmp/dc.out"
		fi ;;
	check-fails)
		"$BIN" check "$tmp/docs/$name" >"$tmp/dc.out" 2>&1
		if [ $? -eq 2 ]; then
			nok=$((nok + 1))
		else
			nbad=$((nbad + 1))
			echo "# $name: expected check to refuse it"
		fi ;;
	esac
done <"$tmp/docs.list"
check $(( nbad == 0 && nok >= 18 ? 0 : 1 )) "docs/scenarios.md: $nok marked scenarios check as the docs say, $nbad do not"
