#!/bin/bash
# End-to-end test of --replay FILE (issue 13), against the loopback lab:
# - a --once run's --log replays (--format json) to the same verdicts, counts, truth and
#   answers as the run printed, and exits with the same status;
# - a watch killed with kill -9, its log then cut inside a line (as a full disk leaves it),
#   replays up to its last whole line with a warning; CSV and the table render too;
# - a log holding two runs replays the last one; a file that is no log is an input error;
# - the dashboard renders a replay (tmux), and `q` ends it.
# PROG is the binary under test (run.sh exports it). Needs tmux. Only loopback traffic.
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

lab_start 2 || t_fatal "lab_start"
W=$LAB_DIR/t_replay
mkdir -p "$W"
R1=${LAB_RESOLVERS[0]}
R2=${LAB_RESOLVERS[1]}
FAST=(--timeout 500 --retries 0)
LIST="$R1 $R2 $LAB_REFUSER $LAB_SILENT"

# the fields a replay must give back exactly (time and rtt aside)
summary() {
	"$LAB_PYTHON" - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
print(json.dumps({k: d[k] for k in ("domain", "type", "converged", "reasons", "counts")},
                 sort_keys=True))
print(json.dumps({k: d["truth"].get(k) for k in ("source", "answer", "serial", "kind")},
                 sort_keys=True))
for r in d["resolvers"]:
    print(r["address"], r["port"], r["label"], r["status"], r["rcode"], r["answer"], r["ttl"],
          r.get("flags"), r.get("error"))
EOF
}

# ---- a --once run replays to what it printed ------------------------------------------
"$PROG" --once --format json "${FAST[@]}" -s "$LIST" --auth "$LAB_PRIMARY" --log "$W/once.log" \
	example.test MX >"$W/once.json" 2>/dev/null
rc_run=$?
"$PROG" --replay "$W/once.log" --format json >"$W/replay.json" 2>"$W/replay.err"
rc_replay=$?
t_eq "replay: the run's exit status" "$rc_replay" "$rc_run"
t_eq "replay: the same truth, verdicts, counts and answers as the run printed" \
	"$(summary "$W/replay.json")" "$(summary "$W/once.json")"
t_eq "replay of a whole log: nothing on stderr" "$(cat "$W/replay.err")" ""

# ---- NXDOMAIN truth: the kind survives the log ---------------------------------------------
"$PROG" --once --format json "${FAST[@]}" -s "$R1" --auth "$LAB_PRIMARY" --log "$W/nx.log" \
	"$LAB_NX_NAME" MX >"$W/nx.json" 2>/dev/null
"$PROG" --replay "$W/nx.log" --format json >"$W/nxr.json" 2>/dev/null
t_eq "replay of an NXDOMAIN truth: the same verdicts" "$(summary "$W/nxr.json")" \
	"$(summary "$W/nx.json")"

# ---- kill -9, then a cut line ---------------------------------------------------------------
"$PROG" --format ndjson "${FAST[@]}" -s "$LIST" --auth "$LAB_PRIMARY" --log "$W/killed.log" \
	example.test MX >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do
	n=$(grep -c '"event": "answer"' "$W/killed.log" 2>/dev/null)
	[ "${n:-0}" -ge 4 ] && break
	sleep 0.05
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
printf '{"event": "answer", "time": "2026-12-01T00:00:00.000Z", "elapsed_s": 9.9, "lab' \
	>>"$W/killed.log"
whole=$(grep -c '' "$W/killed.log")
whole=$((whole - 1))
"$PROG" --replay "$W/killed.log" --format json >"$W/killed.json" 2>"$W/killed.err"
t_eq "a killed run's log (no end event): replayed, the verdicts' exit status (converged)" "$?" 0
t_check "the cut line is said, with the last whole line" \
	grep -qF "the last line is cut (a killed run or a full disk); replayed up to line $whole" \
	"$W/killed.err"
t_eq "the killed run's statuses" \
	"$("$LAB_PYTHON" "$here/jget.py" "$W/killed.json" 'statuses()')" \
	"$R1=match $R2=match $LAB_REFUSER=refused $LAB_SILENT=timeout"
"$PROG" --replay "$W/killed.log" --format csv >"$W/killed.csv" 2>/dev/null
t_eq "CSV of a replay: header and four rows" "$(grep -c '' "$W/killed.csv")" 5
"$PROG" --replay "$W/killed.log" >"$W/killed.txt" 2>/dev/null
t_check "the table of a replay (stdout not a terminal)" grep -q "4 resolvers:" "$W/killed.txt"

# ---- two runs in one log: the last one; not a log at all ----------------------------------
cat "$W/once.log" "$W/nx.log" >"$W/two.log"
"$PROG" --replay "$W/two.log" --format json >"$W/two.json" 2>/dev/null
t_eq "a log of two runs replays the last" \
	"$("$LAB_PYTHON" "$here/jget.py" "$W/two.json" 'd["domain"]')" "$LAB_NX_NAME"
printf 'not json\n{"event": "answer"}\n' >"$W/junk.log"
"$PROG" --replay "$W/junk.log" --format json >/dev/null 2>"$W/junk.err"
t_eq "a file that is no log: input error" "$?" 2
t_check "a file that is no log: said so" grep -q 'not a proptrack --log' "$W/junk.err"
"$PROG" --replay "$W/once.log" example.test >/dev/null 2>&1
t_eq "--replay with a DOMAIN: usage error" "$?" 2

# ---- the dashboard renders a replay ---------------------------------------------------------
if command -v tmux >/dev/null; then
	SOCK=$W/tmux.sock
	tm() { tmux -S "$SOCK" "$@"; }
	trap 'st=$?; tm kill-server 2>/dev/null; lab__on_exit $st' EXIT
	cat >"$W/dash.sh" <<EOS
#!/bin/bash
"$PROG" --replay "$W/once.log"
echo "PT-EXITED rc=\$?"
exec sleep 600
EOS
	chmod +x "$W/dash.sh"
	tm -f /dev/null new-session -d -s pt -x 120 -y 30 "$W/dash.sh"
	wait_screen "the dashboard shows the replayed resolvers" 10 grep -q "$LAB_REFUSER .*refused"
	tm send-keys -t pt q
	wait_screen "q ends the replayed dashboard with the run's status" 10 \
		grep -q "PT-EXITED rc=$rc_run"
else
	t_note "tmux missing: the replayed dashboard is not tested"
fi

t_finish
