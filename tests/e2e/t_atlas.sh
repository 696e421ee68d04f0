#!/bin/bash
# End-to-end test of RIPE Atlas results as vantage points (issue 12), offline part:
# - --atlas-results with --expect sends nothing at all (run without a network, under strace):
#   every firmware generation of the fixture (resultset, result, old "answers", error entries,
#   IPv6, a private resolver, NXDOMAIN with the SOA) becomes its row, judged against the
#   expected value, with the probe fields in JSON, CSV and NDJSON, and the exit status;
# - the same results one per line (with a cut line) give the same verdicts, and say what was
#   skipped; a malformed abuf and a result for another name are counted, never rows;
# - without --expect the truth is the lab's authoritative server (--auth), the one truth;
#   -s adds a local resolver beside the probes, and no default list is loaded;
# - a missing file and a file without JSON are input errors (exit 2).
# (LeakSanitizer cannot run under ptrace: the strace run alone goes without leak checks.)
# PROG is the binary under test (run.sh exports it). Only loopback traffic.
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

FIX=$here/fixtures/atlas
W=$(mktemp -d /tmp/proptrack-atlas.XXXXXX)
trap 'st=$?; rm -rf "$W"; lab__on_exit $st' EXIT
j() { /usr/bin/python3 "$here/jget.py" "$PT_OUT" "$@"; }
rows() {
	/usr/bin/python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["resolvers"]:
    print(r["label"], r["source"], r.get("probe_id"), r.get("resolver"), r["status"],
          r["answer"], r["ttl"], r.get("answer_only", False), r.get("error"))
PY
}
NEW="10 mx-new.example.test."

# ---- offline with --expect: nothing sent, no network at all ------------------------------
PT_OUT=$W/off.json
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 unshare --net -- strace -f -qq -e trace=%network -o "$W/strace.txt" \
	"$PROG" --atlas-results "$FIX/results.json" --expect "$NEW" --once --format json \
	example.test MX >"$PT_OUT" 2>"$W/off.err"
rc=$?
t_eq "offline --expect: exit 1 (not converged: an old answer, a denial, an error)" "$rc" 1
t_eq "offline --expect: no network call at all (strace)" \
	"$(grep -cE 'socket\(AF_INET|sendto|sendmsg|sendmmsg|connect\(' "$W/strace.txt")" 0
t_eq "offline: the truth is the expected value" "$(j 'd["truth"]["source"]' 'd["truth"]["answer"]')" \
	"expected
