#!/usr/bin/env bash
# Benchmarks on 127.0.0.1, bounded in time, printing one table. It builds
# nothing: `make bench` builds bench/bin/ first. Each section is a shell
# function named section_NAME; BENCH_SECTIONS picks which run, in order.
#
# Environment: BIN (the sockbench binary, for sections that use it),
# BENCH_SECTIONS, BENCH_SECONDS, BENCH_SIZE, BENCH_CONNS, BENCH_DEPTHS.
set -u

cd "$(dirname "$0")/.." || exit 1

BIN=${BIN:-./sockbench}
BENCH_BIN=${BENCH_BIN:-bench/bin}
BENCH_SECTIONS=${BENCH_SECTIONS:-ref}
BENCH_SECONDS=${BENCH_SECONDS:-2}
BENCH_SIZE=${BENCH_SIZE:-64}
BENCH_CONNS=${BENCH_CONNS:-1 100 1000}
BENCH_DEPTHS=${BENCH_DEPTHS:-1 16}

SERVER_PID=
SERVER_PORT=
FAILED=0

# Stop the server still running, if any, when the script ends for any reason.
cleanup() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
		SERVER_PID=
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Raise the open-file limit as far as this shell is allowed.
raise_nofile() {
	local n
	for n in "$(ulimit -Hn)" 1048576 65536 20000 10240 4096; do
		ulimit -n "$n" 2>/dev/null && break
	done
}

# Succeed once something accepts connections on 127.0.0.1:$1, within 5 s.
wait_port() {
	local i
	for ((i = 0; i < 100; i++)); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# Print a port that nothing listens on now, chosen at random.
pick_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

# Start a server command on a free port: every @PORT@ in its arguments is
# replaced by the port. Sets SERVER_PID and SERVER_PORT; retries on a race.
start_server() {
	local try port a args
	for ((try = 0; try < 10; try++)); do
		port=$(pick_port)
		args=()
		for a in "$@"; do
			args+=("${a//@PORT@/$port}")
		done
		"${args[@]}" &
		SERVER_PID=$!
		if wait_port "$port" && kill -0 "$SERVER_PID" 2>/dev/null; then
			SERVER_PORT=$port
			return 0
		fi
		cleanup
	done
	echo "bench: could not start $1" >&2
	return 1
}

# Stop the server start_server began.
stop_server() {
	cleanup
	SERVER_PORT=
}

# Print the table's header.
table_header() {
	printf '%-10s %6s %6s %6s %8s %12s %12s\n' \
	    section conns depth size seconds roundtrips rps
}

# Print one table row: section conns depth size seconds roundtrips rps.
table_row() {
	printf '%-10s %6s %6s %6s %8s %12s %12s\n' "$@"
}

# Print the value of key in a line of key=value words.
field() {
	local w
	for w in $2; do
		case $w in
		"$1"=*) echo "${w#*=}"; return ;;
		esac
	done
	echo "?"
}

# Reference epoll pair: the ceiling plain C reaches on this machine.
section_ref() {
	local conns depth out
	start_server "$BENCH_BIN/ref_server" @PORT@ || { FAILED=1; return; }
	for conns in $BENCH_CONNS; do
		for depth in $BENCH_DEPTHS; do
			if [ "$conns" -gt $(($(ulimit -n) - 32)) ]; then
				table_row ref "$conns" "$depth" "$BENCH_SIZE" \
				    "$BENCH_SECONDS" skipped "(ulimit -n)"
				continue
			fi
			out=$(timeout -k 5 $((${BENCH_SECONDS%.*} + 30)) \
			    "$BENCH_BIN/ref_client" 127.0.0.1 "$SERVER_PORT" \
			    "$conns" "$depth" "$BENCH_SECONDS" "$BENCH_SIZE")
			if [ $? -ne 0 ]; then
				table_row ref "$conns" "$depth" "$BENCH_SIZE" \
				    "$BENCH_SECONDS" FAILED -
				FAILED=1
				continue
			fi
			table_row ref "$(field conns "$out")" \
			    "$(field depth "$out")" "$(field size "$out")" \
			    "$(field seconds "$out")" \
			    "$(field roundtrips "$out")" "$(field rps "$out")"
		done
	done
	stop_server
}

# The dashboard: the time to build one frame (header, table, message pane)
# with BENCH_UI_CONNS connections in its view model, drawn by curses into
# /dev/null; the goal is under 2 ms at 10,000 connections.
section_ui() {
	local out
	out=$(timeout -k 5 120 "$BIN" ui --bench-frame "${BENCH_UI_CONNS:-10000}" 2>&1)
	if [ $? -ne 0 ]; then
		echo "ui frame: FAILED: $out"
		FAILED=1
		return
	fi
	echo "$out"
}

raise_nofile
echo "bench: $(nproc 2>/dev/null || echo ?) cpus, ulimit -n $(ulimit -n)," \
    "${BENCH_SECONDS}s per run, ${BENCH_SIZE}-byte messages, 127.0.0.1"
table_header
for s in $BENCH_SECTIONS; do
	if ! declare -F "section_$s" >/dev/null; then
		echo "bench: no section $s" >&2
		FAILED=1
		continue
	fi
	"section_$s"
done
exit "$FAILED"
