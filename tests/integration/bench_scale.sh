#!/bin/sh
# The scale section of `make bench` (bench/run.sh), without its load: the
# plan (workers for the open-file limit, source addresses for the port
# range, or a refusal that says how many are needed) and the summary line,
# which must be the client's own count. The run that had 95,647 of 100,000
# connected printed "only 8112 of 100000 established": the server's
# descriptors sampled as the connections closed.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
n=0
# check STATUS DESCRIPTION: one TAP line; on failure $out as comments.
check() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		echo "$out" | sed 's/^/# /'
	fi
}
top=$(pwd)
# lib CMDS: run CMDS in bash with bench/run.sh's functions defined.
lib() {
	bash -c "BENCH_LIB_ONLY=1; . '$top/bench/run.sh'; $1" 2>&1
}

out=$(lib 'scale_plan 100000 4 32768 60999 20000 && echo "$plan_w $plan_nsrc $plan_per_src $plan_src"')
[ "$out" = "6 6 21174 127.0.1.1,127.0.1.2,127.0.1.3,127.0.1.4,127.0.1.5,127.0.1.6" ]
check $? "100,000 connections, 20,000 files a process, ports 32768-60999: 6 workers, 6 sources"
out=$(lib 'scale_plan 60000 4 32768 60999 1048576 && echo "$plan_w $plan_nsrc"')
[ "$out" = "4 4" ]
check $? "60,000 connections with room for them: 4 workers, 4 sources"
out=$(lib 'scale_plan 100000 4 32768 60999 20000 127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4; echo "rc=$?"')
echo "$out" | grep -q '^scale: refused: BENCH_SCALE_SOURCES has 4 addresses; 100000 connections over 6 workers need 6 (at most 21174 ports each)$' &&
    echo "$out" | grep -q '^rc=1$'
check $? "four given sources for 100,000: refused up front, saying 6 are needed"
out=$(lib 'scale_plan 100000 4 60000 60999 20000; echo "rc=$?"')
echo "$out" | grep -q '^scale: refused: 100000 connections need 138 source addresses of at most 750 ports each (ip_local_port_range 60000-60999); widen the range or lower BENCH_SCALE_CONNS$' &&
    echo "$out" | grep -q '^rc=1$'
check $? "a narrow port range: refused up front with the count needed"

# The client's report of the run in the issue: 95,647 connected.
cat >"$tmp/client" <<'R'
target      127.0.0.1:40001
load        100000 connections, 4 workers, closed loop, depth 1, 64-byte requests (random bytes)
connected   95647 of 100000 in 9.870 s, reopened 0, reopen_failed 0, stalled 0, open_at_end 95647
errors      address 4353
verdict     failed: 4353 of 100000 connections were never established
R
out=$(lib "scale_summary 100000 '$tmp/client' 8112; echo rc=\$?")
echo "$out" | grep -q '^scale: FAILED: the client established 95647 of 100000 connections (open at the end: 95647; address errors: 4353); the server saw at most 8112 at once$' &&
    echo "$out" | grep -q '^rc=1$'
check $? "the summary is the client's count (95647 of 100000), not the server's last sample"
sed 's/95647 of/100000 of/; s/open_at_end 95647/open_at_end 100000/; /^errors/d' \
    "$tmp/client" >"$tmp/ok"
out=$(lib "scale_summary 100000 '$tmp/ok' 100000; echo rc=\$?")
echo "$out" | grep -q '^scale: all 100000 connections established (client: 100000, open at the end 100000; the server saw at most 100000 at once)$' &&
    echo "$out" | grep -q '^rc=0$'
check $? "all established: the summary says so from the client's report"
: >"$tmp/empty"
out=$(lib "scale_summary 100000 '$tmp/empty' 0; echo rc=\$?")
echo "$out" | grep -q 'the client printed no report' && echo "$out" | grep -q '^rc=1$'
check $? "no client report: FAILED, never a success"
