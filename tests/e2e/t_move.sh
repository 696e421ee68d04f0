#!/bin/bash
# End-to-end test of the truth through the delegation (issue 9): a move of move.test. to
# another DNS provider in a lab with a real delegation chain (root -> test. -> move.test.,
# tests/e2e/movelab.sh). The old provider keeps serving the zone with its old records after
# test. delegates to the new one. proptrack, watching, must judge every resolver against the
# new servers from the moment the delegation changed (within about a second), show the old
# server as not-delegated (never the truth), mark the resolvers that still fetch from it,
# bound the expiry by their cached NS sets, and converge when those and the records expired;
# the diagnosis says what is going on. The verdicts are printed second by second.
# PROG is the binary under test (run.sh exports it). Only loopback traffic.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lab.sh
source "$here/lab.sh"
# shellcheck source=tests/e2e/assert.sh
source "$here/assert.sh"
# shellcheck source=tests/e2e/movelab.sh
source "$here/movelab.sh"
lab_isolate "$@"
lab_trap
t_need_prog

export MOVE_NS_TTL=8 MOVE_MX_TTL=4
movelab_start 3 || t_fatal "movelab_start"
W=$LAB_DIR/t_move
mkdir -p "$W"
LIST=$W/resolvers.txt
i=0
for r in "${MOVE_RESOLVERS[@]}"; do
	i=$((i + 1))
	printf '%s  Move resolver %d\n' "$r" "$i" >>"$LIST"
done
j() { /usr/bin/python3 "$here/jget.py" "$1" "${@:2}"; }

# --- before: everything at the old provider, the resolvers hold its NS set and MX
for r in "${MOVE_RESOLVERS[@]}"; do
	lab_prime "$r" MX "$MOVE_ZONE" || t_fatal "priming $r"
	sleep 1
done
timeout 30 "$PROG" --once --format json -r "$LIST" "$MOVE_ZONE" >"$W/before.json" 2>"$W/before.err"
t_eq "before the move: exit 0" "$?" 0
t_eq "before the move: the old provider is the truth" \
	"$(j "$W/before.json" 'd["truth"]["serial"]' 'd["truth"]["answer"]' 'd["truth"]["delegation"]["ns"]' 'd["truth"]["delegation"]["parent"]')" \
	"$(printf '%s\n' "$MOVE_OLD_SERIAL" "[\"$MOVE_MX_OLD\"]" '["ns1.old-dns.test."]' test.)"

# --- watching across the move
"$PROG" --format ndjson -r "$LIST" "$MOVE_ZONE" >"$W/stream.ndjson" 2>"$W/stream.err" &
watcher=$!
for _ in $(seq 100); do
	grep -q '"event": "converged"' "$W/stream.ndjson" && break
	sleep 0.1
done
t_check "watching: every resolver serves the old provider's MX" \
	grep -q '"event": "converged"' "$W/stream.ndjson"
T_CHANGE=$(lab_now_ms)
movelab_delegate new || t_fatal "movelab_delegate new"
T_DELEGATED=$(lab_now_ms)

# a one-shot look right after the move
timeout 30 "$PROG" --once --format json -r "$LIST" "$MOVE_ZONE" >"$W/after.json" 2>"$W/after.err"
t_eq "right after the move: not converged (exit 1)" "$?" 1
t_eq "the truth comes from the new delegation" \
	"$(j "$W/after.json" 'd["truth"]["source"]' 'd["truth"]["serial"]' 'd["truth"]["answer"]' 'd["truth"]["delegation"]["ns"]' 'd["truth"]["delegation"]["from_parent"]')" \
	"$(printf '%s\n' authoritative "$MOVE_NEW_SERIAL" "[\"$MOVE_MX_NEW\"]" '["ns1.new-dns.test.", "ns2.new-dns.test."]' true)"
t_eq "the old provider's server is listed as not-delegated with its answer and serial" \
	"$(j "$W/after.json" '[(a["name"], a["status"], a["serial"], a["answer"], a["delegated"]) for a in d["authoritative"] if a["address"] == "'"$MOVE_OLD"'"]')" \
	"[[\"ns1.old-dns.test.\", \"not-delegated\", $MOVE_OLD_SERIAL, [\"$MOVE_MX_OLD\"], false]]"
t_eq "the new servers are ok and delegated" \
	"$(j "$W/after.json" 'sorted((a["address"], a["status"], a["delegated"]) for a in d["authoritative"] if a["delegated"])')" \
	"[[\"$MOVE_NEW1\", \"ok\", true], [\"$MOVE_NEW2\", \"ok\", true]]"
t_eq "every resolver differs and fetches from the old name servers" \
	"$(j "$W/after.json" '[(r["status"], r.get("old_servers")) for r in d["resolvers"]]')" \
	"[[\"differ\", true], [\"differ\", true], [\"differ\", true]]"
BOUND=$(j "$W/after.json" 'd["expires_within"]')
t_eq "the expiry is bounded by the cached NS sets" "$(j "$W/after.json" 'd["expiry_bounded"]')" true
t_le "the bound covers an NS TTL and an MX TTL at most" "$BOUND" $((MOVE_NS_TTL + MOVE_MX_TTL + 1))
t_check "a note says the old server is no longer delegated" \
	grep -q 'is not delegated by test. any more but still answers' "$W/after.json"

