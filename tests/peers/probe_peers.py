#!/usr/bin/env python3
"""Servers that tempt `sockbench probe` into a wrong verdict.

Each mode mimics how a real daemon behaves on the wire, as far as the
probe can see it (issues #11 and #17):

  slow-banner   a greeting sent 1 byte per INTERVAL seconds (default 1),
                then reads and discards
  late-banner   says nothing for DELAY seconds (default 0.8), then sends
                "220 late.example ESMTP ready\\r\\n", then reads
  quote-end     gearmand-like: answers each line with
                "ERR UNKNOWN_COMMAND Unknown+server+command:" + the line
                (its own line end becomes the reply's line end)
  quote-args    redis-like wording, but never answers PING: each line gets
                "-ERR unknown command 'WORD', with args beginning with: ..."
  rsync         "@RSYNCD: 31.0\\n" to every connection, then waits
  ircd          ngIRCd-like ":irc.example NOTICE * :*** Looking up your
                hostname\\r\\n" to every connection, then waits
  beanstalkd    answers every line with "UNKNOWN_COMMAND\\r\\n"
  xmpp          Prosody-like: to the first bytes, one stream error, then
                closes
  silent        accepts, never sends
  close         accepts and closes at once
  reset         accepts and resets (SO_LINGER 0)

Usage: probe_peers.py MODE [ARG]. Listens on 127.0.0.1, port 0 (a free
port), prints the port on the first line of stdout, and serves until it
is killed. Each connection has its own thread.
"""
import socket
import struct
import sys
import threading
import time

XMPP_ERROR = (b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
              b"xmlns:stream='http://etherx.jabber.org/streams' "
              b"id='probe' version='1.0'><stream:error><not-well-formed "
              b"xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
              b"</stream:stream>")


def lines(c):
    """Yield each line the client sends (with its b"\\n"), until EOF."""
    pending = b""
    while True:
        data = c.recv(4096)
        if not data:
            return
        pending += data
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            yield line + b"\n"


def drain(c):
    """Read and discard until the client goes away."""
    c.settimeout(30)
    while c.recv(4096):
        pass


def quote_args(line):
    """Redis's wording for an unknown inline command."""
    words = line.strip().split()
    if not words:
        return b"-ERR unknown command '', with args beginning with: \r\n"
    args = b"".join(b"'" + w + b"' " for w in words[1:])
    return (b"-ERR unknown command '" + words[0] +
            b"', with args beginning with: " + args + b"\r\n")


def handle(c, mode, arg):
    if mode == "reset":
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
        return
    if mode == "close":
        return
    if mode == "slow-banner":
        banner = b"+OK hi\r\n"
        interval = float(arg) if arg else 1.0
        for i in range(len(banner)):
            c.sendall(banner[i:i + 1])
            if i + 1 < len(banner):
                time.sleep(interval)
    elif mode == "late-banner":
        time.sleep(float(arg) if arg else 0.8)
        c.sendall(b"220 late.example ESMTP ready\r\n")
    elif mode == "rsync":
        c.sendall(b"@RSYNCD: 31.0\n")
    elif mode == "ircd":
        c.sendall(b":irc.example NOTICE * :*** Looking up your hostname\r\n")
    elif mode == "quote-end":
        for line in lines(c):
            c.sendall(b"ERR UNKNOWN_COMMAND Unknown+server+command:" + line)
        return
    elif mode == "quote-args":
        for line in lines(c):
            c.sendall(quote_args(line))
        return
    elif mode == "beanstalkd":
        for _ in lines(c):
            c.sendall(b"UNKNOWN_COMMAND\r\n")
        return
    elif mode == "xmpp":
        if c.recv(4096):
            c.sendall(XMPP_ERROR)
        return
    elif mode != "silent":
        raise SystemExit("probe_peers.py: unknown mode %r" % mode)
    drain(c)


def serve(c, mode, arg):
    try:
        handle(c, mode, arg)
    except OSError:
        pass
    finally:
        c.close()


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    mode = sys.argv[1]
    arg = sys.argv[2] if len(sys.argv) > 2 else ""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    print(s.getsockname()[1], flush=True)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c, mode, arg),
                         daemon=True).start()


if __name__ == "__main__":
    main()
