#!/usr/bin/env python3
"""Record real servers' replies to every probe as fixtures for
tests/unit/test_probe_fixtures.c: runs `sockbench probe --json --all`
against NAME=HOST:PORT pairs and writes tests/fixtures/probe/NAME.PROBE.bin
(the bytes received, exactly, from the JSON's received_hex) for each probe
that got bytes. Usage: probe_record.py SOCKBENCH OUTDIR NAME=HOST:PORT..."""
import json
import os
import subprocess
import sys


def main():
    binary, outdir = sys.argv[1], sys.argv[2]
    for pair in sys.argv[3:]:
        name, target = pair.split("=", 1)
        out = subprocess.run([binary, "probe", "--json", "--all", target],
                             capture_output=True, check=False).stdout
        result = json.loads(out)
        for p in result["probes"]:
            data = bytes.fromhex(p.get("received_hex", ""))
            if not data:
                continue
            path = os.path.join(outdir, "%s.%s.bin" % (name, p["name"]))
            with open(path, "wb") as f:
                f.write(data)
            print("%s: %d bytes" % (path, len(data)))


if __name__ == "__main__":
    main()
