#!/usr/bin/env bash
# Benchmarks on 127.0.0.1, bounded in time, printing one table. It builds
# nothing: `make bench` builds bench/bin/ first. Each section is a shell
# function named section_NAME; BENCH_SECTIONS picks which run, in order.
#
# Environment: BIN (the sockbench binary, for sections that use it),
# BENCH_SECTIONS, BENCH_SECONDS, BENCH_SIZE, BENCH_CONNS, BENCH_DEPTHS;
# for bench/serve BENCH_REPS, BENCH_CMP_SECONDS; for scale BENCH_SCALE_CONNS,
# BENCH_SCALE_WORKERS, BENCH_SCALE_RATE, BENCH_SCALE_SECONDS; for trickle
# BENCH_TRICKLE_BYTES; for loop BENCH_LOOP_CONNS, BENCH_LOOP_REPS,
# BENCH_LOOP_SCENARIO, BENCH_LOOP_MESSAGE; for proxy BENCH_PROXY_CONNS,
# BENCH_PROXY_DEPTH (socat from scripts/deps.sh test); for probe
# BENCH_PROBE_RUNS; for tls
# BENCH_TLS_CONNS, BENCH_TLS_HS_CONNS.
set -u

cd "$(dirname "$0")/.." || exit 1

BIN=${BIN:-./sockbench}
BENCH_BIN=${BENCH_BIN:-bench/bin}
BENCH_SECTIONS=${BENCH_SECTIONS:-ref bench serve tls loop trickle scale proxy probe ui}
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

# The dashboard: the time to build one frame (header, table, message pane;
# then the step screen) with BENCH_UI_CONNS connections in its view model,
# drawn by curses into /dev/null; the goal is under 2 ms at 10,000.
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

# Requests per second from a sockbench bench text report.
bench_rps() {
	sed -n 's/^requests .*= \([0-9.]*\)\/s$/\1/p' | cut -d. -f1
}

# Print the ratio $1 / $2 and "ok" when it is at least the goal $3
# (default 0.9), else "LOW".
bench_ratio() {
	awk -v a="$1" -v b="$2" -v g="${3:-0.9}" 'BEGIN {
		if (b <= 0) { print "-", "?"; exit }
		r = a / b; printf "%.2f %s\n", r, (r >= g ? "ok" : "LOW") }'
}

# Print the comparison table's header: what ran against what.
bench_cmp_header() {
	printf '%-10s %6s %6s %12s %12s %6s\n' section conns depth "$1" "$2" ratio
}

# Round trips per second of one run: "ref_client PORT CONNS DEPTH" or
# "sockbench PORT CONNS DEPTH" (the load generator).
bench_run_client() {
	local secs=${BENCH_CMP_SECONDS:-0.75}
	case $1 in
	ref_client)
		timeout -k 5 $((${secs%.*} + 30)) "$BENCH_BIN/ref_client" \
		    127.0.0.1 "$2" "$3" "$4" "$secs" "$BENCH_SIZE" |
		    sed -n 's/.*rps=//p' ;;
	sockbench)
		timeout -k 5 $((${secs%.*} + 30)) "$BIN" bench \
		    -C "127.0.0.1:$2" -c "$3" -p "$4" -d "${secs}s" -q \
		    --size "$BENCH_SIZE" | bench_rps ;;
	esac
}

# One comparison table: for every conns x depth, BENCH_REPS interleaved
# runs of client A against port A and client B against port B, the best of
# each kept (a busy machine only ever makes a run slower), and B/A.
# Usage: bench_compare SECTION TITLE_A TITLE_B CLIENT_A PORT_A CLIENT_B PORT_B
bench_compare() {
	local section=$1 conns depth rep a b best_a best_b ratio
	local reps=${BENCH_REPS:-5}
	bench_cmp_header "$2" "$3"
	for conns in $BENCH_CONNS; do
		for depth in $BENCH_DEPTHS; do
			if [ "$conns" -gt $(($(ulimit -n) - 32)) ]; then
				echo "$section $conns $depth skipped (ulimit -n)"
				continue
			fi
			best_a=0
			best_b=0
			for ((rep = 0; rep < reps; rep++)); do
				a=$(bench_run_client "$4" "$5" "$conns" "$depth")
				b=$(bench_run_client "$6" "$7" "$conns" "$depth")
				[ "${a:-0}" -gt "$best_a" ] && best_a=$a
				[ "${b:-0}" -gt "$best_b" ] && best_b=$b
			done
			ratio=$(bench_ratio "$best_b" "$best_a")
			printf '%-10s %6s %6s %12s %12s %s\n' "$section" \
			    "$conns" "$depth" "$best_a" "$best_b" "$ratio"
			case $ratio in *LOW*|*\?*) FAILED=1 ;; esac
		done
	done
}

