#!/usr/bin/env python3
"""Seed-faithful servers: each behaves on the wire as the server of one seed
article does (docs: /work/shared/docs/seed-protocols.md), written for the
tests from the articles' descriptions, not copied. The seed scenarios in
scenarios/seed/ must pass against these as they pass against `sockbench
serve`, so a scenario can only check what a seed client can rely on.

One deliberate difference: the seed 003 file server runs a request that
names no file as a shell command and sends "0001" + its output. This peer
never runs anything; it sends "0001" + an empty output, exactly what the
seed sends for a command that prints nothing on stdout.

Usage: seed_servers.py KIND [ARG]
  echo          seed 000/003 selectors echo (recv 1024, send back)
  prefix TEXT   seed 004 blocking echo: TEXT + message per recv
  fixed TEXT    seed 004 non-blocking server: TEXT per recv
  suffix TEXT   seed 004 asyncio echo: message + TEXT per recv
  app           seed 000 libserver: jsonhdr request, one per connection
  file ROOT     seed 003 blocking file server, relative names from ROOT
Listens on 127.0.0.1 on a free port, prints "port N" on stdout, serves until
killed. Every client gets its own thread (the seed 004 article's threaded
variant), so the tests' many connections are served at once.
"""
import json
import os
import socket
import struct
import sys
import threading

SEARCH = {
    "morpheus": "Follow the white rabbit. \U0001f430",
    "ring": "In the caves beneath the Misty Mountains. \U0001f48d",
    "\U0001f436": "\U0001f43e Playing ball! \U0001f3d0",
}


def serve_echo(conn, _arg):
    """Seed 000 multiconn / 003 selectors: recv(1024), send it all back."""
    while True:
        data = conn.recv(1024)
        if not data:
            return
        conn.sendall(data)


def serve_prefix(conn, text):
    """Seed 004 blocking server: the prefix, then the message, per recv."""
    while True:
        msg = conn.recv(1024)
        if not msg:
            return
        conn.send(text.encode("utf-8") + msg)


def serve_fixed(conn, text):
    """Seed 004 non-blocking server: a fixed reply to every recv."""
    while True:
        msg = conn.recv(1024)
        if not msg:
            return
        conn.send(text.encode("utf-8"))


def serve_suffix(conn, text):
    """Seed 004 asyncio server: the data followed by the suffix."""
    while True:
        data = conn.recv(1024)
        if not data:
            return
        conn.sendall(data + text.encode("utf-8"))


def app_message(content, ctype, cenc):
    """The seed's _create_message: >H length, JSON header, content."""
    hdr = json.dumps({"byteorder": sys.byteorder, "content-type": ctype,
                      "content-encoding": cenc,
                      "content-length": len(content)},
                     ensure_ascii=False).encode("utf-8")
    return struct.pack(">H", len(hdr)) + hdr + content


def serve_app(conn, _arg):
    """Seed 000 libserver: read the proto header, the JSON header (json.load
    semantics, the four required keys), the content; answer once and close
    after the response is written. Any exception closes the connection
    without a reply, as the seed's main loop does."""
    buf = b""

    def need(n):
        nonlocal buf
        while len(buf) < n:
            data = conn.recv(4096)
            if not data:
                raise RuntimeError("Peer closed.")
            buf += data

    need(2)
    hlen = struct.unpack(">H", buf[:2])[0]
    buf = buf[2:]
    need(hlen)
    header = json.loads(buf[:hlen].decode("utf-8"))
    buf = buf[hlen:]
    for key in ("byteorder", "content-length", "content-type",
                "content-encoding"):
        if key not in header:
            raise ValueError('Missing required header "%s".' % key)
    clen = header["content-length"]
    need(clen)
    data = buf[:clen]
    if header["content-type"] == "text/json":
        request = json.loads(data.decode(header["content-encoding"]))
        action = request.get("action")
        if action == "search":
            query = request.get("value")
            answer = SEARCH.get(query) or f'No match for "{query}".'
            content = {"result": answer}
        else:
            content = {"result": f'Error: invalid action "{action}".'}
        reply = app_message(json.dumps(content, ensure_ascii=False)
                            .encode("utf-8"), "text/json", "utf-8")
    else:
        reply = app_message(b"First 10 bytes of request: " + data[:10],
                            "binary/custom-server-binary-type", "binary")
    conn.sendall(reply)


def serve_file(conn, _root):
    """Seed 003 blocking server: a request naming a file (relative to the
    cwd, or absolute) gets its size in ASCII, then after any reply its
    bytes; anything else gets "0001" + the output of running it, which
    this peer never does (empty output)."""
    while True:
        data = conn.recv(10240)
        if not data:
            return
        message = data.decode("utf-8")
        if os.path.isfile(message):
            conn.send(str(os.path.getsize(message)).encode())
            conn.recv(10240)
            with open(message, "rb") as f:
                for line in f:
                    conn.send(line)
        else:
            conn.send(("0001" + "").encode("utf-8"))


KINDS = {"echo": serve_echo, "prefix": serve_prefix, "fixed": serve_fixed,
         "suffix": serve_suffix, "app": serve_app, "file": serve_file}


def client(fn, conn, arg):
    try:
        fn(conn, arg)
    except Exception as e:  # the seed servers print and close
        print("peer: %r" % e, file=sys.stderr)
    finally:
        conn.close()


def main():
    kind = sys.argv[1]
    arg = sys.argv[2] if len(sys.argv) > 2 else None
    fn = KINDS[kind]
    if kind == "file":
        os.chdir(arg)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(128)
    print("port %d" % ls.getsockname()[1], flush=True)
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=client, args=(fn, conn, arg),
                         daemon=True).start()


if __name__ == "__main__":
    main()
