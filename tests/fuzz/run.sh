#!/bin/sh
# Builds the libFuzzer targets in tests/fuzz/ with clang into build-fuzz/
# and fuzzes each one. Usage:
#   tests/fuzz/run.sh [SECONDS]     build, then fuzz every target SECONDS
#                                   (default 60) each
#   tests/fuzz/run.sh --build       build only
# Environment: FUZZ_BUILD (default build-fuzz), FUZZ_TARGETS (names such as
# "http resp", default all), FUZZ_CC (default clang), FUZZ_JOBS.
# A crash leaves its input in $FUZZ_BUILD/crashes/; fix the bug, then keep
# the input as tests/fuzz/regressions/TARGET/NAME so fuzz_smoke.sh replays it.
set -u
cd "$(dirname "$0")/../.."
B=${FUZZ_BUILD:-build-fuzz}
CCF=${FUZZ_CC:-clang}
SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-g -O1 -fno-omit-frame-pointer -std=gnu11 -D_GNU_SOURCE -Wall -Wextra"
CJSON_CFLAGS=$(pkg-config --cflags libcjson 2>/dev/null)
CJSON_LIBS=$(pkg-config --libs libcjson 2>/dev/null || echo -lcjson)
ALL="raw line linecrlf reply len16 len32 varint lenfield jsonhdr http resp scenario expr data benchreport proxy tls_server probe"
TARGETS=${FUZZ_TARGETS:-$ALL}
CODEC_SRC="$(ls proto/*.c) src/buf.c src/util.c src/sock.c src/clock.c"
# The report readers of sockbench merge, and what they link with.
MERGE_SRC="src/hist.c src/loadgen.c src/pool.c src/server.c src/rate.c src/cmd/bench_read.c src/cmd/run_read.c src/cmd/report.c src/cmd/tls_cli.c src/script/runner.c src/script/coord.c src/script/threshold.c"
PROXY_SRC="src/proxy/fault.c src/proxy/control_parse.c src/proxy/record.c"
PROBE_SRC="src/probe.c src/probe_scenario.c src/pool.c $(ls src/probe/*.c)"
SCEN_SRC="src/script/parse.c src/script/roles.c src/script/lex.c src/script/check.c src/script/fields.c src/script/pack.c src/script/template.c src/script/vars.c src/script/match.c src/script/expr.c src/script/data.c src/rand.c src/file.c src/svc/service.c src/svc/svc_echo.c src/svc/svc_app.c src/svc/svc_file.c src/svc/fsroot.c src/conn.c src/engine.c src/transport_tcp.c src/transport_tls.c"

# Compile one source into $B/obj unless its object is newer than it and
# than every header it may include.
compile() {
	src=$1
	obj=$B/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
	if [ -f "$obj" ] && [ "$obj" -nt "$src" ] && \
	    [ -z "$(find src proto tests/fuzz -name '*.h' -newer "$obj")" ]; then
		return 0
	fi
	# shellcheck disable=SC2086
	$CCF $CFLAGS $SAN -Isrc -Isrc/cmd -Isrc/script -Isrc/svc -Isrc/proxy -Iproto -Itests/fuzz $CJSON_CFLAGS \
	    -c -o "$obj" "$src"
}

# Build every selected target; exits 1 on a compiler error.
build() {
	mkdir -p "$B/obj" "$B/crashes"
	if ! command -v "$CCF" >/dev/null 2>&1; then
		echo "fuzz: $CCF not found" >&2
		exit 1
	fi
	for s in $CODEC_SRC $SCEN_SRC $PROXY_SRC $PROBE_SRC; do
		compile "$s" || exit 1
	done
	case " $TARGETS " in
	*" benchreport "*)
		for s in $MERGE_SRC; do
			compile "$s" || exit 1
		done ;;
	esac
	for t in $TARGETS; do
		compile "tests/fuzz/fuzz_$t.c" || exit 1
		objs=""
		for s in $CODEC_SRC; do
			objs="$objs $B/obj/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')"
		done
		extra=""
		[ "$t" = benchreport ] && extra=$MERGE_SRC
		[ "$t" = proxy ] && extra=$PROXY_SRC
		[ "$t" = probe ] && extra=$PROBE_SRC
		if [ "$t" = scenario ] || [ "$t" = expr ] || [ "$t" = data ] ||
		    [ "$t" = benchreport ] || [ "$t" = proxy ] ||
		    [ "$t" = tls_server ] || [ "$t" = probe ]; then
			for s in $SCEN_SRC $extra; do
				objs="$objs $B/obj/$(echo "$s" | tr / _ |
				    sed 's/\.c$/.o/')"
			done
		fi
		# shellcheck disable=SC2086
		$CCF $CFLAGS -fsanitize=fuzzer,address,undefined -o "$B/fuzz_$t" \
		    "$B/obj/tests_fuzz_fuzz_$t.o" $objs $CJSON_LIBS $(pkg-config --libs openssl 2>/dev/null || echo -lssl -lcrypto) $(pkg-config --libs libev 2>/dev/null || echo -lev) -lm || exit 1
	done
}

build
[ "${1:-}" = "--build" ] && exit 0
secs=${1:-60}
failed=""
for t in $TARGETS; do
	mkdir -p "$B/corpus/$t" "tests/fuzz/corpus/$t" \
	    "tests/fuzz/regressions/$t"
	echo "== fuzz_$t for ${secs}s"
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    "$B/fuzz_$t" -max_total_time="$secs" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$B/crashes/$t-" \
	    "$B/corpus/$t" "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t" \
	    2>"$B/fuzz_$t.log"
	rc=$?
	tail -n 12 "$B/fuzz_$t.log" | grep -E 'stat::|ERROR|SUMMARY|Done'
	if [ "$rc" -ne 0 ]; then
		failed="$failed $t"
		echo "fuzz_$t FAILED (exit $rc); see $B/fuzz_$t.log and" \
		    "$B/crashes/"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: crashes in:$failed"
	exit 1
fi
echo "fuzz: no crashes in $secs s per target"