# sockbench bench against the reference server, next to the reference
# client against the same server.
section_bench() {
	local reps=${BENCH_REPS:-5} secs=${BENCH_CMP_SECONDS:-0.75}
	start_server "$BENCH_BIN/ref_server" @PORT@ || { FAILED=1; return; }
	echo
	echo "bench: round trips/s against ref_server, best of $reps" \
	    "interleaved ${secs}s runs"
	bench_compare bench ref_client sockbench \
	    ref_client "$SERVER_PORT" sockbench "$SERVER_PORT"
	stop_server
}

# The reference client against sockbench serve -q, next to the same client
# against the reference server.
section_serve() {
	local ref_port sb_pid sb_port
	local reps=${BENCH_REPS:-5} secs=${BENCH_CMP_SECONDS:-0.75}
	start_server "$BIN" serve -q -l 127.0.0.1:@PORT@ || { FAILED=1; return; }
	sb_pid=$SERVER_PID
	sb_port=$SERVER_PORT
	SERVER_PID=
	start_server "$BENCH_BIN/ref_server" @PORT@ || {
		kill "$sb_pid"; FAILED=1; return; }
	ref_port=$SERVER_PORT
	echo
	echo "serve: ref_client round trips/s against each server, best of" \
	    "$reps interleaved ${secs}s runs"
	bench_compare serve ref_server sockbench \
	    ref_client "$ref_port" ref_client "$sb_port"
	stop_server
	kill "$sb_pid" 2>/dev/null
	wait "$sb_pid" 2>/dev/null
}

# One TLS figure: "ref KIND PORT CONNS CA" (bench/bin/ref_tls_client) or
# "sockbench KIND PORT CONNS CA", KIND echo (round trips/s over kept
# connections) or hs (full handshakes/s: a new connection per request).
bench_tls_client() {
	local secs=${BENCH_CMP_SECONDS:-0.75} reqs=0 churn=
	[ "$2" = hs ] && reqs=1 && churn="--conn-requests 1"
	case $1 in
	ref)
		timeout -k 5 $((${secs%.*} + 30)) "$BENCH_BIN/ref_tls_client" \
		    127.0.0.1 "$3" "$4" "$secs" "$BENCH_SIZE" "$reqs" "$5" |
		    sed -n "s/.* $([ "$2" = hs ] && echo hps || echo rps)=\([0-9]*\).*/\1/p" ;;
	sockbench)
		# shellcheck disable=SC2086
		timeout -k 5 $((${secs%.*} + 30)) "$BIN" bench \
		    -C "127.0.0.1:$3" --sni localhost --ca-file "$5" -c "$4" \
		    -d "${secs}s" -q --size "$BENCH_SIZE" $churn |
		    if [ "$2" = hs ]; then
			sed -n 's/^handshakes .* = \([0-9.]*\)\/s.*/\1/p' |
			    cut -d. -f1
		    else
			bench_rps
		    fi ;;
	esac
}

