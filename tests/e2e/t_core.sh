#!/bin/bash
# End-to-end test of the application layer against the loopback lab (issue 8):
# - one verdict, one exit status: a single resolver of each verdict (match, differ,
#   negative, servfail, refused, timeout, error) ends every mode (--once table and JSON,
#   --until-converged, the NDJSON stream, the dashboard) with the same exit status, and the
#   NDJSON "end" line and --log say the same;
# - the diagnosis JSON is valid UTF-8 when an SMTP server greets with raw bytes \xff\xfe;
# - a resolver pasted into the dashboard is used by truth discovery at once;
# - the event log is written by the core in every mode (a dashboard run leaves whole lines).
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
command -v tmux >/dev/null || t_fatal "tmux is not installed"
t_need_prog

lab_start 2 || t_fatal "lab_start"
W=$LAB_DIR/t_core
mkdir -p "$W"
SOCK=$W/tmux.sock
tm() { tmux -S "$SOCK" "$@"; }
trap 'st=$?; tm kill-server 2>/dev/null; lab__on_exit $st' EXIT
# tm_fresh: no tmux server left from the run before (each run gets a server of its own)
TM_N=0
tm_fresh() {
	tm kill-server 2>/dev/null
	TM_N=$((TM_N + 1))
	SOCK=$W/tmux$TM_N.sock
}
R1=${LAB_RESOLVERS[0]}
SERVFAIL=127.53.5.2
NOTIMP=127.53.5.4
for spec in "$SERVFAIL 2" "$NOTIMP 4"; do
	set -- $spec
	lab__spawn "rcode$2" "$LAB_PYTHON" "$here/rcode.py" "$1" 53 "$2" --ready "$W/rcode$2.ready"
	wait_file "$W/rcode$2.ready" || t_fatal "rcode.py $1 did not start"
done
FAST=(--timeout 500 --retries 0)

# Each verdict: the resolver, the question and the options that give it, and the exit status
# every mode must end with (src/verdict.c: 0 converged, 3 nothing judged, 1 otherwise).
VERDICTS=(
	"match|$R1|example.test MX|--auth $LAB_PRIMARY|0"
	"differ|$R1|example.test MX|--expect 20 other.example.test.|1"
	"negative|$R1|$LAB_NX_NAME MX|--query-now --expect 10 mx.example.test.|1"
	"servfail|$SERVFAIL|example.test MX|--auth $LAB_PRIMARY|1"
	"refused|$LAB_REFUSER|example.test MX|--auth $LAB_PRIMARY|3"
	"timeout|$LAB_SILENT|example.test MX|--auth $LAB_PRIMARY|3"
	"error|$NOTIMP|example.test MX|--auth $LAB_PRIMARY|1"
)

# run_mode MODE VERDICT RESOLVER QUESTION OPTS: run one mode; sets RC and OUT
run_mode() {
	local mode=$1 verdict=$2 res=$3 q=$4 opts=$5 pid i
	local -a o
	read -r -a qa <<<"$q"
	# "--expect 20 other.example.test." is one option with one value
	case $opts in
	--expect*) o=(--expect "${opts#--expect }") ;;
	--query-now\ --expect*) o=(--query-now --expect "${opts#--query-now --expect }") ;;
	*) read -r -a o <<<"$opts" ;;
	esac
	OUT=$W/$verdict.$mode.out
	case $mode in
	table)
		timeout 30 "$PROG" --once "${FAST[@]}" -s "$res" "${o[@]}" --log "$W/$verdict.log" \
			"${qa[@]}" >"$OUT" 2>"$OUT.err"
		RC=$?
		;;
	json)
		timeout 30 "$PROG" --once --format json "${FAST[@]}" -s "$res" "${o[@]}" "${qa[@]}" \
			>"$OUT" 2>"$OUT.err"
		RC=$?
		;;
	until)
		timeout 30 "$PROG" --until-converged --max-wait 3s "${FAST[@]}" -s "$res" "${o[@]}" \
			"${qa[@]}" >"$OUT" 2>"$OUT.err"
		RC=$?
		;;
	ndjson)
		"$PROG" --format ndjson "${FAST[@]}" -s "$res" "${o[@]}" "${qa[@]}" >"$OUT" 2>"$OUT.err" &
		pid=$!
		for i in $(seq 100); do
			grep -q '"event": "answer"' "$OUT" 2>/dev/null && break
			sleep 0.1
		done
		kill -TERM "$pid"
		wait "$pid"
		RC=$?
		;;
	dashboard)
		cat >"$W/dash.sh" <<EOS
#!/bin/bash
"$PROG" ${FAST[*]} -s "$res" $(printf '%q ' "${o[@]}") ${qa[*]}
echo "PT-EXITED rc=\$?"
exec sleep 600
EOS
		chmod +x "$W/dash.sh"
		tm_fresh
		tm -f /dev/null new-session -d -s pt -x 120 -y 30 "$W/dash.sh"
		for i in $(seq 100); do
			screen_now | grep -qE "^ ?[A-Z ] .* $verdict " && break
			sleep 0.1
		done
		sleep 0.3
		tm send-keys -t pt q
		for i in $(seq 50); do
			screen_now | grep -q 'PT-EXITED' && break
			sleep 0.1
		done
		RC=$(screen_now | sed -nE 's/.*PT-EXITED rc=([0-9]+).*/\1/p' | tail -n1)
		screen_now >"$OUT"
		;;
	esac
}

