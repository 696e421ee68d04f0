#!/usr/bin/python3
"""A tiny authoritative DNS server (UDP and TCP) for one zone that NSD refuses to load:
a CNAME at the zone apex next to SOA, NS and MX (RFC 1034 §3.6.2 forbids it, which is the
fault proptrack's apex-cname check must find).

Usage: cnamedns.py ADDRESS PORT ZONE CNAME_TARGET MX_TARGET [--ready FILE]

Answers with AA set. At the apex: SOA, NS (ns4.lab.), MX (10 MX_TARGET) and CNAME
(CNAME_TARGET); an exact type match wins, any other type gets the CNAME (as a permissive
server would). Other names in the zone: NXDOMAIN with the SOA. Outside the zone: REFUSED.
Used by tests/e2e/diaglab.sh; standard library only (Debian's /usr/bin/python3).
"""
import os
import signal
import socket
import struct
import sys
import threading


def enc_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def read_name(msg, off):
    labels = []
    while True:
        n = msg[off]
        if n == 0:
            return ".".join(labels).lower() + ".", off + 1
        if n >= 0xC0:
            raise ValueError("compression in question")
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n


T_A, T_NS, T_CNAME, T_SOA, T_MX = 1, 2, 5, 6, 15


def main(argv):
    args = argv[1:]
    ready = None
    if "--ready" in args:
        i = args.index("--ready")
        ready = args[i + 1]
        del args[i:i + 2]
    addr, port, zone, target, mx = args[0], int(args[1]), args[2].lower(), args[3], args[4]
    if not zone.endswith("."):
        zone += "."
    soa = enc_name("ns4.lab.") + enc_name("hostmaster.lab.") + struct.pack(
        "!IIIII", 2026112801, 3600, 600, 86400, 60)
    apex = {
        T_SOA: [soa],
        T_NS: [enc_name("ns4.lab.")],
        T_MX: [struct.pack("!H", 10) + enc_name(mx)],
        T_CNAME: [enc_name(target)],
    }

    def rr(name, rtype, rdata, ttl=300):
        return enc_name(name) + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata

    def answer(q):
        if len(q) < 12:
            return None
        qid, flags, qd = struct.unpack("!HHH", q[:6])
        if qd != 1 or flags & 0x8000:
            return None
        name, off = read_name(q, 12)
        qtype, qclass = struct.unpack("!HH", q[off:off + 4])
        question = q[12:off + 4]
        rflags = 0x8000 | (flags & 0x0100)  # QR, copy RD
        an, ns = [], []
        rcode = 0
        if not (name == zone or name.endswith("." + zone)):
            rcode = 5
        else:
            rflags |= 0x0400  # AA
            if name == zone:
                if qtype in apex:
                    an = [rr(name, qtype, d) for d in apex[qtype]]
                else:
                    an = [rr(name, T_CNAME, d) for d in apex[T_CNAME]]
            else:
                rcode = 3
            if not an:
                ns = [rr(zone, T_SOA, soa, 60)]
        head = struct.pack("!HHHHHH", qid, rflags | rcode, 1, len(an), len(ns), 0)
        return head + question + b"".join(an) + b"".join(ns)

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    u.bind((addr, port))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((addr, port))
    t.listen(16)

    def serve_tcp():
        while True:
            c, _ = t.accept()
            try:
                c.settimeout(2)
                n = struct.unpack("!H", c.recv(2))[0]
                q = b""
                while len(q) < n:
                    chunk = c.recv(n - len(q))
                    if not chunk:
                        break
                    q += chunk
                r = answer(q)
                if r:
                    c.sendall(struct.pack("!H", len(r)) + r)
            except (OSError, ValueError, struct.error):
                pass
            c.close()

    threading.Thread(target=serve_tcp, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if ready:
        with open(ready + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(ready + ".tmp", ready)
    while True:
        q, peer = u.recvfrom(4096)
        try:
            r = answer(q)
        except (ValueError, IndexError, struct.error):
            r = None
        if r:
            u.sendto(r, peer)


if __name__ == "__main__":
    main(sys.argv)
