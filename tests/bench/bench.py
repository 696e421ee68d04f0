#!/usr/bin/python3
"""make bench: proptrack and the tools users reach for, side by side on one simulated fleet
(tests/bench/fleet.c) per size, in one run. Prints the floor (the slowest answer in the fleet's
own truth), each tool's wall time, CPU (per resolver, and per question the fleet counted for
the run), max RSS and share of correct answers, and the ratios, and how far the fleet fell
behind its own schedule in each run (the most time a query waited before the fleet read it,
the share of replies it sent over 5 ms late: the floor holds only where these are small);
writes the same as JSON. Loopback only (run inside the bench's network namespace).

Usage: bench.py --prog PROG --fleet FLEET --out DIR [--json FILE] [--sizes 1000,10000]
                [--runs N] [--before PROG] [--dig-max N] [--dnspython-max N]
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
PORT = 5300
ZONE = "bench.test"
AUTH = "127.19.0.1:%d" % PORT


def measure(cmd, stdout_path, env=None):
    """Run cmd; return wall s, CPU s (user+sys, with reaped children), max RSS MB, rc.

    The max RSS is GNU time's (%M) for the program: wait4()'s own ru_maxrss of a child of
    this Python would be at least this Python's resident size when it forked (Linux carries
    the high-water mark through fork and exec), which after reading a 100,000-row output is
    more than some of the tools measured."""
    rss_path = stdout_path + ".rss"
    with open(stdout_path, "w") as out:
        t0 = time.monotonic()
        p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_path] + cmd, stdout=out,
                             stderr=subprocess.DEVNULL, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
    with open(rss_path) as f:
        # "Command exited with non-zero status N" may come first
        rss_kb = int(f.read().split()[-1])
    return {
        "wall_s": wall,
        "cpu_s": ru.ru_utime + ru.ru_stime,
        "rss_mb": rss_kb / 1024.0,
        "rc": os.waitstatus_to_exitcode(status),
    }


def load_truth(path):
    floor_ms, truth = 0, {}
    with open(path) as f:
        for line in f:
            if line.startswith("# floor_ms"):
                floor_ms = int(line.split()[2])
                continue
            a, p, rcode, ans, _ttl = line.rstrip("\n").split("\t")
            truth[(a, int(p))] = (rcode, ans)
    return floor_ms / 1000.0, truth


def results_proptrack(path):
    res = {}
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return res
    for r in doc.get("resolvers", []):
        ans = r.get("answer") or []
        res[(r.get("address"), r.get("port"))] = (
            r.get("rcode") or "TIMEOUT",
            " | ".join(sorted(ans)) if ans else "-",
        )
    return res


def results_tsv(path):
    res = {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 4:
                res[(parts[0], int(parts[1]))] = (parts[2], parts[3])
    return res


def results_dig(path):
    """dig +noall +comments +answer +stats output, many runs concatenated."""
    res, cur = {}, None
    with open(path, errors="replace") as f:
        for line in f:
            if "->>HEADER<<-" in line:
                cur = {"rcode": line.split("status:")[1].split(",")[0].strip(), "rr": []}
            elif line.startswith(";; SERVER:") and cur is not None:
                srv = line.split()[2]
                addr, port = srv.split("(")[0].split("#")
                res[(addr, int(port))] = (
                    cur["rcode"],
                    " | ".join(sorted(cur["rr"])) if cur["rr"] else "-",
                )
                cur = None
            elif cur is not None and not line.startswith(";") and line.strip():
                f5 = line.split(None, 4)
                if len(f5) == 5 and f5[3] == "MX":
                    cur["rr"].append(f5[4].strip())
    return res


def correct(res, truth):
    return sum(1 for k, v in truth.items() if res.get(k) == v) / len(truth)


def start_fleet(fleet, n, d, seed):
    paths = {k: os.path.join(d, "%s.%d" % (k, n)) for k in ("truth", "list", "ready", "stats")}
    if os.path.exists(paths["ready"]):
        os.unlink(paths["ready"])
    p = subprocess.Popen([fleet, "--count", str(n), "--seed", str(seed), "--port", str(PORT),
                          "--truth", paths["truth"], "--list", paths["list"], "--ready",
                          paths["ready"], "--stats", paths["stats"]])
    for _ in range(400):
        if os.path.exists(paths["ready"]):
            return p, paths
        time.sleep(0.025)
    p.kill()
    sys.exit("bench: the fleet did not start")


def stop_fleet(p, paths):
    p.send_signal(signal.SIGTERM)
    p.wait()
    stats = {}
    try:
        with open(paths["stats"]) as f:
            for line in f:
                # "name value" counters; the per-kind breakdown lines (kind ...) are for the
                # watch checks in run.sh
                w = line.split()
                if len(w) == 2:
                    stats[w[0]] = int(w[1])
    except OSError:
        pass
    return stats


def fleet_queries(fleet):
    """The fleet's counts (SIGUSR2: it writes --stats + ".count"): "queries" received so far,
    and since the SIGUSR2 before, "read_lag_max_us" and "late_replies"."""
    p, paths = fleet
    path = paths["stats"] + ".count"
    if os.path.exists(path):
        os.unlink(path)
    # what the last tool sent is in the fleet's socket buffer at most: read by then
    time.sleep(0.1)
    p.send_signal(signal.SIGUSR2)
    for _ in range(200):
        try:
            with open(path) as f:
                w = f.read().split()
            return {w[i]: int(w[i + 1]) for i in range(0, len(w) - 1, 2)}
        except (OSError, IndexError, ValueError):
            time.sleep(0.01)
    sys.exit("bench: the fleet did not write its query count")


def run_tool(name, cmd, parse, out, runs, truth, fleet):
    rows = []
    for i in range(runs):
        path = os.path.join(out, "%s.%d.out" % (name, i))
        before = fleet_queries(fleet)
        m = measure(cmd, path)
        after = fleet_queries(fleet)
        # every question the run sent, retries, TCP and the side questions included
        m["questions"] = after["queries"] - before["queries"]
        # how far behind its schedule the fleet fell in this run
        m["fleet_lag_ms"] = after.get("read_lag_max_us", 0) / 1000.0
        m["fleet_late"] = after.get("late_replies", 0) / m["questions"] if m["questions"] else 0.0
        m["correct"] = correct(parse(path), truth)
        rows.append(m)
    med = {k: statistics.median(r[k] for r in rows)
           for k in ("wall_s", "cpu_s", "rss_mb", "questions", "fleet_lag_ms", "fleet_late")}
    med["correct"] = min(r["correct"] for r in rows)
    med["runs"] = rows
    return med


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prog", required=True)
    ap.add_argument("--fleet", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--json")
    ap.add_argument("--sizes", default="1000,10000,30000,100000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--before", help="an older proptrack to measure beside PROG")
    ap.add_argument("--dig-max", type=int, default=1000)
    ap.add_argument("--dnspython-max", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=11)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    report = {"machine": {"cpus": os.cpu_count(), "loadavg_start": os.getloadavg()},
              "sizes": []}
    for n in [int(s) for s in a.sizes.split(",")]:
        d = os.path.join(a.out, str(n))
        os.makedirs(d, exist_ok=True)
        fp, paths = start_fleet(a.fleet, n, d, a.seed)
        floor, truth = load_truth(paths["truth"])
        entry = {"n": n, "floor_s": floor, "tools": {}}
        pt_args = ["--once", "--format", "json", "--auth", AUTH, "-r", paths["list"], ZONE,
                   "MX"]
        fleet = (fp, paths)
        entry["tools"]["proptrack"] = run_tool("proptrack", [a.prog] + pt_args,
                                               results_proptrack, d, a.runs, truth, fleet)
        # the same sweep without the CH TXT identity questions: one question per resolver,
        # the same work as the baselines below
        entry["tools"]["proptrack --no-identity"] = run_tool(
            "noid", [a.prog, "--no-identity"] + pt_args, results_proptrack, d, a.runs, truth,
            fleet)
        if a.before:
            entry["tools"]["proptrack-before"] = run_tool(
                "before", [a.before] + pt_args, results_proptrack, d, a.runs, truth, fleet)
        if n <= a.dnspython_max:
            entry["tools"]["dnspython"] = run_tool(
                "dnspython",
                [PY, os.path.join(HERE, "sweep_dnspython.py"), paths["list"], ZONE, "MX",
                 os.path.join(d, "dnspython.tsv")],
                lambda _p: results_tsv(os.path.join(d, "dnspython.tsv")), d, 1, truth, fleet)
        if n <= a.dig_max:
            script = ("xargs -P 200 -n 1 dig -p %d +tries=1 +time=2 +noall +comments "
                      "+answer +stats %s MX < '%s'" % (PORT, ZONE, paths["list"] + ".dig"))
            with open(paths["list"]) as f, open(paths["list"] + ".dig", "w") as g:
                for line in f:
                    g.write("@" + line.rsplit(":", 1)[0] + "\n")
            entry["tools"]["xargs-dig"] = run_tool("dig", ["/bin/sh", "-c", script],
                                                   results_dig, d, 1, truth, fleet)
        entry["fleet"] = stop_fleet(fp, paths)
        report["sizes"].append(entry)
        print_entry(entry)
        sys.stdout.flush()
    report["machine"]["loadavg_end"] = os.getloadavg()
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=1)
    print("load average at start %.2f, at end %.2f (2 cores; other work on the machine moves "
          "every tool alike)" % (report["machine"]["loadavg_start"][0],
                                 report["machine"]["loadavg_end"][0]))


def print_entry(e):
    pt = e["tools"]["proptrack"]
    print("N = %d   floor %.3f s (slowest answer in the fleet's truth)" % (e["n"], e["floor_s"]))
    # CPU per resolver (the sweep's "one question, every resolver") and per question sent
    # (the fleet's count for the run: proptrack also asks each resolver's CH TXT identity)
    # the fleet's lag: the most time a query of the run waited before the fleet read it, and
    # the share of the run's replies it sent over 5 ms after their time
    print("  %-24s %8s %8s %9s %8s %7s %6s %8s %9s %10s %8s %6s" % (
        "tool", "wall s", "-floor", "CPU s", "us/resol", "q/resol", "us/q", "RSS MB",
        "correct", "wall/pt", "lag ms", "late"))
    for name, t in e["tools"].items():
        q = t.get("questions", 0)
        print("  %-24s %8.3f %8.3f %9.3f %8.1f %7.2f %6.1f %8.1f %8.2f%% %9.2fx %8.1f %5.1f%%" % (
            name, t["wall_s"], t["wall_s"] - e["floor_s"], t["cpu_s"],
            1e6 * t["cpu_s"] / e["n"], q / e["n"], 1e6 * t["cpu_s"] / q if q else 0.0,
            t["rss_mb"], 100 * t["correct"], t["wall_s"] / pt["wall_s"],
            t.get("fleet_lag_ms", 0.0), 100 * t.get("fleet_late", 0.0)))
    f = e.get("fleet", {})
    if f:
        print("  fleet: %d queries, at most %d outstanding at one resolver" % (
            f.get("queries", 0), f.get("max_outstanding", 0)))


if __name__ == "__main__":
    main()
