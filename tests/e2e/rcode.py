#!/usr/bin/python3
"""A DNS "resolver" that answers every query over UDP with one fixed rcode.

Usage: rcode.py ADDRESS PORT RCODE [--ready FILE]

The reply is the query's own header and question with QR and RA set and the rcode given
(2 SERVFAIL, 4 NOTIMP, ...), no records: what a resolver sends when its upstream fails, or
a server that does not implement the query. Used by the end-to-end tests for verdicts no
real resolver in the lab gives on demand. Standard library only.
"""
import os
import signal
import socket
import sys


def main(argv):
    args = argv[1:]
    ready = None
    if "--ready" in args:
        i = args.index("--ready")
        ready = args[i + 1]
        del args[i:i + 2]
    addr, port, rcode = args[0], int(args[1]), int(args[2])
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((addr, port))
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if ready:
        with open(ready + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(ready + ".tmp", ready)
    while True:
        msg, peer = s.recvfrom(65535)
        if len(msg) < 12 or msg[2] & 0x80:
            continue
        # the question ends at the first zero label after the header (no compression in
        # a query), then type and class
        off = 12
        while off < len(msg) and msg[off] != 0:
            off += 1 + msg[off]
        off += 5
        if off > len(msg):
            continue
        flags = bytes([0x80 | (msg[2] & 0x79), 0x80 | rcode])
        s.sendto(msg[:2] + flags + b"\x00\x01\x00\x00\x00\x00\x00\x00" + msg[12:off], peer)


if __name__ == "__main__":
    main(sys.argv)