# TLS (issue 16): sockbench bench --tls next to bench/ref_tls_client (plain
# C, epoll and OpenSSL, the same verification and close_notify), both
# against one `sockbench serve --cert --key` with a test certificate made
# here (openssl s_server takes one connection at a time, so it would
# measure itself): echo round trips/s over kept connections
# (BENCH_TLS_CONNS, default 1 16) and full handshakes/s with a new
# connection per request (--conn-requests 1; BENCH_TLS_HS_CONNS, default
# 16). Best of BENCH_REPS interleaved runs each; the goal is >= 0.9x.
section_tls() {
	local reps=${BENCH_REPS:-5} secs=${BENCH_CMP_SECONDS:-0.75}
	local dir conns rep a b best_a best_b ratio kind
	dir=$(mktemp -d)
	if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -days 2 -subj /CN=localhost -addext \
	    subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$dir/key.pem" \
	    -out "$dir/cert.pem" >/dev/null 2>&1 ||
	    [ ! -x "$BENCH_BIN/ref_tls_client" ]; then
		echo "tls: FAILED: no test certificate or no $BENCH_BIN/ref_tls_client"
		rm -rf "$dir"
		FAILED=1
		return
	fi
	start_server "$BIN" serve -q -l 127.0.0.1:@PORT@ --cert "$dir/cert.pem" \
	    --key "$dir/key.pem" || { rm -rf "$dir"; FAILED=1; return; }
	echo
	echo "tls: echo round trips/s (kept connections) and full handshakes/s" \
	    "(a connection per request) against sockbench serve --tls," \
	    "best of $reps interleaved ${secs}s runs"
	bench_cmp_header ref_tls_client sockbench
	for kind in echo hs; do
		if [ $kind = echo ]; then
			set -- ${BENCH_TLS_CONNS:-1 16}
		else
			set -- ${BENCH_TLS_HS_CONNS:-16}
		fi
		for conns in "$@"; do
			best_a=0
			best_b=0
			for ((rep = 0; rep < reps; rep++)); do
				a=$(bench_tls_client ref $kind "$SERVER_PORT" \
				    "$conns" "$dir/cert.pem")
				b=$(bench_tls_client sockbench $kind \
				    "$SERVER_PORT" "$conns" "$dir/cert.pem")
				[ "${a:-0}" -gt "$best_a" ] && best_a=$a
				[ "${b:-0}" -gt "$best_b" ] && best_b=$b
			done
			ratio=$(bench_ratio "$best_b" "$best_a")
			printf '%-10s %6s %6s %12s %12s %s\n' \
			    "tls-$kind" "$conns" 1 "$best_a" "$best_b" "$ratio"
			case $ratio in *LOW*|*\?*) FAILED=1 ;; esac
		done
	done
	stop_server
	rm -rf "$dir"
}

