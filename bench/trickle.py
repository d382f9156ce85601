#!/usr/bin/env python3
"""One seed-app (jsonhdr) request whose JSON header is HEADER_BYTES long and
whose CONTENT_BYTES of content are sent 1 byte per write, each write
followed by a short pause so the server reads them one at a time.

Usage: trickle.py PORT HEADER_BYTES CONTENT_BYTES [PAUSE_US]
Prints "writes=N reply=BYTES" and exits 0 when the server answered the
request whole (the binary reply "First 10 bytes of request: ..."), else 1.
"""
import json
import socket
import struct
import sys
import time


def header(size, clen):
    """A JSON header padded to exactly size bytes (the seed's key order)."""
    base = {"byteorder": "little",
            "content-type": "binary/custom-client-binary-type",
            "content-encoding": "binary", "content-length": clen, "pad": ""}
    raw = json.dumps(base, ensure_ascii=False).encode()
    base["pad"] = "x" * max(0, size - len(raw))
    raw = json.dumps(base, ensure_ascii=False).encode()
    if len(raw) > 65535:
        raise SystemExit("header too large")
    return raw


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def main():
    port, hsize, clen = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    pause = (int(sys.argv[4]) if len(sys.argv) > 4 else 150) / 1e6
    hdr = header(hsize, clen)
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(30)
    s.sendall(struct.pack(">H", len(hdr)) + hdr)
    time.sleep(0.05)
    content = bytes(b"0123456789"[i % 10] for i in range(clen))
    for i in range(clen):
        s.send(content[i:i + 1])
        time.sleep(pause)
    hl = struct.unpack(">H", recv_exact(s, 2))[0]
    rh = json.loads(recv_exact(s, hl))
    body = recv_exact(s, rh["content-length"])
    s.close()
    want = b"First 10 bytes of request: " + content[:10]
    print("writes=%d reply=%d" % (clen, len(body)))
    return 0 if body == want else 1


if __name__ == "__main__":
    sys.exit(main())
