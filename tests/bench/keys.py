#!/usr/bin/python3
"""The dashboard's answer to keys with every row of a large list on it (issue 11: it scrolls,
sorts and filters 100,000 rows without stalling). Each key goes to the dashboard running in
tmux, and the time until the pane shows the key's effect is measured (capture-pane in a loop):
every sort in turn ("sort:NAME" in the status line), End and Home in the order the list was
given (its last and its first resolver on screen), a filter typed (the table filters as it is
typed: the two rows it keeps on screen, the others gone), applied (the status line's count of
them) and cleared. The filter is "127.20.2.25": of the fleet's resolvers (tests/bench/fleet.c,
127.20.0.1 on) it keeps 127.20.2.25 and 127.20.2.250, at 1,000 and at 100,000.

Usage: keys.py SOCKET FIRST LAST
  FIRST, LAST  the labels of the list's first and last resolver
Prints "KEY MS" per key and "max MS"; exits 1 when a key's effect did not show within STALL_S.
"""
import re
import subprocess
import sys
import time

STALL_S = 5.0
FILTER = "127.20.2.25"
SORTS = ["added", "status", "answer", "TTL", "RTT", "label"]


def pane(sock):
    return subprocess.run(["tmux", "-S", sock, "capture-pane", "-p"], capture_output=True,
                          text=True).stdout


def key(sock, name, keys, shows):
    """Send keys; return the milliseconds until shows(pane text) holds, None after STALL_S."""
    t0 = time.monotonic()
    subprocess.run(["tmux", "-S", sock, "send-keys"] + keys, check=True)
    while time.monotonic() - t0 < STALL_S:
        if shows(pane(sock)):
            ms = 1000 * (time.monotonic() - t0)
            print("  %-22s %7.1f ms" % (name, ms))
            return ms
        time.sleep(0.002)
    print("  %-22s did not show within %.0f s" % (name, STALL_S))
    return None


def shown(label, text):
    return re.search(r"(?<![\d.])%s(?![\d])" % re.escape(label), text) is not None


def sort_now(text):
    m = re.search(r" sort:(\S+)", text)
    return m.group(1) if m else None


def main():
    sock, first, last = sys.argv[1:4]
    times = []
    cur = sort_now(pane(sock))
    if cur not in SORTS:
        print("keys: no sort in the status line")
        return 1
    # every sort in turn, ending where "added" (the list's order) is next
    for _ in range(len(SORTS)):
        nxt = SORTS[(SORTS.index(cur) + 1) % len(SORTS)]
        times.append(key(sock, "s (sort:%s)" % nxt, ["s"], lambda t, n=nxt: " sort:%s" % n in t))
        cur = nxt
    while cur != "added":
        cur = SORTS[(SORTS.index(cur) + 1) % len(SORTS)]
        times.append(key(sock, "s (sort:%s)" % cur, ["s"], lambda t, n=cur: " sort:%s" % n in t))
    times.append(key(sock, "End (%s)" % last, ["End"], lambda t: shown(last, t)))
    times.append(key(sock, "Home (%s)" % first, ["Home"], lambda t: shown(first, t)))
    # the filter: typed (the rows it keeps, and only they), applied with Enter, cleared
    subprocess.run(["tmux", "-S", sock, "send-keys", "/"], check=True)
    time.sleep(0.3)
    times.append(key(sock, "typed %s" % FILTER, ["-l", FILTER], lambda t: (
        shown("127.20.2.25", t) and shown("127.20.2.250", t) and not shown("127.20.2.2", t)
        and not shown(first, t))))
    times.append(key(sock, "Enter", ["Enter"], lambda t: ('filter:"%s" 2/' % FILTER) in t))
    times.append(key(sock, "Escape (no filter)", ["Escape"], lambda t: "filter:" not in t))
    ok = [t for t in times if t is not None]
    print("  max %.1f ms over %d keys%s" % (max(ok) if ok else 0.0, len(times),
                                           "" if len(ok) == len(times) else
                                           ", %d did not show" % (len(times) - len(ok))))
    return 0 if len(ok) == len(times) else 1


if __name__ == "__main__":
    sys.exit(main())