# The scenario runner's hot path (issue 12): bench/scenario-loop.txt, 1,000
# connections each looping send / expect regex / capture regex / set for
# 2 s, run by `sockbench run --connect` against `sockbench serve` in its
# own process, next to `sockbench bench` with as many connections sending
# a line of the same size ("req 100") to the same server for 2 s (or
# BENCH_LOOP_SCENARIO and BENCH_LOOP_MESSAGE: the 64-byte variant
# bench/scenario-loop64.txt); best of BENCH_LOOP_REPS (5) interleaved runs
# each (bench/loop_client.py runs one and checks its JSON report). Both
# rates are over each command's whole
# time, connecting included. The goal is run/bench >= 0.8 in exchanges
# per second; the client CPU time per exchange is printed too, as it
# varies less with the load of the machine than the rates do.
section_loop() {
	local conns=${BENCH_LOOP_CONNS:-1000} reps=${BENCH_LOOP_REPS:-5}
	local file=${BENCH_LOOP_SCENARIO:-bench/scenario-loop.txt}
	local msg=${BENCH_LOOP_MESSAGE:-req 100}
	local rep r b best_r=0 best_b=0 run_line= bench_line= ratio
	local cpu_r= cpu_b=
	echo
	echo "loop: exchanges/s, $file (send, expect regex, capture regex," \
	    "set) by sockbench run vs lines \"$msg\" by sockbench bench," \
	    "best of $reps interleaved 2s runs"
	if [ $((conns + 32)) -gt "$(ulimit -n)" ]; then
		echo "loop: skipped: $conns connections need more than ulimit -n"
		FAILED=1
		return
	fi
	start_server "$BIN" serve -q -l 127.0.0.1:@PORT@ || { FAILED=1; return; }
	for ((rep = 0; rep < reps; rep++)); do
		r=$(python3 bench/loop_client.py run "$conns" "$BIN" run -q \
		    -f json -C "127.0.0.1:$SERVER_PORT" -c "$conns" \
		    "$file")
		b=$(python3 bench/loop_client.py bench "$conns" "$BIN" bench -q \
		    -f json -C "127.0.0.1:$SERVER_PORT" -c "$conns" -d 2s \
		    --codec line -m "$msg")
		case $r in FAILED*|'') echo "loop: $r"; FAILED=1; break ;; esac
		case $b in FAILED*|'') echo "loop: $b"; FAILED=1; break ;; esac
		set -- $r
		[ "$3" -gt "$best_r" ] && best_r=$3 && run_line=$r
		cpu_r=$(awk -v a="$4" -v b="${cpu_r:-$4}" \
		    'BEGIN { print (a < b ? a : b) }')
		set -- $b
		[ "$3" -gt "$best_b" ] && best_b=$3 && bench_line=$b
		cpu_b=$(awk -v a="$4" -v b="${cpu_b:-$4}" \
		    'BEGIN { print (a < b ? a : b) }')
	done
	stop_server
	[ -n "$run_line" ] && [ -n "$bench_line" ] || return
	ratio=$(bench_ratio "$best_r" "$best_b" 0.8)
	printf '%-10s %6s %12s %12s %6s\n' section conns bench run ratio
	printf '%-10s %6s %12s %12s %s\n' loop "$conns" "$best_b" "$best_r" \
	    "$ratio"
	set -- $run_line
	echo "loop: best run: $1 exchanges in $2 s (its whole time," \
	    "connecting included)"
	set -- $bench_line
	echo "loop: best bench: $1 requests answered in $2 s (the same)"
	echo "loop: client CPU per exchange, least of $reps: bench $cpu_b us," \
	    "run $cpu_r us ($(awk -v a="$cpu_b" -v b="$cpu_r" \
	    'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }') of bench's" \
	    "exchanges per CPU second)"
	echo "loop: goal run/bench >= 0.80: $(case $ratio in *ok) echo met ;;
	    *) echo NOT met ;; esac)"
	case $ratio in *LOW*|*\?*) FAILED=1 ;; esac
}

# CPU time (microseconds) the process $1 has used so far.
cpu_us() {
	awk '{ printf "%d\n", $1 / 1000 }' "/proc/$1/schedstat" 2>/dev/null ||
	    echo 0
}

# CPU per received byte stays constant whatever the peer's header size:
# one connection to `serve -s app` sends a JSON header, then trickles its
# content 1 byte per write (each read by the server on its own). The
# server's CPU time for a 64 KiB header is compared with a 100-byte one,
# best of BENCH_REPS interleaved runs each; the goal is a ratio under 1.5
# (before the codec cursor, every 1-byte read parsed the header again).
section_trickle() {
	local bytes=${BENCH_TRICKLE_BYTES:-2000} reps=${BENCH_REPS:-3}
	local rep size t0 t1 us best_small=0 best_big=0 out ok=1
	start_server "$BIN" serve -q -s app -l 127.0.0.1:@PORT@ || {
		FAILED=1; return; }
	echo
	echo "trickle: serve -s app CPU for $bytes content bytes sent 1 per" \
	    "write after a JSON header, best of $reps interleaved runs"
	printf '%-10s %12s %12s %12s %6s\n' section "hdr bytes" writes \
	    "server us" "us/wr"
	for ((rep = 0; rep < reps; rep++)); do
		for size in 100 65000; do
			t0=$(cpu_us "$SERVER_PID")
			out=$(timeout -k 5 120 python3 bench/trickle.py \
			    "$SERVER_PORT" "$size" "$bytes") || ok=0
			t1=$(cpu_us "$SERVER_PID")
			us=$((t1 - t0))
			if [ "$size" = 100 ]; then
				{ [ "$best_small" = 0 ] || [ "$us" -lt "$best_small" ]; } &&
				    best_small=$us
			else
				{ [ "$best_big" = 0 ] || [ "$us" -lt "$best_big" ]; } &&
				    best_big=$us
			fi
		done
	done
	stop_server
	if [ "$ok" = 0 ]; then
		echo "trickle: FAILED: the server did not answer ($out)"
		FAILED=1
		return
	fi
	printf '%-10s %12s %12s %12s %6s\n' trickle 100 "$bytes" \
	    "$best_small" "$(awk -v a="$best_small" -v b="$bytes" \
	    'BEGIN { printf "%.1f", a / b }')"
	printf '%-10s %12s %12s %12s %6s\n' trickle 65000 "$bytes" \
	    "$best_big" "$(awk -v a="$best_big" -v b="$bytes" \
	    'BEGIN { printf "%.1f", a / b }')"
	awk -v a="$best_big" -v b="$best_small" 'BEGIN {
		if (b <= 0) { print "trickle: ratio ? (no CPU time measured)";
		    exit 1 }
		r = a / b
		printf "trickle: 64 KiB header / 100-byte header = %.2f %s\n",
		    r, (r <= 1.5 ? "ok" : "LOW") 
		exit (r <= 1.5 ? 0 : 1) }' || FAILED=1
}

