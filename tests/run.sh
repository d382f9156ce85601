#!/bin/sh
# Runs every test: the cmocka unit and loopback binaries in $BUILD/tests, then
# every tests/integration/*.sh (TAP lines "ok"/"not ok"). Ends with one line
# "N passed, N failed" and exits 1 if anything failed.
set -u
BUILD=${BUILD:-build}
BIN=${BIN:-./sockbench}
export BIN BUILD
passed=0
failed=0
failures=""
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	timeout 300 "$t" >"$log/out" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log/out" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log/out" | tail -1)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# crashed, timed out or a sanitizer stopped it
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -gt 0 ]; then
		failures="$failures $name"
		echo "FAIL $name (exit $rc)"
		tail -40 "$log/out"
	else
		echo "ok   $name ($p)"
	fi
done

for s in tests/integration/*.sh; do
	[ -f "$s" ] || continue
	name=$(basename "$s" .sh)
	timeout 600 sh "$s" >"$log/out" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log/out")
	f=$(grep -c '^not ok ' "$log/out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -gt 0 ]; then
		failures="$failures $name"
		echo "FAIL $name (exit $rc)"
		grep -v '^ok ' "$log/out" | tail -40
	else
		echo "ok   $name ($p)"
	fi
done

[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
