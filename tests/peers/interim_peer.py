#!/usr/bin/env python3
"""An HTTP/1.1 server on 127.0.0.1:PORT (python3's http.server module) that
sends interim 1xx responses before the final one: a POST with
"Expect: 100-continue" gets http.server's own "100 Continue", then
"200 OK" with body "got N bytes"; GET /hints gets "103 Early Hints" (with
a Link header), then "200 OK" with body "hinted". Usage: interim_peer.py
PORT"""
import http.server
import sys


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(n)
        self.reply(b"got %d bytes" % len(data))

    def do_GET(self):
        if self.path == "/hints":
            self.send_response_only(103, "Early Hints")
            self.send_header("Link", "</style.css>; rel=preload")
            self.end_headers()
            self.wfile.flush()
        self.reply(b"hinted")

    def log_message(self, *a):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])),
                                H).serve_forever()