# Sum of VmRSS (KiB) of the given pids.
rss_sum() {
	local p s=0 v
	for p in "$@"; do
		v=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' \
		    "/proc/$p/status" 2>/dev/null)
		s=$((s + ${v:-0}))
	done
	echo "$s"
}

# Open file descriptors of the given pids, less $1 each (their baseline).
fds_over() {
	local base=$1 p s=0 v
	shift
	for p in "$@"; do
		v=$(ls "/proc/$p/fd" 2>/dev/null | wc -l)
		s=$((s + v - base))
	done
	echo "$s"
}

# Past one process: BENCH_SCALE_CONNS (100,000) connections, sockbench serve
# --workers W against sockbench bench --workers W, each process under its
# own open-file limit (20,000 here), from as many source addresses as the
# ephemeral port range needs; the time to establish them, and resident
# memory per connection at both ends. W (at least BENCH_SCALE_WORKERS, 4)
# and the sources (127.0.1.1, 127.0.1.2, ...; BENCH_SCALE_SOURCES to give
# them) are worked out before starting, or the section says what is
# missing and stops. The summary line is the client's own count. The
# request timeout is a minute: the section measures connections held and
# memory, and a loaded machine echoes 100,000 first requests slowly (with
# the default 5 s every one of them timed out and closed its connection).
# scale_plan N W LO HI NOFILE [SOURCES]: the workers and source addresses
# for N connections, before anything starts. Sets plan_w, plan_src,
# plan_nsrc and plan_per_src, or prints why it cannot ("scale: refused:
# ...", how many addresses are needed) and returns 1.
scale_plan() {
	local n=$1 w=$2 lo=$3 hi=$4 nofile=$5 src=${6:-} per_proc k
	# Each process holds one descriptor per connection, plus a margin.
	per_proc=$((nofile * 9 / 10))
	[ $(((n + w - 1) / w)) -le "$per_proc" ] ||
	    w=$(((n + per_proc - 1) / per_proc))
	# A source address gives about the port range's ports towards one
	# server port; leave a quarter for the machine's other sockets. The
	# client workers split the sources, so give each worker enough.
	plan_per_src=$(((hi - lo + 1) * 3 / 4))
	if [ -z "$src" ]; then
		k=$((((n + w - 1) / w + plan_per_src - 1) / plan_per_src))
		plan_nsrc=$((k * w))
		if [ "$plan_per_src" -lt 1000 ] || [ "$plan_nsrc" -gt 254 ]; then
			echo "scale: refused: $n connections need $plan_nsrc" \
			    "source addresses of at most $plan_per_src ports" \
			    "each (ip_local_port_range $lo-$hi); widen the" \
			    "range or lower BENCH_SCALE_CONNS"
			return 1
		fi
		src=$(seq -s, -f '127.0.1.%g' 1 "$plan_nsrc")
	else
		plan_nsrc=$(echo "$src" | tr ',' '\n' | wc -l)
		# Each worker gets every W-th address (all, with fewer than W).
		if [ $((plan_nsrc * plan_per_src)) -lt "$n" ] || {
		    [ "$plan_nsrc" -ge "$w" ] && [ $((plan_nsrc / w *
		    plan_per_src)) -lt $(((n + w - 1) / w)) ]; }; then
			echo "scale: refused: BENCH_SCALE_SOURCES has" \
			    "$plan_nsrc addresses; $n connections over $w" \
			    "workers need $((((n + w - 1) / w + plan_per_src - 1) / plan_per_src * w))" \
			    "(at most $plan_per_src ports each)"
			return 1
		fi
	fi
	plan_w=$w
	plan_src=$src
}

