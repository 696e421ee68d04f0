#!/usr/bin/python3
"""A hostile DNS "resolver" for proptrack's end-to-end tests: one behaviour per address.

Usage: hostile.py [--ready FILE] MODE=ADDRESS[:PORT] ...

Every MODE=ADDRESS binds UDP and TCP on ADDRESS (port 53 by default) and answers each query
the way MODE says (see MODES below). The genuine answer to any question is the lab zone's
data for example.test. (MX "10 mx-old.example.test.", TTL 300; SOA; NS; NODATA with the SOA
for any other type), so a resolver that ends up taking it is a `match` against
`--auth` on the lab's primary. Most hostile behaviours are followed by the genuine reply in
the same try (proptrack must still take it) and have an "-only" twin without it (proptrack
must give up at the try's deadline, as `timeout` or `error`/malformed).

Loopback only; standard library only. With --ready FILE, writes FILE once every socket is
bound. Runs until SIGTERM/SIGINT.
"""
import os
import selectors
import signal
import socket
import struct
import sys
import threading
import time

ZONE = b"\x07example\x04test\x00"
T_A, T_NS, T_CNAME, T_SOA, T_MX, T_TXT, T_OPT = 1, 2, 5, 6, 15, 16, 41


def name(text):
    out = b""
    for label in text.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def rr(owner, rtype, rdata, ttl=300, rclass=1, rdlen=None):
    n = len(rdata) if rdlen is None else rdlen
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, n) + rdata


def opt(payload=1232, ext_rcode=0, version=0, options=b"", owner=b"\x00", flags=0):
    return owner + struct.pack("!HHBBHH", T_OPT, payload, ext_rcode, version, flags,
                               len(options)) + options


class Query:
    def __init__(self, msg):
        self.msg = msg
        self.id = msg[0:2]
        self.rd = msg[2] & 0x01
        off = 12
        while off < len(msg) and msg[off] != 0:
            off += 1 + msg[off]
        off += 1
        self.qname = msg[12:off]
        self.qtype, self.qclass = struct.unpack("!HH", msg[off:off + 4])
        self.question = msg[12:off + 4]
        self.edns = struct.unpack("!H", msg[10:12])[0] > 0


def header(q, an=0, ns=0, ar=0, qd=1, qr=True, tc=False, rcode=0, aa=True, ident=None):
    b2 = (0x80 if qr else 0) | (0x04 if aa else 0) | (0x02 if tc else 0) | q.rd
    return (ident if ident is not None else q.id) + bytes([b2, 0x80 | rcode]) + \
        struct.pack("!HHHH", qd, an, ns, ar)


def soa_rdata():
    return name("ns1.example.test") + name("hostmaster.example.test") + \
        struct.pack("!IIIII", 2026112801, 3600, 600, 86400, 5)


def genuine(q, tc=False):
    """The honest reply: compressed owners (pointer to the question name)."""
    ptr = b"\xc0\x0c"
    ar = [opt()] if q.edns else []
    if tc:
        return header(q, ar=len(ar), tc=True) + q.question + b"".join(ar)
    if q.qtype == T_MX:
        ans = [rr(ptr, T_MX, b"\x00\x0a" + name("mx-old.example.test"))]
        return header(q, an=1, ar=len(ar)) + q.question + b"".join(ans + ar)
    if q.qtype == T_SOA:
        ans = [rr(ptr, T_SOA, soa_rdata())]
        return header(q, an=1, ar=len(ar)) + q.question + b"".join(ans + ar)
    auth = [rr(ZONE, T_SOA, soa_rdata())]
    return header(q, ns=1, ar=len(ar)) + q.question + b"".join(auth + ar)


def mx_reply(q, records, extra_ar=(), an_override=None):
    """A reply whose answer section is @records (already built), OPT mirrored."""
    ar = ([opt()] if q.edns else []) + list(extra_ar)
    an = len(records) if an_override is None else an_override
    return header(q, an=an, ar=len(ar)) + q.question + b"".join(list(records) + ar)


def wrong_questions(q):
    other = name("other.example.test")
    out = []
    out.append(header(q) + other + q.question[-4:])                       # another name
    out.append(header(q) + q.qname + struct.pack("!HH", T_TXT, 1))        # another type
    out.append(header(q) + q.qname + struct.pack("!HH", T_MX, 3))         # class CH
    out.append(header(q, qd=0))                                           # NOERROR, none
    out.append(header(q, qd=2) + q.question + q.question)                 # two questions
    return out


