#!/usr/bin/env python3
"""An HTTP/1.0 server on 127.0.0.1:PORT (python3's http.server module):
/until-close answers without Content-Length and closes (the body ends at
the close, RFC 9112 6.3); /short announces 100 body bytes, sends 11 and
closes. Usage: http10.py PORT"""
import http.server
import sys


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        if self.path == "/short":
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"only eleven")
        else:
            self.end_headers()
            self.wfile.write(b"until the close\n")

    def log_message(self, *a):
        pass


http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
