#!/usr/bin/python3
"""A DNS "resolver" that never answers.

Usage: silent.py ADDRESS FIRST_PORT [COUNT] [--ready FILE]

Binds COUNT (default 1) consecutive ports starting at FIRST_PORT on ADDRESS,
each with a UDP socket (datagrams are read and dropped) and a TCP listener
(connections complete in the kernel but are never accepted or read). Runs
until SIGTERM/SIGINT. With --ready FILE, writes FILE once every socket is
bound, so a caller can wait for it instead of sleeping.

Used by the proptrack end-to-end lab (tests/e2e/lab.sh) to make a resolver
time out: one on 127.53.4.1:53, or e.g. 1,000 on 127.55.0.1:20000-20999.
"""
import os
import resource
import selectors
import signal
import socket
import sys


def main(argv):
    args = [a for a in argv[1:]]
    ready = None
    if "--ready" in args:
        i = args.index("--ready")
        if i + 1 >= len(args):
            sys.exit("silent.py: --ready needs a file name")
        ready = args[i + 1]
        del args[i:i + 2]
    if len(args) not in (2, 3):
        sys.exit("usage: silent.py ADDRESS FIRST_PORT [COUNT] [--ready FILE]")
    addr = args[0]
    first = int(args[1])
    count = int(args[2]) if len(args) == 3 else 1
    if count < 1 or first < 1 or first + count - 1 > 65535:
        sys.exit("silent.py: bad port range")

    # Two sockets per port plus slack.
    need = 2 * count + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (max(need, soft), max(need, hard)))
        except (ValueError, OSError) as e:
            sys.exit("silent.py: cannot raise RLIMIT_NOFILE to %d: %s" % (need, e))

    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    sel = selectors.DefaultSelector()
    keep = []
    for port in range(first, first + count):
        u = socket.socket(family, socket.SOCK_DGRAM)
        u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        u.bind((addr, port))
        u.setblocking(False)
        sel.register(u, selectors.EVENT_READ)
        t = socket.socket(family, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((addr, port))
        t.listen(16)  # never accept(): clients connect, send, and hear nothing
        keep.append((u, t))

    def stop(_sig, _frm):
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    if ready:
        tmp = ready + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(tmp, ready)

    while True:
        for key, _ in sel.select():
            try:
                while True:
                    key.fileobj.recv(65535)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                pass


if __name__ == "__main__":
    main(sys.argv)
