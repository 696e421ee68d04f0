#!/usr/bin/python3
"""jget.py FILE EXPR... — print Python expressions evaluated over a JSON document.

The document is bound to `d`. Helpers: `statuses()` gives "ADDR=STATUS ..." for every
resolver, sorted by address; `res(addr)` is the resolver object with that address;
`auth(name)` the authoritative entry with that name. Output, one line per EXPR: lists and
objects as compact JSON, booleans as true/false, None as null, anything else as str().
A file that is not one JSON object prints "INVALID-JSON: reason" and exits 1; an EXPR
that fails prints "ERROR: reason" (and the rest still print), exit 1.
"""
import json
import sys


def fmt(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, (list, dict)):
        return json.dumps(v, separators=(", ", ": "))
    return str(v)


def addr_key(a):
    try:
        return tuple(int(x) for x in a.split("."))
    except ValueError:
        return (999, a)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: jget.py FILE EXPR...")
    try:
        with open(sys.argv[1]) as f:
            text = f.read()
        d = json.loads(text)
        if not isinstance(d, dict):
            raise ValueError("not an object")
    except Exception as e:  # noqa: BLE001 — any failure is reported the same way
        print("INVALID-JSON: %s" % e)
        sys.exit(1)

    def statuses():
        rs = sorted(d.get("resolvers", []), key=lambda r: addr_key(r.get("address", "")))
        return " ".join("%s=%s" % (r.get("address"), r.get("status")) for r in rs)

    def res(addr):
        for r in d.get("resolvers", []):
            if r.get("address") == addr:
                return r
        raise KeyError("no resolver " + addr)

    def auth(name):
        for r in d.get("authoritative", []):
            if r.get("name") == name:
                return r
        raise KeyError("no authoritative entry " + name)

    env = {"d": d, "statuses": statuses, "res": res, "auth": auth, "sorted": sorted,
           "len": len, "abs": abs}
    rc = 0
    for expr in sys.argv[2:]:
        try:
            print(fmt(eval(expr, env)))  # noqa: S307 — test helper, trusted input
        except Exception as e:  # noqa: BLE001
            print("ERROR: %s: %s" % (type(e).__name__, e))
            rc = 1
    sys.exit(rc)


if __name__ == "__main__":
    main()