def ptr_loop(q):
    # answer owner is a pointer to itself
    pos = 12 + len(q.question)
    own = struct.pack("!H", 0xC000 | pos)
    return mx_reply(q, [rr(own, T_MX, b"\x00\x0a\xc0\x0c")])


def fwd_ptr(q):
    # answer owner points forward, at the MX target name later in the message
    pos = 12 + len(q.question)
    target = name("mx-evil.example.test")
    rdata = b"\x00\x0a" + target
    target_at = pos + 2 + 10 + 2
    own = struct.pack("!H", 0xC000 | target_at)
    return mx_reply(q, [rr(own, T_MX, rdata)])


def rdlen_short(q):
    # RDLENGTH 4 covers the preference and 2 bytes of the name: a parser that reads the
    # whole name anyway takes "10 mx-evil.example.test."
    rdata = b"\x00\x0a" + name("mx-evil.example.test")
    return header(q, an=1) + q.question + rr(b"\xc0\x0c", T_MX, rdata, rdlen=4)


def rdlen_long(q):
    return mx_reply(q, [rr(b"\xc0\x0c", T_MX, b"\x00\x0a\xc0\x0c", rdlen=200)])


def rdata_junk(q):
    return mx_reply(q, [rr(b"\xc0\x0c", T_MX, b"\x00\x0a" + name("mx-old.example.test") +
                            b"JUNK")])


def two_opt(q):
    return header(q, an=1, ar=2) + q.question + \
        rr(b"\xc0\x0c", T_MX, b"\x00\x0a" + name("mx-old.example.test")) + opt() + opt()


def opt_owner(q):
    return header(q, an=1, ar=1) + q.question + \
        rr(b"\xc0\x0c", T_MX, b"\x00\x0a" + name("mx-old.example.test")) + \
        opt(owner=name("example"))


def opt_in_answer(q):
    return header(q, an=2) + q.question + \
        rr(b"\xc0\x0c", T_MX, b"\x00\x0a" + name("mx-old.example.test")) + opt()


def edns_odd(q):
    # unknown option codes, an EDE "stale answer", a 64 KB payload size, DO set: all legal
    options = struct.pack("!HH", 65001, 3) + b"abc" + struct.pack("!HHH", 15, 2, 3)
    return header(q, an=1, ar=1) + q.question + \
        rr(b"\xc0\x0c", T_MX, b"\x00\x0a" + name("mx-old.example.test")) + \
        opt(payload=65535, options=options, flags=0x8000)


def badvers(q):
    return header(q, ar=1) + q.question + opt(ext_rcode=1)


def huge_ttl(q):
    return mx_reply(q, [rr(b"\xc0\x0c", T_MX, b"\x00\x0a" + name("mx-old.example.test"),
                           ttl=0xFFFFFFFF)])


def cname_loop(q):
    a = name("loop-a.example.test")
    return mx_reply(q, [rr(b"\xc0\x0c", T_CNAME, a), rr(a, T_CNAME, b"\xc0\x0c")])


def big(q):
    recs = []
    size = 12 + len(q.question)
    i = 0
    while True:
        r = rr(b"\xc0\x0c", T_MX, b"\x00\x0a" + name("mx%05d.example.test" % i))
        if size + len(r) > 65535 - 11:
            break
        recs.append(r)
        size += len(r)
        i += 1
    return mx_reply(q, recs)


EVIL = name("evil.test")
NS_EVIL = name("ns.evil.test")


def soa_owner(q):
    """A resolver that claims every name is in evil.test., a zone it serves itself: every SOA
    question gets NODATA with evil.test.'s SOA (an owner that is not an ancestor of the name),
    evil.test.'s NS is ns.evil.test. at this very address, and as that server it answers the
    MX question authoritatively with "10 mx-evil.example.test."."""
    soa = rr(EVIL, T_SOA, NS_EVIL + name("hostmaster.evil.test") +
             struct.pack("!IIIII", 666, 3600, 600, 86400, 5))
    addr = socket.inet_aton(q.local)
    if q.qtype == T_SOA:
        return header(q, ns=1) + q.question + soa
    if q.qtype == T_NS and q.qname == EVIL:
        return header(q, an=1, ar=1) + q.question + rr(b"\xc0\x0c", T_NS, NS_EVIL) + \
            rr(NS_EVIL, T_A, addr)
    if q.qtype == T_A and q.qname == NS_EVIL:
        return header(q, an=1) + q.question + rr(b"\xc0\x0c", T_A, addr)
    if q.qtype == T_MX:
        return header(q, an=1, ns=0) + q.question + \
            rr(b"\xc0\x0c", T_MX, b"\x00\x0a" + name("mx-evil.example.test"))
    return header(q, ns=1) + q.question + soa