# scale_summary N REPORT PEAK: the section's verdict from the client's own
# report (its connected, open_at_end and address errors), never from the
# server's descriptors sampled after the run (they fall as the connections
# close). Prints one line; returns 1 unless all N were established.
scale_summary() {
	local n=$1 out=$2 peak=$3 connected open_end addr_err
	connected=$(sed -n 's/^connected  *\([0-9]*\) of .*/\1/p' "$out")
	open_end=$(sed -n 's/.* open_at_end \([0-9]*\)$/\1/p' "$out")
	addr_err=$(sed -n 's/^errors .* address \([0-9]*\).*/\1/p' "$out")
	if [ -z "$connected" ]; then
		echo "scale: FAILED: the client printed no report (the server" \
		    "saw at most $peak connections at once)"
		return 1
	elif [ "$connected" -lt "$n" ]; then
		echo "scale: FAILED: the client established $connected of $n" \
		    "connections (open at the end: ${open_end:-?}; address" \
		    "errors: ${addr_err:-0}); the server saw at most $peak at" \
		    "once"
		return 1
	fi
	echo "scale: all $n connections established (client: $connected," \
	    "open at the end ${open_end:-?}; the server saw at most $peak at" \
	    "once)"
}

section_scale() {
	local n=${BENCH_SCALE_CONNS:-100000} w=${BENCH_SCALE_WORKERS:-4}
	local rate=${BENCH_SCALE_RATE:-20000} secs=${BENCH_SCALE_SECONDS:-8}
	local src nofile nsrc per_src
	local lo hi pids before after est peak est_at bpid out t0 t1 got base
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
	nofile=$(ulimit -n)
	echo
	if ! scale_plan "$n" "$w" "$lo" "$hi" "$nofile" \
	    "${BENCH_SCALE_SOURCES:-}"; then
		FAILED=1
		return
	fi
	w=$plan_w
	src=$plan_src
	nsrc=$plan_nsrc
	per_src=$plan_per_src
	echo "scale: $n connections, $w server + $w client workers," \
	    "ulimit -n $nofile per process ($(((n + w - 1) / w)) connections" \
	    "each)"
	echo "scale: sources ${src%%,*} ... ${src##*,} ($nsrc addresses," \
	    "$(((n + nsrc - 1) / nsrc)) connections each, at most $per_src:" \
	    "ip_local_port_range $lo-$hi), somaxconn" \
	    "$(cat /proc/sys/net/core/somaxconn), tcp_max_syn_backlog" \
	    "$(cat /proc/sys/net/ipv4/tcp_max_syn_backlog)"
	start_server "$BIN" serve -q --workers "$w" -l 127.0.0.1:@PORT@ || {
		FAILED=1; return; }
	sleep 0.3
	pids=$(ps -o pid= --ppid "$SERVER_PID")
	# shellcheck disable=SC2086
	before=$(rss_sum $pids)
	# Connections per server worker = its fds beyond those it had idle.
	set -- $pids
	base=$(ls "/proc/$1/fd" | wc -l)
	out=$(mktemp)
	t0=$(date +%s.%N)
	timeout -k 5 240 "$BIN" bench -C "127.0.0.1:$SERVER_PORT" -c "$n" \
	    -w "$w" --connect-rate "$rate" --source "$src" -d "${secs}s" -q \
	    --reset-at-end --request-timeout 60s --size "$BENCH_SIZE" \
	    >"$out" 2>&1 &
	bpid=$!
	peak=0
	got=
	while kill -0 "$bpid" 2>/dev/null; do
		# shellcheck disable=SC2086
		est=$(fds_over "$base" $pids)
		[ "$est" -gt "$peak" ] && peak=$est
		if [ -z "$got" ] && [ "$est" -ge "$n" ]; then
			t1=$(date +%s.%N)
			got=$(awk -v a="$t0" -v b="$t1" 'BEGIN {
			    printf "%.1f", b - a }')
			sleep 1	# echoing
			# shellcheck disable=SC2086
			after=$(rss_sum $pids)
			# shellcheck disable=SC2086
			est_at=$(fds_over "$base" $pids)
		fi
		sleep 0.25
	done
	wait "$bpid"
	sed 's/^/scale: client: /' "$out"
	scale_summary "$n" "$out" "$peak" || FAILED=1
	rm -f "$out"
	if [ -n "$got" ]; then
		echo "scale: server: $est_at connections open (all $n within" \
		    "${got}s of the start), rss $before KiB -> $after KiB:" \
		    "$(( (after - before) * 1024 / (est_at > 0 ? est_at : 1) ))" \
		    "bytes per connection"
	else
		echo "scale: server: never held all $n at once (at most" \
		    "$peak): no memory figure"
		FAILED=1
	fi
	stop_server
}

