#!/bin/bash
# End-to-end test of the live measurements in the dashboard (issue 12), in a real terminal
# (tmux) against RIPE Atlas and Globalping API fixtures (https_server.py with scripted routes,
# a test CA made here; only loopback traffic):
# - the dashboard appears at once: its first frame, with "measurement N created, waiting for
#   K probes..." on the message line, is there while the fixture still holds back the first
#   results (a delayed route); the probe rows arrive when the results do;
# - the repeats (--atlas-every, --gp-every) and what they cost, the Globalping rate limits and
#   a repeat skipped for them are said on the message line (stderr cannot be seen there).
# PROG is the binary under test (run.sh exports it). Needs tmux.
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

W=$(mktemp -d /tmp/proptrack-vdash.XXXXXX)
SOCK=$W/tmux.sock
tm() { tmux -S "$SOCK" "$@"; }
PIDS=()
cleanup() {
	local st=$1 p
	tm kill-server 2>/dev/null
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$W"
	lab__on_exit "$st"
}
trap 'cleanup $?' EXIT
NEW="10 mx-new.example.test."
ID=2f9KpQ7rYvTcdn1A
# how long the fixtures hold back the first results
DELAY=6

bash "$here/testca.sh" "$W/ca" 127.0.0.1 || t_fatal "testca.sh"
mkdir -p "$W/root"
cp "$here/fixtures/atlas/results.json" "$W/root/full.json"
cp "$here/fixtures/globalping/measurement.json" "$W/root/done.json"
/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for r in d:
    r["msm_id"] = 61000002
json.dump(d, open(sys.argv[2], "w"))' "$W/root/full.json" "$W/root/rep.json"
cat >"$W/atlas.json" <<JSON
{"POST /api/v2/measurements/": [{"status": 201, "body": {"measurements": [61000001]}},
                                {"status": 201, "body": {"measurements": [61000002]}},
                                {"status": 201, "body": {"measurements": [61000003]}}],
 "GET /api/v2/measurements/61000001/results/": [{"body_file": "full.json", "delay": $DELAY}],
 "GET /api/v2/measurements/61000002/results/": [{"body_file": "rep.json"}],
 "GET /api/v2/measurements/61000003/results/": [{"body_file": "full.json", "delay": 20}],
 "GET /api/v2/probes/": [{"body": {"count": 0, "next": null, "results": []}}]}
JSON
lim() { # REMAINING RESET
	printf '{"body": {"rateLimit": {"measurements": {"create": {"type": "ip", "limit": 250, "remaining": %s, "reset": %s}}}}}' "$1" "$2"
}
cat >"$W/gp.json" <<JSON
{"GET /v1/limits": [$(lim 249 3120), $(lim 0 1800)],
 "POST /v1/measurements": [{"status": 202, "body": {"id": "$ID", "probesCount": 5}}],
 "GET /v1/measurements/$ID": [{"body_file": "done.json", "delay": $DELAY}]}
JSON
lab_https_serve "$W/atlas.json" 8443
lab_https_serve "$W/gp.json" 8444

# run NAME ARGS...: the dashboard in a tmux pane (160x40, tmux socket $W/NAME.sock); the
# wrapper keeps the pane after it exits, with the exit status in $W/NAME.exit and stderr in
# $W/NAME.err
run() {
	local name=$1 a
	shift
	{
		echo '#!/bin/bash'
		printf 'export RIPE_ATLAS_KEY=k-123 PT_ATLAS_URL=https://127.0.0.1:8443 PT_ATLAS_POLL_MS=200\n'
		printf 'export PT_GLOBALPING_URL=https://127.0.0.1:8444 PT_GLOBALPING_POLL_MS=200\n'
		printf 'unset GLOBALPING_TOKEN\n'
		printf '%q' "$PROG"
		for a in "$@"; do printf ' %q' "$a"; done
		printf ' 2>%q\n' "$W/$name.err"
		printf 'echo $? >%q\nexec sleep 600\n' "$W/$name.exit"
	} >"$W/$name.sh"
	chmod +x "$W/$name.sh"
	# a tmux server of its own each (the last one's may still be going away)
	tm kill-server 2>/dev/null
	SOCK=$W/$name.sock
	tm -f /dev/null new-session -d -s pt -x 160 -y 40 "$W/$name.sh" || t_fatal "tmux new-session"
}
quit() {
	tm send-keys -t pt q
	for _ in $(seq 50); do
		[ -s "$W/$1.exit" ] && return 0
		sleep 0.1
	done
	t_fail "$1: the dashboard did not exit on q"
}