def txt_escape(q):
    """TXT strings and an MX target label carrying terminal escape sequences."""
    if q.qtype == T_TXT:
        data = b"\x1b[2J\x1b]0;pwned\x07 hi \xc2\x9b31m"
        return header(q, an=1) + q.question + rr(b"\xc0\x0c", T_TXT, bytes([len(data)]) + data)
    if q.qtype == T_MX:
        return header(q, an=1) + q.question + \
            rr(b"\xc0\x0c", T_MX, b"\x00\x0a\x05\x1b[31m\x07example\x04test\x00")
    return genuine(q)


def tc_reply(q):
    return genuine(q, tc=True)


def bad_id(q):
    return bytes([q.id[0] ^ 0x55, q.id[1] ^ 0xAA])


# ---- behaviours ----------------------------------------------------------------------
# Each mode: (udp, tcp). udp(q) returns a list of datagrams ("PORT"/"ADDR" entries are sent
# from another port or address); tcp is None (no TCP answer: the listener accepts and
# reads) or a name handled in serve_tcp().

def cuts(q):
    g = genuine(q)
    return [g[:k] for k in range(len(g))]


MODES = {
    "good": (lambda q: [genuine(q)], "good"),
    "silent": (lambda q: [], None),
    "wrong-id": (lambda q: [header(q, ident=bad_id(q)) + genuine(q)[12:]], None),
    "wrong-id-then-good": (lambda q: [header(q, ident=bad_id(q)) + genuine(q)[12:],
                                      genuine(q)], None),
    "wrong-port": (lambda q: [("PORT", genuine(q))], None),
    "wrong-port-then-good": (lambda q: [("PORT", genuine(q)), genuine(q)], None),
    "wrong-addr": (lambda q: [("ADDR", genuine(q))], None),
    "wrong-addr-then-good": (lambda q: [("ADDR", genuine(q)), genuine(q)], None),
    "wrong-question": (lambda q: wrong_questions(q), None),
    "wrong-question-then-good": (lambda q: wrong_questions(q) + [genuine(q)], None),
    "qr0": (lambda q: [header(q, qr=False) + genuine(q)[12:]], None),
    "qr0-then-good": (lambda q: [header(q, qr=False) + genuine(q)[12:], genuine(q)], None),
    "ptr-loop": (lambda q: [ptr_loop(q)], None),
    "ptr-loop-then-good": (lambda q: [ptr_loop(q), genuine(q)], None),
    "fwd-ptr": (lambda q: [fwd_ptr(q)], None),
    "fwd-ptr-then-good": (lambda q: [fwd_ptr(q), genuine(q)], None),
    "truncated": (cuts, None),
    "truncated-then-good": (lambda q: cuts(q) + [genuine(q)], None),
    "rdlen-short": (lambda q: [rdlen_short(q)], None),
    "rdlen-short-then-good": (lambda q: [rdlen_short(q), genuine(q)], None),
    "rdlen-long": (lambda q: [rdlen_long(q)], None),
    "rdlen-long-then-good": (lambda q: [rdlen_long(q), genuine(q)], None),
    "rdata-junk": (lambda q: [rdata_junk(q)], None),
    "rdata-junk-then-good": (lambda q: [rdata_junk(q), genuine(q)], None),
    "two-opt": (lambda q: [two_opt(q)], None),
    "two-opt-then-good": (lambda q: [two_opt(q), genuine(q)], None),
    "opt-owner": (lambda q: [opt_owner(q)], None),
    "opt-in-answer": (lambda q: [opt_in_answer(q)], None),
    "edns-odd": (lambda q: [edns_odd(q)], None),
    "edns-badvers": (lambda q: [badvers(q)], None),
    "huge-ttl": (lambda q: [huge_ttl(q)], None),
    "cname-loop": (lambda q: [cname_loop(q)], None),
    "udp-flood-then-good": (lambda q: [header(q, ident=bad_id(q)) + genuine(q)[12:]] * 100 +
                            [genuine(q)], None),
    "soa-owner": (lambda q: [soa_owner(q)], None),
    "txt-escape": (lambda q: [txt_escape(q)], None),
    "tc-tcp": (lambda q: [tc_reply(q)], "tc"),
    "big-64k": (lambda q: [tc_reply(q)], "big"),
    "tcp-flood": (lambda q: [tc_reply(q)], "flood"),
    "tcp-flood-then-good": (lambda q: [tc_reply(q)], "flood-good"),
    "tcp-close": (lambda q: [tc_reply(q)], "close"),
    "tcp-reset": (lambda q: [tc_reply(q)], "reset"),
    "tcp-short-len": (lambda q: [tc_reply(q)], "short-len"),
    "tcp-long-len": (lambda q: [tc_reply(q)], "long-len"),
    "tcp-zero-len-then-good": (lambda q: [tc_reply(q)], "zero-len"),
    "tcp-trickle": (lambda q: [tc_reply(q)], "trickle"),
    "tcp-wrong-id-then-good": (lambda q: [tc_reply(q)], "wrong-id-good"),
}


