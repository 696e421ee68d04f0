#!/bin/bash
# tests/fuzz/make_seeds.sh — (re)make the reply fuzzers' seed corpora from real replies of
# the lab's servers (NSD, unbound, dnsmasq on loopback, in a private network namespace):
# tests/fuzz/corpus/query/*.bin (one control byte, then the reply as received over UDP) and
# tests/fuzz/corpus/tcp/*.bin (the replies of one TCP connection, length-prefixed).
# Run as root from the repository root; the files are committed, so CI needs no lab to fuzz.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tests/e2e/lab.sh
source "$root/tests/e2e/lab.sh"
lab_isolate "$@"
lab_trap
lab_start 1 >/dev/null || exit 1
out=$here/corpus
mkdir -p "$out/query" "$out/tcp"
rm -f "$out"/query/lab-*.bin "$out"/tcp/lab-*.bin
"$LAB_PYTHON" - "$out" "$LAB_PRIMARY" "$LAB_ROOT" "${LAB_RESOLVERS[0]}" "$LAB_DNSMASQ" \
	"$LAB_REFUSER" <<'PY'
import socket, struct, sys

out, primary, rootns, unbound, dnsmasq, refuser = sys.argv[1:7]
T = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28, "ANY": 255,
     "DNSKEY": 48, "CAA": 257, "SRV": 33, "PTR": 12}

def query(qname, qtype, rd, ident, edns=True):
    q = struct.pack("!HHHHHH", ident, 0x0100 if rd else 0, 1, 0, 0, 1 if edns else 0)
    for label in qname.strip(".").split("."):
        if label:
            q += bytes([len(label)]) + label.encode()
    q += b"\x00" + struct.pack("!HH", T[qtype], 1)
    if edns:
        q += b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00"
    return q

def udp(server, msg):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(msg, (server, 53))
    try:
        return s.recv(65535)
    except socket.timeout:
        return None
    finally:
        s.close()

def tcp(server, msgs):
    s = socket.create_connection((server, 53), timeout=2)
    data = b""
    for m in msgs:
        s.sendall(struct.pack("!H", len(m)) + m)
    for _ in msgs:
        hdr = s.recv(2, socket.MSG_WAITALL)
        n = struct.unpack("!H", hdr)[0]
        body = s.recv(n, socket.MSG_WAITALL)
        data += hdr + body
    s.close()
    return data

cases = [
    (unbound, "example.test", "MX", True), (unbound, "example.test", "SOA", True),
    (unbound, "example.test", "NS", True), (unbound, "example.test", "TXT", True),
    (unbound, "www.example.test", "MX", True), (unbound, "www.example.test", "A", True),
    (unbound, "mx-old.example.test", "A", True), (unbound, "example.test", "AAAA", True),
    (unbound, "nxdomain.example.test", "MX", True), (unbound, "aonly.example.test", "MX", True),
    (unbound, ".", "NS", True), (unbound, "example.test", "ANY", True),
    (primary, "example.test", "MX", False), (primary, "example.test", "SOA", False),
    (primary, "example.test", "NS", False), (primary, "www.example.test", "MX", False),
    (primary, "nxdomain.example.test", "MX", False), (primary, "aonly.example.test", "MX", False),
    (primary, "other.test", "MX", False),
    (rootns, "example.test", "NS", False), (rootns, "example.test", "MX", False),
    (rootns, ".", "SOA", False), (rootns, ".", "NS", False),
    (dnsmasq, "example.test", "MX", True), (dnsmasq, "www.example.test", "A", True),
    (refuser, "example.test", "MX", True),
]
n = 0
for i, (server, qname, qtype, rd) in enumerate(cases):
    for edns in (True, False):
        ident = 0x1000 + 2 * i + edns
        r = udp(server, query(qname, qtype, rd, ident, edns))
        if r is None:
            continue
        tag = "%s-%s-%s%s" % (server, qname.strip(".") or "root", qtype, "" if edns else "-noedns")
        # control byte 0: UDP; the reply as received
        open("%s/query/lab-%s.bin" % (out, tag), "wb").write(b"\x00" + r)
        n += 1
for server, qname in ((unbound, "example.test"), (primary, "example.test")):
    msgs = [query(qname, t, server == unbound, 0x2000 + k) for k, t in
            enumerate(("MX", "SOA", "NS", "TXT"))]
    open("%s/tcp/lab-%s-%s.bin" % (out, server, qname), "wb").write(tcp(server, msgs))
    n += 1
print("seeds written:", n)
PY
