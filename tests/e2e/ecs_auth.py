#!/usr/bin/python3
"""An authoritative server for ecs.test. that answers by client subnet (RFC 7871), for
proptrack's end-to-end test of --ecs behind unbound's subnetcache module.

Usage: ecs_auth.py ADDRESS [--ready FILE]

UDP and TCP on ADDRESS:53. MX for ecs.test. is "10 mx-a.ecs.test." for a query whose
Client Subnet lies in 192.0.2.0/24, "10 mx-b.ecs.test." in 198.51.100.0/24, and
"10 mx-default.ecs.test." otherwise (no option, or another subnet); an ECS option in the
query is echoed with SCOPE PREFIX-LENGTH 24. SOA and NS for the apex; NODATA otherwise.
dnspython parses and builds every message. Loopback only. Runs until SIGTERM/SIGINT.
"""
import ipaddress
import signal
import socket
import sys
import threading

import dns.edns
import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

ZONE = "ecs.test."
BY_SUBNET = [
    (ipaddress.ip_network("192.0.2.0/24"), "10 mx-a.ecs.test."),
    (ipaddress.ip_network("198.51.100.0/24"), "10 mx-b.ecs.test."),
]
DEFAULT = "10 mx-default.ecs.test."
TTL = 30


def answer(wire):
    q = dns.message.from_wire(wire)
    r = dns.message.make_response(q)
    r.flags |= dns.flags.AA
    ecs = next((o for o in q.options if isinstance(o, dns.edns.ECSOption)), None)
    if not q.question:
        r.set_rcode(dns.rcode.FORMERR)
        return r.to_wire()
    qq = q.question[0]
    name = qq.name.to_text().lower()
    if not name.endswith(ZONE) and name != ZONE:
        r.set_rcode(dns.rcode.REFUSED)
        return r.to_wire()
    if name == ZONE and qq.rdtype == dns.rdatatype.MX:
        mx = DEFAULT
        if ecs is not None:
            net = ipaddress.ip_network("%s/%d" % (ecs.address, ecs.srclen), strict=False)
            for subnet, value in BY_SUBNET:
                if net.version == subnet.version and net.subnet_of(subnet):
                    mx = value
        r.answer.append(dns.rrset.from_text(ZONE, TTL, "IN", "MX", mx))
    elif name == ZONE and qq.rdtype == dns.rdatatype.NS:
        r.answer.append(dns.rrset.from_text(ZONE, TTL, "IN", "NS", "ns." + ZONE))
    elif name == ZONE and qq.rdtype == dns.rdatatype.SOA:
        r.answer.append(dns.rrset.from_text(ZONE, TTL, "IN", "SOA",
                                            "ns.ecs.test. h.ecs.test. 1 10 5 600 5"))
    else:
        r.authority.append(dns.rrset.from_text(ZONE, 5, "IN", "SOA",
                                               "ns.ecs.test. h.ecs.test. 1 10 5 600 5"))
    if q.edns >= 0:
        opts = []
        if ecs is not None:
            opts.append(dns.edns.ECSOption(ecs.address, ecs.srclen, 24 if ecs.srclen else 0))
        r.use_edns(0, 0, 1232, options=opts)
    return r.to_wire()


def serve_udp(sock):
    while True:
        data, peer = sock.recvfrom(65535)
        try:
            sock.sendto(answer(data), peer)
        except Exception:  # a query it cannot read gets no answer
            pass


def serve_tcp(sock):
    while True:
        conn, _ = sock.accept()
        with conn:
            try:
                n = int.from_bytes(conn.recv(2), "big")
                data = b""
                while len(data) < n:
                    chunk = conn.recv(n - len(data))
                    if not chunk:
                        break
                    data += chunk
                out = answer(data)
                conn.sendall(len(out).to_bytes(2, "big") + out)
            except Exception:
                pass


def main():
    addr = sys.argv[1]
    ready = sys.argv[sys.argv.index("--ready") + 1] if "--ready" in sys.argv else None
    if not ipaddress.ip_address(addr).is_loopback:
        sys.exit("ecs_auth.py: loopback addresses only")
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((addr, 53))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((addr, 53))
    t.listen(16)
    for fn, s in ((serve_udp, u), (serve_tcp, t)):
        threading.Thread(target=fn, args=(s,), daemon=True).start()
    if ready:
        open(ready, "w").close()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