def frame(m):
    return struct.pack("!H", len(m)) + m


def serve_tcp(conn, mode, q):
    """Runs in a thread per connection; the client (proptrack) closing ends it."""
    kind = MODES[mode][1]
    g = genuine(q)
    try:
        if kind == "good":
            conn.sendall(frame(g))
        elif kind == "tc":
            conn.sendall(frame(genuine(q, tc=True)))
        elif kind == "big":
            conn.sendall(frame(big(q)))
        elif kind in ("flood", "flood-good"):
            junk = frame(header(q, ident=bad_id(q)) + g[12:]) * 256
            n = 0
            while kind == "flood" or n < 8:
                conn.sendall(junk)
                n += 1
            conn.sendall(frame(g))
        elif kind == "close":
            pass
        elif kind == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif kind == "short-len":
            conn.sendall(struct.pack("!H", len(g) - 10) + g)
        elif kind == "long-len":
            conn.sendall(struct.pack("!H", len(g) + 100) + g)
        elif kind == "zero-len":
            conn.sendall(b"\x00\x00" + frame(g))
        elif kind == "trickle":
            for b in frame(g):
                conn.sendall(bytes([b]))
                time.sleep(0.1)
        elif kind == "wrong-id-good":
            conn.sendall(frame(header(q, ident=bad_id(q)) + g[12:]) + frame(g))
        if kind not in ("close", "reset"):
            conn.settimeout(30)
            while conn.recv(65535):
                pass
    except OSError:
        pass
    finally:
        conn.close()


def tcp_client(conn, mode):
    try:
        conn.settimeout(10)
        buf = b""
        while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
            d = conn.recv(65535)
            if not d:
                conn.close()
                return
            buf += d
        q = Query(buf[2:2 + struct.unpack("!H", buf[:2])[0]])
    except (OSError, struct.error, IndexError):
        conn.close()
        return
    serve_tcp(conn, mode, q)


def main(argv):
    args = argv[1:]
    ready = None
    if "--ready" in args:
        i = args.index("--ready")
        ready = args[i + 1]
        del args[i:i + 2]
    sel = selectors.DefaultSelector()
    for spec in args:
        mode, addr = spec.split("=", 1)
        if mode not in MODES:
            sys.exit("hostile.py: unknown mode %s" % mode)
        port = 53
        if addr.count(":") == 1:
            addr, p = addr.split(":")
            port = int(p)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        u.bind((addr, port))
        # a second socket on another port, and one on another address, for spoofs
        other_port = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        other_port.bind((addr, 0))
        a = addr.split(".")
        other_addr = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        other_addr.bind((".".join(a[:3] + [str((int(a[3]) + 128) % 256)]), 0))
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((addr, port))
        t.listen(64)
        sel.register(u, selectors.EVENT_READ, ("udp", mode, other_port, other_addr))
        sel.register(t, selectors.EVENT_READ, ("tcp", mode, None, None))

    def stop(_sig, _frm):
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if ready:
        with open(ready + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(ready + ".tmp", ready)

    while True:
        for key, _ in sel.select():
            kind, mode, other_port, other_addr = key.data
            if kind == "tcp":
                conn, _ = key.fileobj.accept()
                threading.Thread(target=tcp_client, args=(conn, mode), daemon=True).start()
                continue
            try:
                msg, peer = key.fileobj.recvfrom(65535)
                if len(msg) < 12 or msg[2] & 0x80:
                    continue
                q = Query(msg)
                q.local = key.fileobj.getsockname()[0]
            except (OSError, struct.error, IndexError):
                continue
            for d in MODES[mode][0](q):
                s = key.fileobj
                if isinstance(d, tuple):
                    s = other_port if d[0] == "PORT" else other_addr
                    d = d[1]
                try:
                    s.sendto(d, peer)
                except OSError:
                    pass


if __name__ == "__main__":
    main(sys.argv)
