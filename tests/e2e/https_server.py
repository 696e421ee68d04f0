#!/usr/bin/python3
"""A real HTTPS server for the lab's fixtures (loopback only).

    https_server.py --addr 127.0.0.1 --port 443 --cert C.pem --key C.key --root DIR --log FILE

Serves the files under DIR (GET; a path that is a directory or missing is 404) over TLS with the
given certificate (tests/e2e/testca.sh makes one), and appends one JSON line per request to
FILE: method, path, headers, body (text), time. Prints "ready" on standard output once it
listens. Extensions for fixtures that must answer differently per request belong here.

    --routes FILE   scripted answers (API fixtures): a JSON object mapping "METHOD /path" (the
                    query string left out) to a list of answers given in turn (the last one
                    repeats): {"status": 201, "headers": {"ETag": "x"}, "body": <JSON value
                    sent as JSON, or a string sent as is>, "body_file": "NAME" (a file under
                    --root instead), "delay": seconds before answering, "if_none_match":
                    {"ETAG": <answer>} (the answer when the request's If-None-Match is ETAG)}.
                    A route answers GET and POST; other requests fall back to the files.
"""
import argparse
import http.server
import json
import os
import ssl
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=443)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--routes")
    a = ap.parse_args()
    root = os.path.realpath(a.root)
    routes = {}
    if a.routes:
        with open(a.routes) as f:
            routes = json.load(f)
    served = {}
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def record(self, body):
            with open(a.log, "a") as f:
                f.write(json.dumps({"method": self.command, "path": self.path,
                                    "headers": dict(self.headers.items()),
                                    "body": body.decode("utf-8", "replace"),
                                    "time": time.time()}) + "\n")

        def reply(self, code, data, ctype="text/plain"):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def route(self):
            key = self.command + " " + self.path.split("?")[0]
            if key not in routes:
                return False
            with lock:
                n = served.get(key, 0)
                served[key] = n + 1
            seq = routes[key]
            ans = seq[min(n, len(seq) - 1)]
            inm = self.headers.get("If-None-Match")
            if inm is not None and inm in ans.get("if_none_match", {}):
                ans = ans["if_none_match"][inm]
            time.sleep(ans.get("delay", 0))
            if "body_file" in ans:
                with open(os.path.join(root, ans["body_file"]), "rb") as f:
                    data = f.read()
            elif isinstance(ans.get("body"), str):
                data = ans["body"].encode()
            else:
                data = json.dumps(ans.get("body")).encode() if "body" in ans else b""
            self.send_response(ans.get("status", 200))
            self.send_header("Content-Type", "application/json")
            for k, v in ans.get("headers", {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return True

        def do_GET(self):
            self.record(b"")
            if self.route():
                return
            path = os.path.realpath(os.path.join(root, self.path.split("?")[0].lstrip("/")))
            if not path.startswith(root + os.sep) or not os.path.isfile(path):
                self.reply(404, b"not found\n")
                return
            with open(path, "rb") as f:
                self.reply(200, f.read())

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            self.record(self.rfile.read(n))
            if self.route():
                return
            self.reply(405, b"method not allowed\n")

    srv = http.server.ThreadingHTTPServer((a.addr, a.port), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("ready", flush=True)
    sys.stdout.close()
    srv.serve_forever()


if __name__ == "__main__":
    main()
