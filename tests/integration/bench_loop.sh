#!/bin/sh
# The `loop` section of `make bench` (bench/run.sh, bench/scenario-loop.txt):
# its scenario checks, computes what it should and is counted exactly in
# the JSON report the section reads (one send and one expect per round, one
# latency sample each); the section itself ends by itself and prints its
# figures. No speed is asserted here: that is `make bench`'s job.
# Prints TAP lines; 127.0.0.1 only, 20 connections, a few seconds.
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

"$BIN" check bench/scenario-loop.txt >"$tmp/check" 2>&1
check $? "bench/scenario-loop.txt checks"

# The same rounds bounded by a count (50) instead of 2 s, and the total
# the arithmetic must reach sent and expected at the end: the sum over
# i = 1..50 of i * 7 is 8925 (below the modulus).
grep -q '^repeat 2s as i$' bench/scenario-loop.txt && grep -q '^close$' \
    bench/scenario-loop.txt
check $? "the loop scenario has the lines this test rewrites"
sed -e 's/^repeat 2s as i$/repeat 50 as i/' \
    -e 's/^close$/send "total=${total} after ${i} rounds"\
expect "total=8925 after 50 rounds"\
close/' bench/scenario-loop.txt >"$tmp/loop50.txt"
timeout 60 "$BIN" run -q -f json -c 20 "$tmp/loop50.txt" >"$tmp/j" 2>"$tmp/err"
check $? "50 rounds on 20 connections pass, the arithmetic reaching 8925"
python3 - "$tmp/j" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["scenarios"][0]
assert s["passed"] and s["connections"] == 20, s
assert s["connections_passed"] == 20 and s["connections_failed"] == 0, s
# 50 rounds + the final check, per connection: one send, one expect each.
assert s["sends"] == 20 * 51 and s["expects"] == 20 * 51, s
assert s["latency_us"]["count"] == 20 * 51, s["latency_us"]
assert s["seconds"] > 0, s
PY
check $? "the JSON report counts 1020 sends, 1020 expects, 1020 latency samples"

# A wrong total must fail the run (the check above is not vacuous).
sed 's/total=8925 after/total=8926 after/' "$tmp/loop50.txt" >"$tmp/bad.txt"
timeout 60 "$BIN" run -q -f json -c 2 "$tmp/bad.txt" >"$tmp/jb" 2>&1
check $(( $? == 1 ? 0 : 1 )) "a wrong expected total fails the run (exit 1)"

# The section: one rep on 20 connections, against its own serve.
BENCH_SECTIONS=loop BENCH_LOOP_CONNS=20 BENCH_LOOP_REPS=1 \
    timeout 120 bench/run.sh >"$tmp/bench" 2>&1
check $? "bench/run.sh section loop ends by itself and exits 0"
grep -Eq '^loop +20 +[1-9][0-9]* +[1-9][0-9]* +[0-9]+\.[0-9]+ (ok|LOW)$' \
    "$tmp/bench"
check $? "section loop prints bench and run exchanges/s and their ratio"
grep -Eq '^loop: best run: [1-9][0-9]* exchanges in [0-9.]+ s' "$tmp/bench" &&
    grep -Eq '^loop: client CPU per exchange, least of 1: bench [0-9.]+ us, run [0-9.]+ us' "$tmp/bench" &&
    grep -Eq '^loop: goal run/bench >= 0.80: (met|NOT met)$' "$tmp/bench"
check $? "section loop prints its counts, CPU per exchange and whether the goal is met"
grep -q FAILED "$tmp/bench" && sed 's/^/# /' "$tmp/bench"
exit 0
