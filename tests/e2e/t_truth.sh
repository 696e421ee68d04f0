#!/bin/bash
# End-to-end test of an honest verdict (issue 9) against the loopback lab: too few answers
# is inconclusive (exit 3); a silent --auth is an error, not a vote; a wrong --expect is
# said; a lagging secondary makes convergence unbounded and a resolver that goes back to the
# old answer is a flap (reverted); a change of the primary is seen within about a second;
# and the negative-caching guard: a record published after proptrack started was never
# asked for before, so no resolver returns a cached denial.
# PROG is the binary under test (run.sh exports it). Only loopback traffic.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lab.sh
source "$here/lab.sh"
# shellcheck source=tests/e2e/assert.sh
source "$here/assert.sh"
lab_isolate "$@"
lab_trap
t_need_prog

export LAB_MX_TTL=3 LAB_NEG_TTL=5
lab_start 2 || t_fatal "lab_start"
W=$LAB_DIR/t_truth
mkdir -p "$W"
R1=${LAB_RESOLVERS[0]} R2=${LAB_RESOLVERS[1]}
FAST=(--timeout 500 --retries 0)
j() { /usr/bin/python3 "$here/jget.py" "$1" "${@:2}"; }
S0=$LAB_SERIAL0

# --- too few answers: 1 of 4 judged is below the default 50%
lab_start_silent 127.53.4.2 5300 3 || t_fatal "silent resolvers"
SIL="127.53.4.2:5300, 127.53.4.2:5301, 127.53.4.2:5302"
timeout 30 "$PROG" --once --format json "${FAST[@]}" -s "$R1, $SIL" example.test >"$W/few.json" \
	2>"$W/few.err"
t_eq "1 of 4 answering: inconclusive, exit 3" "$?" 3
t_eq "1 of 4 answering: not converged, reason too-few-answers" \
	"$(j "$W/few.json" 'd["converged"]' 'd["reasons"]' 'd["counts"]["match"]')" \
	"$(printf '%s\n' false '["too-few-answers"]' 1)"
timeout 30 "$PROG" --once "${FAST[@]}" -s "$R1, $SIL" example.test >"$W/few.txt" 2>&1
t_check "the table says why" grep -q "not converged (too-few-answers)" "$W/few.txt"
timeout 30 "$PROG" --once --min-answered 1 "${FAST[@]}" -s "$R1, $SIL" example.test >/dev/null 2>&1
t_eq "--min-answered 1: converged, exit 0" "$?" 0
timeout 30 "$PROG" --once --min-answered 25% "${FAST[@]}" -s "$R1, $SIL" example.test >/dev/null 2>&1
t_eq "--min-answered 25%: converged, exit 0" "$?" 0
timeout 30 "$PROG" --once --min-answered 3 "${FAST[@]}" -s "$R1, $R2, $SIL" example.test >/dev/null 2>&1
t_eq "--min-answered 3 with 2 answering: exit 3" "$?" 3

# --- a silent --auth: an error for the truth, never a majority vote
timeout 30 "$PROG" --once --format json "${FAST[@]}" -s "$R1, $R2" --auth "$LAB_SILENT" \
	example.test >"$W/auth.json" 2>"$W/auth.err"
t_eq "a silent --auth: exit 3" "$?" 3
t_eq "a silent --auth: no truth, no vote, reason auth-unreachable" \
	"$(j "$W/auth.json" 'd["truth"]["source"]' 'd["truth"]["auth_unreachable"]' 'd["reasons"]' '[r["status"] for r in d["resolvers"]]')" \
	"$(printf '%s\n' none true '["auth-unreachable"]' '["pending", "pending"]')"
t_check "a silent --auth: stderr names it" \
	grep -q -- "--auth $LAB_SILENT does not answer (timeout)" "$W/auth.err"

# --- a wrong --expect: said on stderr, in the JSON and the table
timeout 30 "$PROG" --once --format json "${FAST[@]}" -s "$R1, $R2" \
	--expect "10 mx-wrong.example.test." example.test >"$W/expect.json" 2>"$W/expect.err"
t_eq "a wrong --expect: not converged, exit 1" "$?" 1
t_eq "a wrong --expect: the authoritative answer is in the JSON" \
	"$(j "$W/expect.json" 'd["truth"]["source"]' 'd["truth"]["authoritative_answer"]')" \
	"$(printf '%s\n' expected "[\"$LAB_MX_OLD\"]")"
t_check "a wrong --expect: warned on stderr" \
	grep -q "warning: the authoritative servers serve $LAB_MX_OLD, not the expected answer" \
	"$W/expect.err"
timeout 30 "$PROG" --once "${FAST[@]}" -s "$R1" --expect "10 mx-wrong.example.test." \
	example.test >"$W/expect.txt" 2>/dev/null
t_check "a wrong --expect: shown in the table's header" \
	grep -q "! the authoritative servers serve $LAB_MX_OLD, not the expected answer" \
	"$W/expect.txt"