# the diagnosis of the move
timeout 60 "$PROG" --diagnose --format json --no-smtp -r "$LIST" "$MOVE_ZONE" >"$W/diag.json" \
	2>"$W/diag.err"
t_eq "diagnosis: ns-parent-child says a move is in progress, which side is new" \
	"$(j "$W/diag.json" '[(c["status"], "move to other name servers is in progress" in c["message"], "ns1.new-dns.test., ns2.new-dns.test." in c["message"], "ns1.old-dns.test." in c["message"]) for c in d["checks"] if c["id"] == "ns-parent-child"]')" \
	"[[\"warn\", true, true, true]]"
t_eq "diagnosis: the old server's serial and MX, and until when resolvers may use it" \
	"$(j "$W/diag.json" '[(c["data"]["old_servers"][0]["serial"], c["data"]["old_servers"][0]["mx"], c["data"]["old_ns_ttl"]) for c in d["checks"] if c["id"] == "ns-parent-child"]')" \
	"[[$MOVE_OLD_SERIAL, [\"$MOVE_MX_OLD\"], $MOVE_NS_TTL]]"
t_eq "diagnosis: the reference MX is the new servers'" \
	"$(j "$W/diag.json" '[c["data"]["answer"] for c in d["checks"] if c["id"] == "mx-exists"]')" \
	"[[\"$MOVE_MX_NEW\"]]"

# --- convergence: wait for the watcher to see every resolver on the new MX
deadline=$(($(lab_now_ms) + 60000))
while [ "$(lab_now_ms)" -lt "$deadline" ]; do
	[ "$(grep -c '"event": "converged"' "$W/stream.ndjson")" -ge 2 ] && break
	sleep 0.2
done
kill -TERM "$watcher"
wait "$watcher"
t_eq "the watcher ends with exit 0 (converged)" "$?" 0

python3 - "$W/stream.ndjson" "$T_CHANGE" "$T_DELEGATED" "$BOUND" "$MOVE_OLD_SERIAL" \
	"$MOVE_NEW_SERIAL" >"$W/analysis.txt" 2>&1 <<'PY'
import datetime, json, sys
path, t_change, t_deleg, bound, old_serial, new_serial = sys.argv[1:]
t_change, t_deleg, bound = int(t_change), int(t_deleg), int(bound)
ms = lambda e: int(datetime.datetime.strptime(e["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
                   .replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
ev = [json.loads(l) for l in open(path, encoding="utf-8")]
truths = [(ms(e), e["serial"]) for e in ev if e["event"] == "truth"]
new_truth = [t for t, s in truths if s == int(new_serial) and t >= t_change]
print("truth_new_after_ms", new_truth[0] - t_deleg if new_truth else "none")
print("old_truth_after_change", sum(1 for t, s in truths if s == int(old_serial) and t > new_truth[0]) if new_truth else "n/a")
conv = [ms(e) for e in ev if e["event"] == "converged" and ms(e) > t_change]
div = [ms(e) for e in ev if e["event"] == "diverged" and ms(e) > t_change]
print("diverged", "yes" if div else "no")
print("converged_after_ms", conv[0] - t_deleg if conv else "none")
print("bound_ms", bound * 1000)
# every answer after the new truth is judged against it
bad = [e for e in ev if e["event"] == "answer" and new_truth and ms(e) > new_truth[0] + 50 and
       (e["status"] == "match") != (e["answer"] == ["10 mx-new.move.test."])]
print("misjudged", len(bad))
# the verdicts second by second, from the change to convergence: each resolver's last answer
# judged against the truth of that moment, as the dashboard shows it
last, truth, rows = {}, None, []
for sec in range(0, (conv[0] - t_change) // 1000 + 2 if conv else 1):
    edge = t_change + sec * 1000
    for e in ev:
        if ms(e) > edge:
            break
        if e["event"] == "answer":
            last[e["label"].replace("Move resolver ", "R")] = e["answer"]
        elif e["event"] == "truth":
            truth = e["answer"]
    rows.append("t+%2ds  %s" % (sec, "  ".join(
        "%s=%s" % (k, "match" if v == truth else "differ") for k, v in sorted(last.items()))))
print("\n".join(rows))
PY
t_note "analysis of the stream:"
while IFS= read -r line; do t_note "  $line"; done <"$W/analysis.txt"
ana() { awk -v k="$1" '$1 == k { print $2 }' "$W/analysis.txt"; }
t_le "the new truth is taken within about a second of the delegation change" \
	"$(ana truth_new_after_ms)" 1500
t_eq "the old provider's serial is never the truth again" "$(ana old_truth_after_change)" 0
t_eq "the move shows as a divergence" "$(ana diverged)" yes
t_eq "no answer judged against anything but the new truth" "$(ana misjudged)" 0
# The bound holds unless an answer from the old servers renews a resolver's NS set (they send
# it in their answers' authority section); unbound renews it at most once (from the parent's
# referral to the zone's own NS set), which a further NS TTL covers.
t_le "converged within the promised bound, or one NS renewal more (plus 2 s of polling)" \
	"$(ana converged_after_ms)" $(((BOUND + MOVE_NS_TTL) * 1000 + 2000))
t_le "converged only once the cached NS sets expired (not before an MX TTL)" \
	$((MOVE_MX_TTL * 1000 - 1000)) "$(ana converged_after_ms)"

t_finish