[\"$NEW\"]"
t_eq "offline: counts" "$(j 'd["counts"]')" \
	'{"total": 6, "match": 2, "differ": 1, "negative": 1, "servfail": 0, "refused": 0, "timeout": 1, "error": 1, "pending": 0}'
t_eq "offline: one row per probe and resolver, judged by the one verdict" "$(rows "$PT_OUT")" \
	"atlas 1001 #1 atlas 1001 9.9.9.9 match ['10 mx-new.example.test.'] 300 False None
atlas 1001 #2 atlas 1001 private differ ['10 mx-old.example.test.'] 300 False None
atlas 1002 atlas 1002 2620:fe::fe negative [] 120 False None
atlas 1003 #1 atlas 1003 149.112.112.112 timeout [] None False timeout
atlas 1004 atlas 1004 None error [] None False getaddrinfo: Name or service not known
atlas 1005 atlas 1005 8.8.4.4 match ['10 mx-new.example.test.'] 250 True None"
t_eq "offline: probe fields of a row" \
	"$(j 'd["resolvers"][2]["address"]' 'd["resolvers"][2]["measurement_id"]' 'd["resolvers"][2]["observed_at"]' 'd["resolvers"][2]["flags"]')" \
	"2001:db8::20
61000001
2026-12-01T08:00:02.000Z
rd ra"
t_eq "offline: the skipped results are said" "$(cat "$W/off.err")" \
	"proptrack: --atlas-results $FIX/results.json: 1 malformed entry skipped (first: probe 1006: abuf is not a DNS reply)
proptrack: --atlas-results $FIX/results.json: 1 result for another name or type skipped"

# ---- one result per line, a cut last line: the same verdicts ------------------------------
PT_OUT=$W/nd.json
"$PROG" --atlas-results "$FIX/results.ndjson" --expect "$NEW" --once --format json \
	example.test MX >"$PT_OUT" 2>"$W/nd.err"
t_eq "one result per line: exit 1" "$?" 1
t_eq "one result per line: the same rows" "$(rows "$PT_OUT")" "$(rows "$W/off.json")"
t_check "one result per line: the cut line is counted" \
	grep -q "2 malformed entries skipped (first: probe 1006" "$W/nd.err"
t_check "stdin (-) reads the results too" sh -c \
	"'$PROG' --atlas-results - --expect '$NEW' --once --format json example.test MX <'$FIX/results.json' 2>/dev/null | grep -q '\"probe_id\": 1005'"

# ---- CSV and NDJSON carry the probe fields --------------------------------------------------
"$PROG" --atlas-results "$FIX/results.json" --expect "$NEW" --once --format csv example.test MX \
	>"$W/out.csv" 2>/dev/null
t_eq "CSV: the probe columns" "$(head -1 "$W/out.csv" | tr -d '\r')" \
	"label,address,port,status,rcode,ttl,rtt_ms,answer,transport,error,site,nsid,validated,ede,reason,source,probe_id,country,asn,resolver,measurement_id,observed_at"
t_eq "CSV: a probe row" "$(sed -n 3p "$W/out.csv" | tr -d '\r')" \
	"atlas 1001 #2,192.0.2.10,53,differ,NOERROR,300,3.1,10 mx-old.example.test.,udp,,,,false,,,atlas,1001,,,private,61000001,2026-12-01T08:00:01.000Z"
"$PROG" --atlas-results "$FIX/results.json" --expect "$NEW" --once --log "$W/ev.log" \
	--format json example.test MX >/dev/null 2>&1
t_eq "NDJSON log: an answer event per probe row, with its source" \
	"$(grep -c '"event": "answer".*"source": "atlas"' "$W/ev.log")" 6

# ---- without --expect: the authoritative truth, and local resolvers beside ----------------
lab_start 1 || t_fatal "lab_start"
R1=${LAB_RESOLVERS[0]}
PT_OUT=$W/auth.json
"$PROG" --atlas-results "$FIX/results.json" --auth "$LAB_PRIMARY" --once --format json \
	--timeout 1000 --retries 0 example.test MX >"$PT_OUT" 2>/dev/null
t_eq "--auth: the truth is the lab's authoritative answer" \
	"$(j 'd["truth"]["source"]' 'd["truth"]["answer"]')" "authoritative
[\"$LAB_MX_OLD\"]"
t_eq "--auth: the probes judged against it" \
	"$(j '[r["status"] for r in d["resolvers"]]')" \
	'["differ", "match", "negative", "timeout", "error", "differ"]'
PT_OUT=$W/mixed.json
"$PROG" --atlas-results "$FIX/results.json" -s "$R1 lab" --auth "$LAB_PRIMARY" --once \
	--format json --timeout 1000 --retries 0 example.test MX >"$PT_OUT" 2>/dev/null
t_eq "-s beside the probes: the local row first, source local; no default list" \
	"$(j 'len(d["resolvers"])' 'd["resolvers"][0]["source"]' 'd["resolvers"][0]["address"]' 'd["resolvers"][0]["status"]' 'd["resolvers"][1]["source"]')" \
	"7
local
$R1
match
atlas"

# ---- input errors ------------------------------------------------------------------------
"$PROG" --atlas-results "$W/missing.json" --expect "$NEW" --once example.test MX \
	>/dev/null 2>"$W/e1"
t_eq "a missing results file: exit 2" "$?" 2
t_check "a missing results file: says why" grep -q "missing.json: No such file" "$W/e1"
printf 'no json here\n' >"$W/bad.json"
"$PROG" --atlas-results "$W/bad.json" --expect "$NEW" --once example.test MX >/dev/null 2>"$W/e2"
t_eq "a file without JSON: exit 2" "$?" 2
t_check "a file without JSON: says so" grep -q "no JSON results in it" "$W/e2"
printf '[]\n' >"$W/empty.json"
"$PROG" --atlas-results "$W/empty.json" --expect "$NEW" --once example.test MX >/dev/null \
	2>"$W/e3"
t_eq "no result at all: exit 3 (nothing to judge)" "$?" 3
t_check "no result at all: says so" grep -q "no usable result" "$W/e3"

# ---- the dashboard shows the probe rows and the split by source --------------------------
if command -v tmux >/dev/null; then
	SOCK=$W/tmux.sock
	tm() { tmux -S "$SOCK" "$@"; }
	trap 'st=$?; tm kill-server 2>/dev/null; rm -rf "$W"; lab__on_exit $st' EXIT
	printf '#!/bin/bash\n"%s" --atlas-results "%s" --expect "%s" example.test MX\necho "exit=$?" >"%s"\nexec sleep 60\n' \
		"$PROG" "$FIX/results.json" "$NEW" "$W/dash.rc" >"$W/dash.sh"
	chmod +x "$W/dash.sh"
	tm -f /dev/null new-session -d -s pt -x 160 -y 40 "$W/dash.sh" || t_fatal "tmux new-session"
	wait_screen "dashboard: the split by source in the header" 10 grep -q "sources: atlas"
	wait_screen "dashboard: a probe row" 5 grep -q "atlas 1001"
	tm send-keys -t pt q
	for _ in $(seq 50); do [ -s "$W/dash.rc" ] && break; sleep 0.1; done
	t_check "dashboard: q ends it (no crash)" grep -Eq '^exit=[01]$' "$W/dash.rc"
fi
t_finish
