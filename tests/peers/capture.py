#!/usr/bin/env python3
"""Send the requests in a file to HOST:PORT and save every byte the server
sends back until it closes (the last request must make it close: QUIT for
redis, Connection: close for HTTP). Requests are separated by a line
"@@" and sent one at a time, PAUSE seconds apart, so each reply is its own
read on the server side. Usage: capture.py HOST PORT REQUESTS OUT [PAUSE]"""
import socket
import sys
import time


def main():
    host, port, reqfile, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    pause = float(sys.argv[5]) if len(sys.argv) > 5 else 0.05
    with open(reqfile, "rb") as f:
        reqs = [r for r in f.read().split(b"@@\n") if r]
    s = socket.create_connection((host, port), timeout=10)
    for r in reqs:
        s.sendall(r)
        time.sleep(pause)
    got = b""
    deadline = time.time() + 10
    while time.time() < deadline:
        b = s.recv(65536)
        if not b:
            break
        got += b
    s.close()
    with open(out, "wb") as f:
        f.write(got)


main()
