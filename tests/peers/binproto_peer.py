#!/usr/bin/env python3
"""A small custom binary protocol server on 127.0.0.1, for the tests of
`send pack`, `expect hex` masks and `capture NAME u16be at N`.

Usage: binproto_peer.py PORTFILE LOGFILE [--life SECONDS]

Writes the port it listens on to PORTFILE (atomically), appends every
frame it receives and sends to LOGFILE, and serves until
--life seconds pass (default 30). Each request is logged as "> HEX" and
its response as "< HEX".

The protocol ("BP1"); integers big-endian unless marked le:
  request:  magic u16 0xB17E, version u8 (1), opcode u8, id u32le,
            length u16, payload (length bytes)
  response: magic u16 0xB17F, flags u8, opcode | 0x80 u8, id u32le,
            length u16, payload
  flags: high nibble a status (0 ok, 1 bad token, 2 bad version, 3 unknown
  opcode), low nibble random bits (server load) a client must mask out.
  Opcodes: 1 ECHO (payload back), 2 SUM (u32 sum of the payload bytes),
  3 TOKEN (payload: a fresh random u16 token, then u8 0), 4 USE (payload
  must be the connection's last token as u16: status 0, else 1; payload
  empty). A bad magic closes the connection.
"""
import os
import random
import selectors
import socket
import struct
import sys
import time


def frame(magic, flags, opcode, fid, payload):
    """One frame: the header then the payload."""
    return (struct.pack(">HBB", magic, flags, opcode) + struct.pack("<I", fid)
            + struct.pack(">H", len(payload)) + payload)


def answer(state, version, opcode, fid, payload):
    """The response to one request."""
    status, out = 0, b""
    if version != 1:
        status = 2
    elif opcode == 1:
        out = payload
    elif opcode == 2:
        out = struct.pack(">I", sum(payload))
    elif opcode == 3:
        state["token"] = random.randrange(1, 65536)
        out = struct.pack(">HB", state["token"], 0)
    elif opcode == 4:
        ok = len(payload) == 2 and struct.unpack(">H", payload)[0] == \
            state.get("token")
        status = 0 if ok else 1
    else:
        status = 3
    flags = (status << 4) | random.randrange(16)
    return frame(0xB17F, flags, opcode | 0x80, fid, out)


def main():
    args = sys.argv[1:]
    portfile, logfile = args[0], args[1]
    life = 30.0
    if len(args) > 3 and args[2] == "--life":
        life = float(args[3])
    log = open(logfile, "a", buffering=1)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    ls.setblocking(False)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, portfile)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)
    conns = {}
    end = time.monotonic() + life
    while time.monotonic() < end:
        for key, _ in sel.select(0.1):
            if key.data is None:
                c, _ = ls.accept()
                c.setblocking(True)
                conns[c] = {"buf": b""}
                sel.register(c, selectors.EVENT_READ, "c")
                continue
            c = key.fileobj
            st = conns[c]
            try:
                data = c.recv(65536)
            except OSError:
                data = b""
            if not data:
                sel.unregister(c)
                c.close()
                del conns[c]
                continue
            st["buf"] += data
            while len(st["buf"]) >= 10:
                magic, version, opcode = struct.unpack(">HBB", st["buf"][:4])
                fid = struct.unpack("<I", st["buf"][4:8])[0]
                n = struct.unpack(">H", st["buf"][8:10])[0]
                if magic != 0xB17E:
                    log.write("bad-magic %s\n" % st["buf"].hex())
                    st["buf"] = b""
                    sel.unregister(c)
                    c.close()
                    del conns[c]
                    break
                if len(st["buf"]) < 10 + n:
                    break
                req, st["buf"] = st["buf"][:10 + n], st["buf"][10 + n:]
                out = answer(st, version, opcode, fid, req[10:])
                log.write("> %s\n< %s\n" % (req.hex(), out.hex()))
                c.sendall(out)


if __name__ == "__main__":
    main()
