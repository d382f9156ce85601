#!/usr/bin/env python3
"""One client run of bench/run.sh section `loop`, measured.

usage: loop_client.py run CONNS BIN ARGS...    (sockbench run -f json ...)
       loop_client.py bench CONNS BIN ARGS...  (sockbench bench -f json ...)

Runs the command, reads its JSON report and the CPU time (user + system)
the command used, and prints one line:

    EXCHANGES SECONDS RATE CPU_US

EXCHANGES over SECONDS is RATE per second, CPU_US the client's CPU time
per exchange in microseconds. Both commands are measured the same way,
over their whole time, connecting included: for `run`, exchanges are the
scenario's expects (each the reply to one send) and SECONDS its time from
start to the last connection's end; the run must pass on every
connection with as many sends as expects and one latency sample each.
For `bench`, exchanges are every request answered and SECONDS its
elapsed_seconds (connecting, the measured window and the drain; bench
sends nothing while it connects, where run's early connections already
loop). Anything else prints "FAILED why" (and still exits 0: the caller
reports it).
"""
import json
import resource
import subprocess
import sys


def main():
    mode, conns, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
    except subprocess.TimeoutExpired:
        return "FAILED %s did not end within 60 s" % mode
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = ru.ru_utime + ru.ru_stime
    try:
        j = json.loads(p.stdout)
    except ValueError as e:
        return "FAILED %s exited %d without a JSON report (%s): %s" % (
            mode, p.returncode, e, p.stderr.decode(errors="replace")[:200])
    if mode == "run":
        s = j["scenarios"][0]
        x, t = s["expects"], s["seconds"]
        if p.returncode != 0 or not s["passed"] or \
                s["connections_passed"] != conns:
            return "FAILED run exited %d, %d of %d connections passed: %s" % (
                p.returncode, s["connections_passed"], conns, s["summary"])
        if x <= 0 or t <= 0 or s["sends"] != x or \
                s["latency_us"]["count"] != x:
            return ("FAILED run counts do not add up: %d sends, %d expects, "
                    "%d latency samples" % (s["sends"], x,
                                            s["latency_us"]["count"]))
        cpu_x = x
    else:
        x, t = j["answered"], j["elapsed_seconds"]
        if p.returncode != 0 or j["requests"] <= 0 or t <= 0:
            errs = ", ".join("%s %d" % (k, v) for k, v in
                             j.get("errors", {}).items() if v)
            return "FAILED bench exited %d: %s (errors: %s)" % (
                p.returncode, j.get("ended", {}).get("verdict"),
                errs or "none")
        cpu_x = x
    return "%d %.3f %d %.2f" % (x, t, x / t, cpu * 1e6 / cpu_x)


if __name__ == "__main__":
    print(main())