# p50 latency in microseconds from a sockbench bench text report.
bench_p50_us() {
	sed -n 's/^latency *p50 \([0-9.]*\) \(u\?m\?s\).*/\1 \2/p' |
	    awk '{ v = $1; if ($2 == "ms") v *= 1000; else if ($2 == "s") v *= 1e6;
	    printf "%d\n", v }'
}

# One sockbench bench run against port $1 with $2 connections at depth
# $3 for BENCH_CMP_SECONDS: prints "RPS P50_US".
bench_proxy_run() {
	local secs=${BENCH_CMP_SECONDS:-0.75} out
	out=$(timeout -k 5 $((${secs%.*} + 30)) "$BIN" bench \
	    -C "127.0.0.1:$1" -c "$2" -p "$3" -d "${secs}s" -q \
	    --size "$BENCH_SIZE")
	echo "$(echo "$out" | bench_rps) $(echo "$out" | bench_p50_us)"
}

# `sockbench proxy` in the path (issue 18): sockbench bench against
# ref_server directly, through sockbench proxy (no faults, no log) and
# through socat (a fork per connection), round trips/s at
# BENCH_PROXY_CONNS (100) connections depth BENCH_PROXY_DEPTH (16) and the
# p50 latency added over the direct path there and at 1 connection depth
# 1, best of BENCH_REPS interleaved runs. Goals: proxy >= 1.5x socat's
# round trips/s; under 50 us added p50 at 1x1.
section_proxy() {
	local conns=${BENCH_PROXY_CONNS:-100} depth=${BENCH_PROXY_DEPTH:-16}
	local reps=${BENCH_REPS:-5} secs=${BENCH_CMP_SECONDS:-0.75}
	local ref_port ref_pid px_pid px_port so_pid= so_port rep path c d r port
	local -A rps p50
	start_server "$BENCH_BIN/ref_server" @PORT@ || { FAILED=1; return; }
	ref_port=$SERVER_PORT
	ref_pid=$SERVER_PID
	SERVER_PID=
	# exec: the proxy itself is the pid stopped below; its summary at
	# the end is not part of the table.
	start_server bash -c 'exec "$0" proxy -q -l "127.0.0.1:$1" -C "$2" \
	    >/dev/null' "$BIN" @PORT@ "127.0.0.1:$ref_port" ||
	    { kill "$ref_pid"; FAILED=1; return; }
	px_pid=$SERVER_PID
	px_port=$SERVER_PORT
	SERVER_PID=
	if ! command -v socat >/dev/null 2>&1; then
		echo "proxy: socat is not installed (scripts/deps.sh test)"
		so_port=
	else
		start_server socat TCP-LISTEN:@PORT@,bind=127.0.0.1,fork,reuseaddr \
		    "TCP:127.0.0.1:$ref_port" || so_port=
		so_pid=$SERVER_PID
		so_port=$SERVER_PORT
		SERVER_PID=
	fi
	echo
	echo "proxy: sockbench bench through each path to ref_server, best of" \
	    "$reps interleaved ${secs}s runs"
	for cd in "$conns $depth" "1 1"; do
		set -- $cd
		c=$1
		d=$2
		for path in direct proxy socat; do
			rps[$path.$c]=0
			p50[$path.$c]=
		done
		for ((rep = 0; rep < reps; rep++)); do
			for path in direct proxy socat; do
				case $path in
				direct) port=$ref_port ;;
				proxy) port=$px_port ;;
				socat) port=$so_port ;;
				esac
				[ -n "$port" ] || continue
				set -- $(bench_proxy_run "$port" "$c" "$d")
				[ "${1:-0}" -gt "${rps[$path.$c]}" ] &&
				    rps[$path.$c]=$1
				if [ -n "${2:-}" ] && { [ -z "${p50[$path.$c]}" ] ||
				    [ "$2" -lt "${p50[$path.$c]}" ]; }; then
					p50[$path.$c]=$2
				fi
			done
		done
		printf '%-10s %6s %6s %12s %12s %12s %10s %10s\n' section conns \
		    depth direct proxy socat "p50 +prx" "p50 +socat"
		printf '%-10s %6s %6s %12s %12s %12s %10s %10s\n' proxy "$c" "$d" \
		    "${rps[direct.$c]}" "${rps[proxy.$c]}" "${rps[socat.$c]}" \
		    "$(( ${p50[proxy.$c]:-0} - ${p50[direct.$c]:-0} ))us" \
		    "$(( ${p50[socat.$c]:-0} - ${p50[direct.$c]:-0} ))us"
	done
	r=$(bench_ratio "${rps[proxy.$conns]}" "${rps[socat.$conns]}" 1.5)
	echo "proxy: at $conns x $depth, proxy/socat round trips/s = $r" \
	    "(goal >= 1.5); proxy/direct = $(bench_ratio \
	    "${rps[proxy.$conns]}" "${rps[direct.$conns]}" 0)"
	case $r in *LOW*|*\?*) FAILED=1 ;; esac
	d=$(( ${p50[proxy.1]:-0} - ${p50[direct.1]:-0} ))
	echo "proxy: added p50 latency at 1 x 1: ${d}us (goal < 50us): $(
	    [ "$d" -lt 50 ] && echo met || echo NOT met)"
	[ "$d" -lt 50 ] || FAILED=1
	kill "$px_pid" "$ref_pid" ${so_pid:+"$so_pid"} 2>/dev/null
	wait "$px_pid" "$ref_pid" ${so_pid:+"$so_pid"} 2>/dev/null
}

