#!/bin/bash
# End-to-end test of Globalping results as vantage points (issue 12), offline part:
# - --globalping-results with --expect sends nothing (no network, strace): "finished" probes
#   (an answer, NXDOMAIN without any negative-caching TTL, an old answer through a private
#   resolver), a "failed" one (timed out) and an "offline" one (no row, counted) are judged
#   against the expected value; rows are answer-only and carry country, asn, resolver,
#   measurement_id and observed_at; a CNAME chain in the answers is followed to the asked type;
# - a converged measurement exits 0; a measurement of another name is skipped (exit 3).
# (LeakSanitizer cannot run under ptrace: the strace run alone goes without leak checks.)
# PROG is the binary under test (run.sh exports it). No traffic at all.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lab.sh
source "$here/lab.sh"
# shellcheck source=tests/e2e/assert.sh
source "$here/assert.sh"
lab_isolate "$@"
lab_trap
export LANG=C.UTF-8 LC_ALL=C.UTF-8
t_need_prog

FIX=$here/fixtures/globalping
W=$(mktemp -d /tmp/proptrack-gp.XXXXXX)
trap 'st=$?; rm -rf "$W"; lab__on_exit $st' EXIT
j() { /usr/bin/python3 "$here/jget.py" "$PT_OUT" "$@"; }
NEW="10 mx-new.example.test."

PT_OUT=$W/m.json
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 unshare --net -- strace -f -qq -e trace=%network -o "$W/strace.txt" \
	"$PROG" --globalping-results "$FIX/measurement.json" --expect "$NEW" --once --format json \
	example.test MX >"$PT_OUT" 2>"$W/m.err"
t_eq "a measurement: exit 1 (a denial and an old answer)" "$?" 1
t_eq "offline --expect: no network call at all (strace)" \
	"$(grep -cE 'socket\(AF_INET|sendto|sendmsg|sendmmsg|connect\(' "$W/strace.txt")" 0
t_eq "one row per finished or failed probe, judged" \
	"$(j '[(r["label"], r["status"], r["ttl"], r["resolver"], r["country"], r["asn"]) for r in d["resolvers"]]')" \
	'[["gp 1 Frankfurt, DE", "match", 280, "private", "DE", 3320], ["gp 2 San Jose, US", "negative", null, "75.75.75.75", "US", 7922], ["gp 3 Berlin, DE", "differ", 3000, "private", "DE", 3209], ["gp 4 Tokyo, JP", "timeout", null, null, "JP", 2516]]'
t_eq "rows are answer-only Globalping rows of the measurement" \
	"$(j 'sorted(set((r["source"], r["answer_only"], r["measurement_id"], r["observed_at"], r["probe_id"]) for r in d["resolvers"]))')" \
	'[["globalping", true, "2f9KpQ7rYvTcdn1A", "2026-12-01T08:00:01.250Z", null]]'
t_eq "a failed probe says the probe's own words" "$(j 'd["resolvers"][3]["error"]')" \
	"connection timed out; no servers could be reached"
t_eq "the offline probe is counted, not a row" "$(cat "$W/m.err")" \
	"proptrack: --globalping-results $FIX/measurement.json: 1 probe offline or not finished: no answer"

PT_OUT=$W/c.json
"$PROG" --globalping-results "$FIX/converged.json" --expect "$NEW" --once --format json \
	example.test MX >"$PT_OUT" 2>/dev/null
t_eq "a converged measurement: exit 0" "$?" 0
t_eq "the CNAME chain is followed to the MX" "$(j '[r["status"] for r in d["resolvers"]]' 'd["resolvers"][1]["ttl"]')" \
	'["match", "match"]
90'
"$PROG" --globalping-results "$FIX/converged.json" --expect "10 a.other.test." --once \
	other.test MX >/dev/null 2>"$W/o.err"
t_eq "a measurement of another name: skipped, nothing to judge (exit 3)" "$?" 3
t_check "another name: said" grep -q "2 results for another name or type skipped" "$W/o.err"
"$PROG" --globalping-results "$FIX/converged.json" --expect "$NEW" --once --format csv \
	example.test MX >"$W/c.csv" 2>/dev/null
t_eq "CSV: a Globalping row" "$(sed -n 2p "$W/c.csv" | tr -d '\r')" \
	"\"gp 1 Amsterdam, NL\",,53,match,NOERROR,100,9.0,10 mx-new.example.test.,udp,,,,false,,,globalping,,NL,1136,private,7hQ2mZx9LbWe4sRk,2026-12-01T09:00:00.900Z"
"$PROG" --globalping-results "$FIX/measurement.json" --atlas-results "$here/fixtures/atlas/results.json" \
	--expect "$NEW" --once example.test MX >"$W/t.txt" 2>/dev/null
t_check "table: the split by source and the share matching per country" grep -qx \
	"sources: atlas 2/5 match, globalping 1/3 match; by country: DE 1/2, US 0/1, JP 0/0" "$W/t.txt"
t_check "table: answer-only rows say so" grep -q "answer-only rows (Globalping" "$W/t.txt"
t_finish
