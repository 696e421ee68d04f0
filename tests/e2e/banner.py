#!/usr/bin/python3
"""An SMTP server whose greeting carries the raw bytes it is given (hostile or broken).

Usage: banner.py ADDRESS PORT HEX_GREETING [--ready FILE]

Sends the greeting (hex-encoded on the command line, e.g. "32323020ff fe..." for
"220 \\xff\\xfe..."), then answers EHLO with a multi-line 250 reply, QUIT with 221, and
anything else with 500. Used by the end-to-end tests to prove that such bytes never reach
proptrack's JSON or terminal output raw. Standard library only.
"""
import os
import signal
import socket
import sys
import threading


def serve(conn, greeting):
    with conn:
        conn.sendall(greeting)
        buf = b""
        while True:
            data = conn.recv(4096)
            if not data:
                return
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                cmd = line.strip().upper()
                if cmd.startswith(b"EHLO"):
                    conn.sendall(b"250-banner.lab\r\n250-\xff\xfeSIZE 1000\r\n250 STARTTLS\r\n")
                elif cmd.startswith(b"QUIT"):
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"500 no\r\n")


def main(argv):
    args = argv[1:]
    ready = None
    if "--ready" in args:
        i = args.index("--ready")
        ready = args[i + 1]
        del args[i:i + 2]
    addr, port, greeting = args[0], int(args[1]), bytes.fromhex(args[2].replace(" ", ""))
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if ready:
        with open(ready + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(ready + ".tmp", ready)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, greeting), daemon=True).start()


if __name__ == "__main__":
    main(sys.argv)
