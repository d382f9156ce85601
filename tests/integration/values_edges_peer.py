#!/usr/bin/env python3
# values_edges_peer.py PORTFILE MODE: listen on 127.0.0.1 (a free port, written
# to PORTFILE), answer every connection's first read with MODE's bytes,
# then hold the connection open for 10 s at most. For values_edges.sh.
import socket, sys, threading, time
mode = sys.argv[2]
MODES = {
 # 50 headers X-R of 20 KB each: 1 MB of regex subjects in one message
 'rephdr': b'HTTP/1.1 200 OK\r\n' + b''.join(b'X-R: ' + b'a' * 20000 +
           b'\r\n' for i in range(50)) + b'Content-Length: 2\r\n\r\nok',
 # a reply of 500 lines of 2040 bytes (each under the inline limit)
 'replymany': b''.join(b'250-' + b'a' * 2040 + b'\r\n' for i in range(500))
              + b'250 end\r\n',
 'reply': b'250-mail.example\r\n250-SIZE 1000\r\n250 HELP\r\n',
 'resp15': b'$3\r\n1.5\r\n',
 'resperr': b'-WRONGTYPE Operation against a key holding the wrong kind '
            b'of value\r\n',
 'respnil': b'$-1\r\n',
  'respbig': b'*1\r\n:9007199254740993\r\n(12345678901234567890123\r\n+OK\r\n',
 # a 900 KB bulk string (the memory figure in docs/reliability.md)
 'resp900k': b'$921600\r\n' + b'v' * 921600 + b'\r\n',
 'http': b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: 23\r\n\r\nok',
}
def serve(c):
    try:
        c.settimeout(10)
        c.recv(65536)
        c.sendall(MODES[mode])
        c.recv(65536)
    except Exception:
        pass
    finally:
        c.close()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 0))
s.listen(256)
with open(sys.argv[1] + '.tmp', 'w') as f:
    f.write('%d\n' % s.getsockname()[1])
import os
os.rename(sys.argv[1] + '.tmp', sys.argv[1])
s.settimeout(60)
while True:
    try:
        c, _ = s.accept()
    except Exception:
        break
    threading.Thread(target=serve, args=(c,), daemon=True).start()
