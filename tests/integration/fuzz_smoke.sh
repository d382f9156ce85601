#!/bin/sh
# Fuzz smoke test: builds the libFuzzer targets (tests/fuzz/run.sh --build),
# replays every kept crash input in tests/fuzz/regressions/TARGET/ (each
# must now pass), then fuzzes each target for a few seconds from its seed
# corpus. One TAP line per target. Skips when clang cannot build fuzzers.
# FUZZ_SMOKE_SECONDS sets the time per target (default 3).
cd "$(dirname "$0")/../.." || exit 1
secs=${FUZZ_SMOKE_SECONDS:-3}
B=${FUZZ_BUILD:-build-fuzz}
targets="raw line linecrlf reply len16 len32 varint lenfield jsonhdr http resp scenario expr data benchreport proxy tls_server probe"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
n=0

if ! command -v clang >/dev/null 2>&1; then
	echo "ok 1 # SKIP clang is not installed"
	exit 0
fi
if ! FUZZ_BUILD=$B tests/fuzz/run.sh --build >"$work/build.log" 2>&1; then
	if grep -q 'fuzzer' "$work/build.log" && \
	    ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n){return 0;}' |
	    clang -fsanitize=fuzzer -x c -o "$work/probe" - 2>/dev/null; then
		echo "ok 1 # SKIP this clang cannot build libFuzzer targets"
		exit 0
	fi
	echo "not ok 1 - fuzz targets build"
	sed 's/^/# /' "$work/build.log" | tail -30
	exit 1
fi

export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in $targets; do
	n=$((n + 1))
	bin=$B/fuzz_$t
	reg=0
	bad=""
	# A target tests/fuzz/run.sh does not build (not in its ALL list).
	[ -x "$bin" ] || bad="not built by tests/fuzz/run.sh (its ALL list)"
	# Kept crash inputs: libFuzzer runs each named file once.
	for f in tests/fuzz/regressions/$t/*; do
		[ -z "$bad" ] || break
		[ -f "$f" ] || continue
		reg=$((reg + 1))
		if ! "$bin" "$f" >"$work/reg.log" 2>&1; then
			bad="regression $(basename "$f") fails"
			sed 's/^/# /' "$work/reg.log" | grep -v '^# INFO' | tail -20
			break
		fi
	done
	if [ -z "$bad" ]; then
		mkdir -p "$work/corpus-$t"
		if ! "$bin" -max_total_time="$secs" -timeout=10 \
		    -rss_limit_mb=2048 -artifact_prefix="$work/$t-" \
		    "$work/corpus-$t" "tests/fuzz/corpus/$t" \
		    >"$work/fuzz.log" 2>&1; then
			bad="crash while fuzzing"
			grep -E 'ERROR|SUMMARY|fuzz:|#[0-9]+ 0x' "$work/fuzz.log" |
			    head -30 | sed 's/^/# /'
			for a in "$work/$t"-*; do
				[ -f "$a" ] || continue
				mkdir -p "$B/crashes"
				cp "$a" "$B/crashes/"
				echo "# input kept as $B/crashes/$(basename "$a")"
			done
		fi
	fi
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/fuzz.log" 2>/dev/null |
	    tail -1)
	if [ -z "$bad" ]; then
		echo "ok $n - fuzz_$t: $reg regression inputs pass, ${runs:-0}" \
		    "runs in ${secs}s without a crash"
	else
		echo "not ok $n - fuzz_$t: $bad"
	fi
	rm -f "$work/fuzz.log"
done
