#!/bin/sh
# Probe speed: starts the local daemon set of tests/probe_daemons_lib.sh
# (each on 127.0.0.1, a free port, its own config in a temp dir, stopped by
# PID on exit), probes each RUNS times (default 3) and prints per daemon
# the verdict and the median seconds to it, then the median over the
# daemons. Usage: BIN=./sockbench [RUNS=3] bench/probe_speed.sh
# (issue #17: median at most 1.5 s, banner protocols under 0.1 s).
BIN=${BIN:-./sockbench}
RUNS=${RUNS:-3}
. tests/integration_lib.sh
. tests/probe_daemons_lib.sh

printf '%-11s %-12s %-24s %s\n' daemon verdict product "median s (of $RUNS)"
: >"$tmp/medians"
for d in beanstalkd gearmand ngircd rsyncd gitdaemon mosquitto nats dnsmasq \
    slapd prosody mariadb postgres; do
	start_"$d" >/dev/null 2>&1 || { printf '%-11s (not started)\n' "$d";
	    continue; }
	i=0
	: >"$tmp/times"
	while [ $i -lt "$RUNS" ]; do
		"$BIN" probe --json "127.0.0.1:$port" >"$tmp/p.json" 2>/dev/null
		$PYTHON -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d["verdict"] or {}; print("%.3f %s %s" % (d["seconds"], v.get("protocol","none"), (v.get("product","")+" "+v.get("version","")).strip().replace(" ","_") or "-"))' \
		    "$tmp/p.json" >>"$tmp/times"
		i=$((i + 1))
	done
	med=$(sort -n "$tmp/times" | awk -v n="$RUNS" 'NR == int((n + 1) / 2)')
	set -- $med
	printf '%-11s %-12s %-24s %s\n' "$d" "$2" "$(echo "$3" | tr _ ' ')" "$1"
	echo "$1" >>"$tmp/medians"
done
n=$(wc -l <"$tmp/medians")
printf 'median over %d daemons: %s s\n' "$n" \
    "$(sort -n "$tmp/medians" | awk -v n="$n" 'NR == int((n + 1) / 2)')"
