#!/bin/bash
# Issue 11's politeness, end to end: never more than one of proptrack's questions in flight at
# one resolver. The benchmark's simulated fleet (tests/bench/fleet.c: resolvers on 127.20.0.x
# with 10-300 ms delays, loopback only) counts, per resolver, the questions it holds at once.
# A --diagnose asks each of its first resolvers a dozen or more questions (the MX targets'
# addresses, the SPF, DMARC and MTA-STS names, ...); a --once --follow-mx sweep adds the
# targets' questions and their truth's discovery to every poll. Watching, a resolver that
# answers REFUSED gets one question per back-off step: its followed questions wait.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab.sh
source "$here/lab.sh"
# shellcheck source=assert.sh
source "$here/assert.sh"
lab_isolate "$@"
t_need_prog
FLEET=$(cd "$here/../.." && pwd)/build/bench/fleet
[ -x "$FLEET" ] || t_fatal "the fleet ($FLEET) is not built: make build/bench/fleet"
W=$(mktemp -d)
fpid=
cleanup() {
	[ -n "$fpid" ] && kill "$fpid" 2>/dev/null && wait "$fpid" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

# fleet N NAME: start a fleet of N resolvers; its list is $W/NAME.list
fleet() {
	rm -f "$W/$2.ready"
	"$FLEET" --count "$1" --seed 11 --port 5300 --list "$W/$2.list" --ready "$W/$2.ready" \
		--stats "$W/$2.stats" --truth "$W/$2.truth" &
	fpid=$!
	for _ in $(seq 200); do [ -e "$W/$2.ready" ] && return 0; sleep 0.025; done
	t_fatal "the fleet did not start"
}

# fleet_end NAME: stop the fleet; it writes its counts
fleet_end() {
	kill "$fpid"
	wait "$fpid" 2>/dev/null
	fpid=
}

stat_of() { awk -v k="$2" '$1 == k {print $2}' "$W/$1.stats"; }

fleet 5 diag
timeout 60 "$PROG" --diagnose --timeout 1000 --retries 0 -r "$W/diag.list" bench.test \
	>"$W/diag.out" 2>&1
rc=$?
fleet_end diag
t_check "--diagnose: a diagnosis (exit $rc)" grep -q "MX diagnosis for bench.test." "$W/diag.out"
most=$(stat_of diag max_queries_per_resolver)
t_le "--diagnose: a resolver was asked several questions (${most:-?})" 10 "${most:-0}"
t_eq "--diagnose: at most one question in flight at a resolver" \
	"$(stat_of diag max_outstanding)" 1

fleet 200 sweep
timeout 60 "$PROG" --once --follow-mx --format json --timeout 1000 --retries 1 \
	--auth 127.19.0.1:5300 -r "$W/sweep.list" bench.test MX >"$W/sweep.json" 2>/dev/null
rc=$?
fleet_end sweep
t_check "--once --follow-mx: a JSON document (exit $rc)" \
	/usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$W/sweep.json"
q=$(stat_of sweep queries)
t_le "--once --follow-mx: more questions than resolvers (${q:-?})" 400 "${q:-0}"
t_eq "--once --follow-mx: at most one question in flight at a resolver" \
	"$(stat_of sweep max_outstanding)" 1

# A sweep of 6,000: from 4,096 rows on, the JSON rows are written on two threads (blocks of
# 512, the odd ones by a helper). Every row once, in the list's order, with the answer the
# fleet's own truth gives for it; one question per resolver, one at a time.
fleet 6000 rows
timeout 60 "$PROG" --once --no-identity --format json --auth 127.19.0.1:5300 \
	-r "$W/rows.list" bench.test MX >"$W/rows.json" 2>/dev/null
rc=$?
fleet_end rows
t_check "6,000 rows: each once, in order, as the fleet answered (exit $rc)" \
	/usr/bin/python3 -c '
import json, sys
want = {}
for line in open(sys.argv[3]):
    if not line.startswith("#"):
        a, p, rcode, ans, _ = line.rstrip("\n").split("\t")
        want[(a, int(p))] = (rcode, ans)
order = [l.split()[0].rsplit(":", 1) for l in open(sys.argv[1]) if l.strip()]
rows = json.load(open(sys.argv[2]))["resolvers"]
got = [(r["address"], r["port"]) for r in rows]
assert len(order) == 6000 and got == [(a, int(p)) for a, p in order], "rows out of order"
for r in rows:
    ans = " | ".join(sorted(r["answer"])) if r["answer"] else "-"
    assert (r["rcode"] or "TIMEOUT", ans) == want[(r["address"], r["port"])], r
' "$W/rows.list" "$W/rows.json" "$W/rows.truth"
t_eq "6,000 rows: one question at a time at each resolver" "$(stat_of rows max_outstanding)" 1

# watching, a resolver that answers REFUSED is asked its followed questions (two MX hosts, A
# and AAAA: 4) once, then only its poll at each back-off step (0, 2, 6, 14 s): not 4 a step
fleet 200 watch
timeout 60 "$PROG" --until-converged --max-wait 16s --follow-mx --auth 127.19.0.1:5300 \
	-r "$W/watch.list" --format json bench.test MX >"$W/watch.json" 2>/dev/null
rc=$?
fleet_end watch
# kind_of KIND QUESTION: "mean/most" per resolver of that kind
kind_of() { awk -v k="$1" -v q="$2" '$1 == "kind" && $2 == k { for (i = 3; i < NF; i++) if ($i == q) print $(i + 1) }' "$W/watch.stats"; }
t_eq "watching: not converged (REFUSED resolvers; exit $rc)" "$rc" 1
refused_polls=$(kind_of refused poll)
refused_other=$(kind_of refused other)
t_le "watching: a refusing resolver polled at each back-off step (${refused_polls:-?})" 3 "${refused_polls%%.*}"
t_eq "watching: its followed questions asked once (${refused_other:-?})" "${refused_other#*/}" 4
t_eq "watching: at most one question in flight at a resolver" "$(stat_of watch max_outstanding)" 1
t_finish