# Probe speed (issue 17): bench/probe_speed.sh starts the local daemon set
# (tests/probe_daemons_lib.sh), probes each BENCH_PROBE_RUNS times (3) and
# prints the median seconds to a verdict per daemon and over them all.
# Goal: median at most 1.5 s.
section_probe() {
	local out med
	echo
	echo "probe: seconds to a verdict, median of ${BENCH_PROBE_RUNS:-3} runs per daemon"
	out=$(RUNS=${BENCH_PROBE_RUNS:-3} BIN=$BIN bash bench/probe_speed.sh 2>&1)
	echo "$out"
	med=$(echo "$out" | sed -n 's/^median over [0-9]* daemons: \([0-9.]*\) s$/\1/p')
	if [ -z "$med" ]; then
		echo "probe: no daemon could be started (scripts/deps.sh test)"
		FAILED=1
	elif awk -v m="$med" 'BEGIN { exit !(m > 1.5) }'; then
		echo "probe: median ${med} s: LOW (goal <= 1.5 s)"
		FAILED=1
	else
		echo "probe: median ${med} s (goal <= 1.5 s): met"
	fi
}

# BENCH_LIB_ONLY=1: define the functions only (tests/integration/bench_scale.sh).
[ "${BENCH_LIB_ONLY:-0}" = 1 ] && return 0
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
if [ "$FAILED" -ne 0 ]; then
	echo "bench: some figures are below their goal (marked LOW above);" \
	    "runs on a shared 2-CPU machine vary by 20-40%, so rerun before" \
	    "concluding. BENCH_STRICT=1 makes this an error."
else
	echo "bench: every goal met"
fi
[ "${BENCH_STRICT:-0}" = 1 ] && exit "$FAILED"
exit 0
