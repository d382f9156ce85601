#!/usr/bin/env python3
"""Clients that behave like the seed articles' clients, written for the
tests (not copied from the seeds), to check that `sockbench serve` is
indistinguishable from each seed server on the wire.

Usage: seed_clients.py KIND PORT [ARGS...]; prints what it checked and exits
0 when every byte matched, 1 otherwise."""
import json
import selectors
import socket
import struct
import sys

HOST = "127.0.0.1"


def multiconn(port, nconns, messages):
    """S1: open nconns non-blocking connections at once, send the messages,
    read until as many bytes came back as were sent, compare, close."""
    sel = selectors.DefaultSelector()
    expected = b"".join(messages)
    done = {}
    for i in range(nconns):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((HOST, port))
        state = {"id": i + 1, "out": list(messages), "got": b""}
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, state)
    while sel.get_map():
        events = sel.select(timeout=5)
        if not events:
            print("timeout waiting for echoes")
            return 1
        for key, mask in events:
            s, st = key.fileobj, key.data
            if mask & selectors.EVENT_WRITE and st["out"]:
                msg = st["out"].pop(0)
                s.sendall(msg)
                if not st["out"]:
                    sel.modify(s, selectors.EVENT_READ, st)
            if mask & selectors.EVENT_READ:
                data = s.recv(1024)
                st["got"] += data
                if not data or len(st["got"]) >= len(expected):
                    done[st["id"]] = st["got"]
                    sel.unregister(s)
                    s.close()
    bad = [i for i, got in done.items() if got != expected]
    print("connections %d, each got %d bytes back, mismatches %d" %
          (len(done), len(expected), len(bad)))
    return 0 if len(done) == nconns and not bad else 1


