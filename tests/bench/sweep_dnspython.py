#!/usr/bin/python3
"""The asyncio dnspython sweep users reach for: one question to every resolver of a list
("ADDRESS:PORT" lines), UDP with TCP after truncation, at most CONCURRENCY at once (each query
holds a socket). Writes one tab-separated line per resolver: address, port, rcode, answer
(records sorted, joined by " | ", "-" for none).

Usage: sweep_dnspython.py LIST NAME TYPE OUT [--concurrency N] [--timeout S]
"""
import asyncio
import sys

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype


async def one(sem, addr, port, name, rdtype, timeout):
    async with sem:
        q = dns.message.make_query(name, rdtype)
        try:
            r = await dns.asyncquery.udp(q, addr, port=port, timeout=timeout)
            if r.flags & dns.flags.TC:
                r = await dns.asyncquery.tcp(q, addr, port=port, timeout=timeout)
        except (dns.exception.Timeout, OSError, dns.exception.DNSException):
            return addr, port, "TIMEOUT", "-"
        recs = sorted(
            rd.to_text() for rrset in r.answer if rrset.rdtype == rdtype for rd in rrset
        )
        return addr, port, dns.rcode.to_text(r.rcode()), " | ".join(recs) if recs else "-"


async def main(argv):
    path, name, typ, out = argv[1:5]
    conc = int(argv[argv.index("--concurrency") + 1]) if "--concurrency" in argv else 1000
    timeout = float(argv[argv.index("--timeout") + 1]) if "--timeout" in argv else 2.0
    rdtype = dns.rdatatype.from_text(typ)
    targets = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                a, p = line.rsplit(":", 1)
                targets.append((a, int(p)))
    sem = asyncio.Semaphore(conc)
    res = await asyncio.gather(*(one(sem, a, p, name, rdtype, timeout) for a, p in targets))
    with open(out, "w") as f:
        for r in res:
            f.write("%s\t%d\t%s\t%s\n" % r)


if __name__ == "__main__":
    asyncio.run(main(sys.argv))
