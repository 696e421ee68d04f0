#!/usr/bin/python3
"""A minimal DNS responder for benchmarks: answers every query on COUNT consecutive UDP ports
with one MX record (TTL given), copying the ID and question. Loopback only.

Usage: answerer.py ADDRESS FIRST_PORT COUNT TTL [--ready FILE]   (ADDRESS may be IPv6: ::1)
"""
import resource
import selectors
import socket
import struct
import sys


def answer(q, ttl):
    if len(q) < 12:
        return None
    qd = struct.unpack("!H", q[4:6])[0]
    if qd != 1:
        return None
    # end of the question name
    i = 12
    while i < len(q) and q[i] != 0:
        i += q[i] + 1
    end = i + 5
    if end > len(q):
        return None
    question = q[12:end]
    rdata = struct.pack("!H", 10) + b"\x02mx\x07example\x04test\x00"
    rr = b"\xc0\x0c" + struct.pack("!HHIH", 15, 1, ttl, len(rdata)) + rdata
    flags = 0x8180 | (struct.unpack("!H", q[2:4])[0] & 0x0100)
    return q[0:2] + struct.pack("!HHHHH", flags, 1, 1, 0, 0) + question + rr


def main(argv):
    addr, first, count, ttl = argv[1], int(argv[2]), int(argv[3]), int(argv[4])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 64), hard))
    sel = selectors.DefaultSelector()
    for p in range(first, first + count):
        s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((addr, p))
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    if "--ready" in argv:
        open(argv[argv.index("--ready") + 1], "w").close()
    while True:
        for key, _ in sel.select():
            try:
                q, peer = key.fileobj.recvfrom(4096)
            except BlockingIOError:
                continue
            r = answer(q, ttl)
            if r:
                key.fileobj.sendto(r, peer)


if __name__ == "__main__":
    try:
        main(sys.argv)
    except KeyboardInterrupt:
        pass