def parts(port):
    """S2: 40 sockets, three messages in rounds, one read per socket."""
    messages = [b"This is the message. ", b"It will be sent ", b"in parts."]
    socks = [socket.create_connection((HOST, port)) for _ in range(40)]
    bad = 0
    for m in messages:
        for s in socks:
            s.sendall(m)
        for s in socks:
            s.settimeout(5)
            got = b""
            while len(got) < len(m):
                chunk = s.recv(1024)
                if not chunk:
                    break
                got += chunk
            bad += got != m
    for s in socks:
        s.close()
    print("40 sockets x 3 rounds, mismatches %d" % bad)
    return 0 if bad == 0 else 1


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError("peer closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def app_request(port, action, value):
    """S3: one jsonhdr request; returns (header dict, content bytes, closed)."""
    if action == "search":
        content = json.dumps({"action": action, "value": value},
                             ensure_ascii=False).encode("utf-8")
        ctype, cenc = "text/json", "utf-8"
    else:
        content = (action + value).encode("utf-8")
        ctype, cenc = "binary/custom-client-binary-type", "binary"
    hdr = json.dumps({"byteorder": sys.byteorder, "content-type": ctype,
                      "content-encoding": cenc,
                      "content-length": len(content)},
                     ensure_ascii=False).encode("utf-8")
    s = socket.create_connection((HOST, port), timeout=5)
    s.sendall(struct.pack(">H", len(hdr)) + hdr + content)
    hlen = struct.unpack(">H", recv_exact(s, 2))[0]
    raw_hdr = recv_exact(s, hlen)
    header = json.loads(raw_hdr.decode("utf-8"))
    body = recv_exact(s, header["content-length"])
    closed = s.recv(1) == b""
    s.close()
    return raw_hdr, header, body, closed


def app(port):
    """S3: every row of the search table, a miss, a bad action, binary."""
    cases = [
        ("search", "morpheus", "Follow the white rabbit. \U0001f430"),
        ("search", "ring", "In the caves beneath the Misty Mountains. \U0001f48d"),
        ("search", "\U0001f436", "\U0001f43e Playing ball! \U0001f3d0"),
        ("search", "neo", 'No match for "neo".'),
        ("delete", "x", None),
    ]
    bad = 0
    for action, value, answer in cases:
        if action != "search":
            continue
        raw_hdr, header, body, closed = app_request(port, action, value)
        want = json.dumps({"result": answer}, ensure_ascii=False).encode()
        want_hdr = json.dumps({"byteorder": "little",
                               "content-type": "text/json",
                               "content-encoding": "utf-8",
                               "content-length": len(want)}).encode()
        ok = body == want and raw_hdr == want_hdr and closed
        bad += not ok
        print("search %r: %s" % (value, "ok" if ok else "MISMATCH %r %r" %
                                 (raw_hdr, body)))
    # An action other than search, sent as text/json.
    s = socket.create_connection((HOST, port), timeout=5)
    content = b'{"action": "delete", "value": "x"}'
    hdr = json.dumps({"byteorder": "little", "content-type": "text/json",
                      "content-encoding": "utf-8",
                      "content-length": len(content)}).encode()
    s.sendall(struct.pack(">H", len(hdr)) + hdr + content)
    hlen = struct.unpack(">H", recv_exact(s, 2))[0]
    header = json.loads(recv_exact(s, hlen))
    body = recv_exact(s, header["content-length"])
    ok = body == b'{"result": "Error: invalid action \\"delete\\"."}'
    bad += not ok
    print("invalid action: %s" % ("ok" if ok else "MISMATCH %r" % body))
    _, header, body, closed = app_request(port, "binary-", "morpheus")
    ok = (body == b"First 10 bytes of request: binary-mor" and
          header["content-type"] == "binary/custom-server-binary-type" and
          closed)
    bad += not ok
    print("binary: %s" % ("ok" if ok else "MISMATCH %r" % body))
    return 0 if bad == 0 else 1


def download(s, name, size):
    """S4: one request for a file on an open connection: the size, the
    acknowledgement, exactly that many bytes. Returns the bytes or None."""
    s.sendall(name.encode())
    got = s.recv(10240)
    if got != str(size).encode():
        print("request %r: size %r, expected %d" % (name, got, size))
        return None
    s.sendall("File size received".encode())
    return recv_exact(s, size)


def filecli(port, name, size, absname=None):
    """S4: request a file, read the size, acknowledge, read the bytes; the
    same file by its absolute path (the seed server serves one; sockbench
    does when it lies inside its root); then a command-like request, which
    must come back with the 0001 prefix the seed client checks, and never
    run (no directory listing in it)."""
    s = socket.create_connection((HOST, port), timeout=5)
    data = download(s, name, size)
    ok = data is not None and len(data) == size
    if absname is not None:
        again = download(s, absname, size)
        ok = ok and again == data
        print("absolute %s: %s" % (absname, "same bytes" if again == data
                                   else "MISMATCH"))
    s.sendall(b"ls /")
    reply = s.recv(10240)
    ok = ok and reply.startswith(b"0001") and b"bin" not in reply
    s.close()
    print("file %s: %d bytes, command answered %r" %
          (name, len(data or b""), reply[:60]))
    return 0 if ok else 1


def app_raw(port, header, content):
    """Send one jsonhdr message with this exact JSON header text and
    content; return (reply content or None, closed)."""
    hdr = header.encode("utf-8")
    s = socket.create_connection((HOST, port), timeout=5)
    s.sendall(struct.pack(">H", len(hdr)) + hdr + content)
    try:
        first = s.recv(2)
    except ConnectionResetError:
        return None, True
    if not first:
        return None, True
    if len(first) < 2:
        first += recv_exact(s, 2 - len(first))
    hlen = struct.unpack(">H", first)[0]
    h = json.loads(recv_exact(s, hlen).decode("utf-8"))
    body = recv_exact(s, h["content-length"])
    s.close()
    return body, True


def appjson(port):
    """S3 JSON as the seed's json.loads reads it: the last of duplicate
    keys wins (in the header and the content), a \\u0000 escape stays in
    the string, trailing bytes after the JSON are an error (no reply)."""
    bad = 0

    def hdr(clen, extra=""):
        return ('{"byteorder": "little", "content-type": "text/json", '
                '"content-encoding": "utf-8"%s, "content-length": %d}' %
                (extra, clen))

    def result(answer):
        return json.dumps({"result": answer}, ensure_ascii=False).encode()

    ring = result("In the caves beneath the Misty Mountains. \U0001f48d")
    cases = []
    c = b'{"action": "search", "value": "neo", "value": "ring"}'
    cases.append(("duplicate value key, last wins", hdr(len(c)), c, ring))
    c = b'{"action": "search", "value": "a\\u0000b"}'
    cases.append(("NUL escape kept in the value", hdr(len(c)), c,
                  result('No match for "a\x00b".')))
    c = b'{"action": "search", "value": "ring"}'
    cases.append(("duplicate content-length, last wins",
                  hdr(len(c), ', "content-length": 999'), c, ring))
    c = b'{"action": "search", "value": "ring"} {}'
    cases.append(("trailing bytes after the content JSON: no reply",
                  hdr(len(c)), c, None))
    for what, h, content, want in cases:
        body, closed = app_raw(port, h, content)
        ok = body == want and closed
        bad += not ok
        print("%s: %s" % (what, "ok" if ok else "MISMATCH got %r want %r" %
                          (body, want)))
    return 0 if bad == 0 else 1


def once(port, message, want):
    """S5: one message, one reply, compared byte for byte."""
    s = socket.create_connection((HOST, port), timeout=5)
    s.sendall(message.encode())
    got = recv_exact(s, len(want.encode()))
    s.close()
    print("sent %r, got %r" % (message, got.decode(errors="replace")))
    return 0 if got == want.encode() else 1


def main():
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == "multiconn":
        return multiconn(port, int(sys.argv[3]),
                         [m.encode() for m in sys.argv[4:]])
    if kind == "parts":
        return parts(port)
    if kind == "app":
        return app(port)
    if kind == "file":
        return filecli(port, sys.argv[3], int(sys.argv[4]),
                       sys.argv[5] if len(sys.argv) > 5 else None)
    if kind == "appjson":
        return appjson(port)
    if kind == "once":
        return once(port, sys.argv[3], sys.argv[4])
    print("unknown kind " + kind)
    return 2


if __name__ == "__main__":
    sys.exit(main())