for v in "${VERDICTS[@]}"; do
	IFS='|' read -r verdict res q opts want <<<"$v"
	for mode in table json until ndjson dashboard; do
		run_mode "$mode" "$verdict" "$res" "$q" "$opts"
		if [ "$RC" = "$want" ]; then
			t_ok "$verdict, $mode: exit $want"
		else
			t_fail "$verdict, $mode: exit $RC, want $want" "$(head -c 1500 "$OUT")" \
				"$(head -c 500 "$OUT.err" 2>/dev/null)"
		fi
	done
	# the verdict itself, as the JSON and the NDJSON stream show it
	t_eq "$verdict: the JSON status" \
		"$(python3 "$here/jget.py" "$W/$verdict.json.out" 'd["resolvers"][0]["status"]')" "$verdict"
	t_eq "$verdict: the NDJSON end line carries the same exit status" \
		"$(grep '"event": "end"' "$W/$verdict.ndjson.out" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["exit_status"])')" \
		"$want"
	t_eq "$verdict: --log (written by the core in --once) ends with the same exit status" \
		"$(tail -n1 "$W/$verdict.log" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(d["event"], d["exit_status"])')" \
		"end $want"
done
t_check "every NDJSON stream line is one JSON object" python3 -c '
import glob, json, sys
for f in glob.glob(sys.argv[1] + "/*.ndjson.out"):
    for line in open(f, encoding="utf-8"):
        json.loads(line)' "$W"

# --- the diagnosis JSON is valid UTF-8 whatever the SMTP greeting holds
MXADDR=127.53.10.1 # mx-old.example.test.
lab__spawn banner "$LAB_PYTHON" "$here/banner.py" "$MXADDR" 2525 \
	"$(printf '220 \xff\xfe hostile \x1b[2J greeting\r\n' | od -An -tx1 | tr -d ' \n')" \
	--ready "$W/banner.ready"
wait_file "$W/banner.ready" || t_fatal "banner.py did not start"
timeout 60 "$PROG" --diagnose --format json --smtp-port 2525 "${FAST[@]}" -s "$R1" \
	--auth "$LAB_PRIMARY" example.test >"$W/diag.json" 2>"$W/diag.err"
t_check "diagnosis JSON with a hostile banner is strict UTF-8 JSON" python3 -c '
import json, sys
d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "strict"))
smtp = [c for c in d["checks"] if c["id"] == "smtp-reachable"]
assert smtp and smtp[0]["status"] == "pass", smtp
assert "\ufffd" in smtp[0]["data"]["banner"], smtp[0]["data"]["banner"]
assert "\x1b" not in json.dumps(d, ensure_ascii=False)' "$W/diag.json"
timeout 60 "$PROG" --diagnose --smtp-port 2525 "${FAST[@]}" -s "$R1" --auth "$LAB_PRIMARY" \
	example.test >"$W/diag.txt" 2>&1
t_check "the diagnosis table with a hostile banner is valid UTF-8 without escapes" python3 -c '
import sys
t = open(sys.argv[1], "rb").read().decode("utf-8", "strict")
assert "\x1b" not in t' "$W/diag.txt"

# --- a resolver pasted into the dashboard is used by truth discovery
cat >"$W/paste.sh" <<EOS
#!/bin/bash
"$PROG" ${FAST[*]} -s "$LAB_SILENT" --log "$W/paste.log" example.test
echo "PT-EXITED rc=\$?"
exec sleep 600
EOS
chmod +x "$W/paste.sh"
tm_fresh
tm -f /dev/null new-session -d -s pt -x 140 -y 40 "$W/paste.sh"
wait_screen "with only a silent resolver, no truth is found" 10 grep -q "truth: not known yet"
tm send-keys -t pt p
wait_screen "the paste panel opens" 5 grep -q "Add resolvers"
printf '%s  Lab unbound pasted\n' "$R1" >"$W/paste.txt"
tm load-buffer -b pastebuf "$W/paste.txt"
tm paste-buffer -p -b pastebuf -t pt
sleep 0.3
tm send-keys -t pt C-d
# the truth is looked for again within its 5 s period, through the pasted resolver
wait_screen "the truth is found through the pasted resolver" 12 \
	grep -q "truth: authoritative serial $LAB_SERIAL0"
wait_screen "the pasted resolver matches it" 5 grep -q "Lab unbound pasted .*match"
tm send-keys -t pt q
wait_screen "the dashboard exits" 5 grep -q "PT-EXITED"
t_check "the dashboard's --log has whole lines from start to end" python3 -c '
import json, sys
ev = [json.loads(l)["event"] for l in open(sys.argv[1], encoding="utf-8")]
assert ev[0] == "start" and ev[-1] == "end", ev
assert "truth" in ev and "answer" in ev, ev' "$W/paste.log"

t_finish