# --- watching: a change seen within about a second, a lagging secondary, a flap
lab_prime "$R1" || t_fatal "priming"
"$PROG" --format ndjson -s "$R1" example.test >"$W/watch.ndjson" 2>"$W/watch.err" &
watcher=$!
for _ in $(seq 100); do grep -q '"event": "converged"' "$W/watch.ndjson" && break; sleep 0.1; done
t_check "watching: converged on the old MX" grep -q '"event": "converged"' "$W/watch.ndjson"
lab_set_mx "$LAB_MX_NEW" || t_fatal "lab_set_mx"
T_SET=$(lab_now_ms)
S1=$LAB_SERIAL
for _ in $(seq 50); do grep -q "\"serial\": $S1" "$W/watch.ndjson" && break; sleep 0.1; done
seen=$(python3 - "$W/watch.ndjson" "$S1" <<'PY'
import datetime, json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(l)
    if e["event"] == "truth" and e["serial"] == int(sys.argv[2]):
        t = datetime.datetime.strptime(e["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
        print(int(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000))
        break
PY
)
t_le "the primary's new serial is the truth within about a second" $((${seen:-999999999999} - T_SET)) 1500
timeout 30 "$PROG" --once --format json "${FAST[@]}" -s "$R1" example.test >"$W/lag.json" 2>/dev/null
t_eq "a lagging secondary serves the old MX: convergence is not bounded, and why" \
	"$(j "$W/lag.json" 'd["expiry_bounded"]' '[(u["address"], u["serial"], u["answer"]) for u in d["unbounded_by"]]' '"auth-disagree" in d["reasons"]')" \
	"$(printf '%s\n' false "[[\"$LAB_SECONDARY\", $S0, [\"$LAB_MX_OLD\"]]]" true)"
t_check "the note names the server and its serial" \
	grep -q "convergence is not bounded: ns2.example.test. ($LAB_SECONDARY) serves serial $S0" \
	"$W/lag.json"
# R1 gets the new MX from the primary while the secondary is stopped, then the old one again
# from the secondary while the primary is: a flap
lab_pause secondary
for _ in $(seq 150); do
	[ "$(lab_answer "$R1" MX "$LAB_ZONE")" = "$LAB_MX_NEW" ] && break
	sleep 0.1
done
lab_resume secondary
lab_pause primary
for _ in $(seq 200); do
	grep -q '"reverted": true' "$W/watch.ndjson" && break
	sleep 0.1
done
lab_resume primary
kill -TERM "$watcher"
wait "$watcher"
t_check "the resolver's return to the old answer is a flap (reverted)" python3 -c '
import json, sys
ch = [e for e in map(json.loads, open(sys.argv[1], encoding="utf-8")) if e["event"] == "change"]
new = [c for c in ch if c["to"] == ["10 mx-new.example.test."]]
back = [c for c in ch if c["to"] == ["10 mx-old.example.test."]]
assert new and not new[0]["reverted"], ch
assert back and back[-1]["reverted"] and back[-1]["from"] == ["10 mx-new.example.test."], ch' \
	"$W/watch.ndjson"
lab_sync_secondary || t_fatal "lab_sync_secondary"

# --- the negative-caching guard
"$PROG" --until-converged --max-wait 30s --format ndjson -s "$R1, $R2" \
	--expect "10 mx-new.example.test." fresh.example.test MX >"$W/guard.ndjson" \
	2>"$W/guard.err" &
guard=$!
sleep 3
t_eq "before the record exists: no resolver is asked" \
	"$(grep -c '"event": "answer"' "$W/guard.ndjson")" 0
t_check "before the record exists: the truth says it waits, and the cost of asking" \
	grep -q '"unpublished": true, "negative_ttl": 5' "$W/guard.ndjson"
lab_add_record "fresh 30 IN MX 10 mx-new.example.test." || t_fatal "lab_add_record"
sleep 2
t_eq "on the primary only (the secondary still denies it): still no resolver asked" \
	"$(grep -c '"event": "answer"' "$W/guard.ndjson")" 0
lab_sync_secondary || t_fatal "lab_sync_secondary"
wait "$guard"
t_eq "once published: converged at once (exit 0)" "$?" 0
t_check "every resolver had the record at its first answer (no cached denial)" python3 -c '
import json, sys
a = [e for e in map(json.loads, open(sys.argv[1], encoding="utf-8")) if e["event"] == "answer"]
assert len(a) == 2 and all(e["status"] == "match" for e in a), a' "$W/guard.ndjson"
t_eq "the resolvers serve the record" \
	"$(lab_answer "$R1" MX fresh.example.test.) $(lab_answer "$R2" MX fresh.example.test.)" \
	"$LAB_MX_NEW $LAB_MX_NEW"
# what the guard prevents: asking before publication plants the denial
timeout 30 "$PROG" --once --query-now "${FAST[@]}" -s "$R1" --expect "10 mx-new.example.test." \
	planted.example.test MX >/dev/null 2>&1
lab_add_record "planted 30 IN MX 10 mx-new.example.test." || t_fatal "lab_add_record"
lab_sync_secondary || t_fatal "lab_sync_secondary"
t_eq "with --query-now before publication, the resolver now returns its cached denial" \
	"$(lab_rcode "$R1" MX planted.example.test.)" NXDOMAIN

t_finish
