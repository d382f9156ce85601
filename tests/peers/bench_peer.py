#!/usr/bin/env python3
"""Misbehaving servers for the bench tests, on 127.0.0.1, one process.

Usage: bench_peer.py MODE [--size N] [--after N] [--life SECONDS] PORTFILE

Writes the port it listens on to PORTFILE (atomically), then serves until
--life seconds pass (default 30) or, for "die", until it dies. Requests are
--size bytes (default 64); --after counts requests.

Modes:
  echo     every byte back (a healthy server)
  stream   never reads; writes 4 KiB chunks as fast as the socket takes
  stall    echoes the first --after requests of each connection, then
           reads and answers nothing more
  half     answers every other request (the 1st, 3rd, ...) of --size bytes
  drop     echoes --after requests per connection, then resets it (with
           the requests behind them unanswered)
  die      echoes until --after requests in total were answered, then the
           whole server exits (listener closed: reconnects are refused)
  slow     echoes every request --after milliseconds after it came
  blackhole  accepts, never reads, never writes
  tally    echoes, and when a connection ends prints one line to stdout:
           "fin" when the client half-closed or closed cleanly, "rst"
           when it reset
"""
import os
import selectors
import socket
import struct
import sys
import time


def main():
    args = sys.argv[1:]
    mode = args.pop(0)
    size, after, life = 64, 10, 30.0
    while len(args) > 1:
        opt = args.pop(0)
        val = args.pop(0)
        if opt == "--size":
            size = int(val)
        elif opt == "--after":
            after = int(val)
        elif opt == "--life":
            life = float(val)
        else:
            sys.exit("bench_peer: unknown option " + opt)
    portfile = args[0]

    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(512)
    ls.setblocking(False)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)

    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)
    state = {}          # sock -> dict(rx=bytes seen, out=pending bytes)
    total = [0]         # requests answered over every connection
    chunk = b"s" * 4096
    end = time.monotonic() + life

    def close(s, how):
        if mode == "tally":
            print(how, flush=True)
        sel.unregister(s)
        state.pop(s, None)
        s.close()

    def reset(s):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
        close(s, "ours")

    def flush(s, st):
        if st["out"]:
            try:
                n = s.send(st["out"])
                st["out"] = st["out"][n:]
            except BlockingIOError:
                pass
            except OSError:
                close(s, "rst")
                return
        want = selectors.EVENT_READ
        if st["out"] or mode == "stream":
            want |= selectors.EVENT_WRITE
        if mode == "stream":
            want = selectors.EVENT_WRITE
        sel.modify(s, want, None)

    while time.monotonic() < end:
        now = time.monotonic()
        for s, st in list(state.items()):
            while s in state and st["later"] and st["later"][0][0] <= now:
                st["out"] += st["later"].pop(0)[1]
                flush(s, st)
        for key, ev in sel.select(timeout=0.01 if mode == "slow" else 0.2):
            s = key.fileobj
            if s is ls:
                try:
                    c, _ = ls.accept()
                except BlockingIOError:
                    continue
                c.setblocking(False)
                state[c] = {"rx": 0, "out": b"", "later": []}
                if mode != "blackhole":
                    sel.register(c, selectors.EVENT_WRITE if mode == "stream"
                                 else selectors.EVENT_READ, None)
                continue
            st = state.get(s)
            if st is None:
                continue
            if mode == "stream":
                try:
                    s.send(chunk)
                except BlockingIOError:
                    pass
                except OSError:
                    close(s, "err")
                continue
            if ev & selectors.EVENT_READ:
                try:
                    data = s.recv(65536)
                except ConnectionResetError:
                    close(s, "rst")
                    continue
                except BlockingIOError:
                    data = None
                except OSError:
                    close(s, "err")
                    continue
                if data == b"":
                    close(s, "fin")
                    continue
                if data:
                    first = st["rx"]
                    st["rx"] += len(data)
                    if mode == "echo" or mode == "tally":
                        st["out"] += data
                    elif mode == "slow":
                        st["later"].append((time.monotonic() + after / 1000.0,
                                            data))
                    elif mode == "stall":
                        keep = max(0, min(st["rx"], after * size) - first)
                        st["out"] += data[:keep]
                    elif mode == "half":
                        # Answer requests 0, 2, 4, ... of this connection.
                        for i in range(first // size, st["rx"] // size):
                            if i % 2 == 0:
                                st["out"] += b"h" * size
                    elif mode in ("drop", "die"):
                        done = first // size
                        for i in range(done, st["rx"] // size):
                            if mode == "drop" and i >= after:
                                break
                            if mode == "die" and total[0] >= after:
                                break
                            st["out"] += b"d" * size
                            total[0] += 1
                        if mode == "drop" and st["rx"] // size > after:
                            flush(s, st)
                            if s in state:
                                reset(s)
                            continue
                        if mode == "die" and total[0] >= after:
                            flush(s, st)
                            for t in list(state):
                                reset(t)
                            ls.close()
                            return
            if s in state:
                flush(s, st)


if __name__ == "__main__":
    main()