# ---- RIPE Atlas ---------------------------------------------------------------------------
start=$(lab_now_ms)
run atlas --atlas --atlas-probes 7 --atlas-from country:NL --atlas-every 2s \
	--ca-file "$W/ca/ca.pem" --expect "$NEW" example.test MX
wait_screen "--atlas: the dashboard appears while the results are held back" $((DELAY - 1)) \
	grep -q "RIPE Atlas: measurement 61000001 created (about 70 credits), waiting for 7 probes"
t_le "--atlas: ... within the fixture's delay" $(($(lab_now_ms) - start)) $((DELAY * 1000))
t_eq "--atlas: no probe row yet" "$(screen_now | grep -c "atlas 10")" 0
wait_screen "--atlas: the probe rows arrive with the results" 10 grep -q "atlas 1001 #1"
wait_screen "--atlas: the message line says the results came in" 10 \
	grep -q "RIPE Atlas measurement 61000001: results in (6 rows)"
wait_screen "--atlas: the repeat and its cost on the message line" 10 \
	grep -q "RIPE Atlas repeat [0-9]*: measurement 61000002 on the probes of 61000001, about 70 credits"
quit atlas
t_eq "--atlas: the message lines are not on stderr (it would tear the screen)" \
	"$(grep -c "repeat 1" "$W/atlas.err")" 0
t_eq "--atlas: the results were asked once for the first measurement (held back)" \
	"$(grep -c '61000001/results' "$W/8443.log")" 1

# ---- Globalping ---------------------------------------------------------------------------
start=$(lab_now_ms)
run gp --globalping --gp-from DE --gp-limit 5 --gp-every 1s --ca-file "$W/ca/ca.pem" \
	--expect "$NEW" example.test MX
wait_screen "--globalping: the rate limits on the message line" $((DELAY - 1)) \
	grep -q "Globalping: 249 of 250 measurements left (per IP), resets in 52m00s"
wait_screen "--globalping: the dashboard appears while the results are held back" \
	$((DELAY - 1)) grep -q "Globalping: measurement $ID created, waiting for 5 probes"
t_le "--globalping: ... within the fixture's delay" $(($(lab_now_ms) - start)) $((DELAY * 1000))
t_eq "--globalping: no probe row yet" "$(screen_now | grep -c 'gp [0-9]')" 0
wait_screen "--globalping: the probe rows arrive with the results" 10 grep -q "gp 1 "
wait_screen "--globalping: the message line says the results came in" 10 \
	grep -q "Globalping measurement $ID: results in (4 rows)"
wait_screen "--globalping: the repeat skipped for the rate limit, on the message line" 12 \
	grep -q "Globalping repeat 1 skipped: no measurement left within the rate limit; it resets in 30m00s"
quit gp
t_eq "--globalping: one POST (the repeat was skipped)" "$(grep -c '"POST"' "$W/8444.log")" 1

# quitting while a results request is in flight ends it (no wait for the answer or the timeout)
run held --atlas --atlas-probes 7 --atlas-from country:NL --ca-file "$W/ca/ca.pem" \
	--expect "$NEW" example.test MX
wait_screen "q while the results are held: the dashboard is waiting" 10 \
	grep -q "RIPE Atlas: measurement 61000003 created"
for _ in $(seq 50); do # the results request has reached the server
	grep -q '61000003/results' "$W/8443.log" && break
	sleep 0.1
done
start=$(lab_now_ms)
quit held
t_le "q while the results are held (20 s): out within 3 s" $(($(lab_now_ms) - start)) 3000
t_eq "q while the results are held: exit 3 (nothing judged yet: inconclusive)" "$(cat "$W/held.exit")" 3
t_finish
