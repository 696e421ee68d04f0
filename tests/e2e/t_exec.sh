#!/bin/bash
# End-to-end test of the alerts while watching (--exec CMD, --notify) against the loopback
# lab (NSD primary and lagging secondary, unbound): proptrack watches while the MX changes
# on the primary only, a resolver gets the new MX while the secondary is paused, then the
# old one again from the secondary while the primary is paused (a flap), then both serve the
# new one. The --exec program (a script writing to this test's directory, given arguments
# with a quoted blank, no shell in between) must receive each converged, diverged, truth and
# flap event of the --log exactly once: the same JSON line on its standard input, PT_EVENT,
# PT_DOMAIN and PT_TYPE in its environment. A fake notify-send first on PATH must be run once
# per alert with a title and a body. A failing, a missing and a hanging program are reported
# on stderr and never hold the watch up; a shell runs only when asked for (sh -c).
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

export LAB_MX_TTL=2
lab_start 1 || t_fatal "lab_start"
W=$LAB_DIR/t_exec
mkdir -p "$W/calls" "$W/notes" "$W/bin"
R1=${LAB_RESOLVERS[0]}
PY=/usr/bin/python3

# the --exec program: one directory per call with its stdin, environment and arguments
cat >"$W/hook.sh" <<'SH'
#!/bin/sh
d=$(mktemp -d "$CALLS/call.XXXXXX") || exit 1
cat >"$d/stdin"
printf '%s\n' "${PT_EVENT-unset}" "${PT_DOMAIN-unset}" "${PT_TYPE-unset}" >"$d/env"
printf '%s\n' "$@" >"$d/args"
SH
# a fake notify-send, first on PATH
cat >"$W/bin/notify-send" <<'SH'
#!/bin/sh
d=$(mktemp -d "$NOTES/note.XXXXXX") || exit 1
printf '%s\n' "$@" >"$d/args"
SH
chmod +x "$W/hook.sh" "$W/bin/notify-send"
export CALLS=$W/calls NOTES=$W/notes

# wait_for FILE ERE TENTHS: wait until FILE has a line matching ERE
wait_for() {
	local i
	for ((i = 0; i < $3; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# --- bad --exec values: exit 2 at once
for cmd in "" "   " "'unterminated" 'trailing\'; do
	timeout 10 "$PROG" --once --exec "$cmd" -s "$R1" example.test >"$W/bad.out" 2>"$W/bad.err"
	t_eq "--exec '$cmd': exit 2" "$?" 2
done

# --- the watch: a change, a flap, convergence
lab_prime "$R1" || t_fatal "priming"
PATH="$W/bin:$PATH" "$PROG" --format ndjson --interval 1 --log "$W/watch.log" --notify \
	--exec "$W/hook.sh first 'second arg' \"third \\\"q\\\"\"" -s "$R1" example.test \
	>"$W/watch.ndjson" 2>"$W/watch.err" </dev/null &
watcher=$!
wait_for "$W/watch.ndjson" '"event": "converged"' 100 || t_fail "no converged event on the old MX"
lab_set_mx "$LAB_MX_NEW" || t_fatal "lab_set_mx"
# R1 gets the new MX from the primary while the secondary is stopped, then the old one
# again from the secondary while the primary is: a flap
lab_pause secondary
for _ in $(seq 150); do
	[ "$(lab_answer "$R1" MX "$LAB_ZONE")" = "$LAB_MX_NEW" ] && break
	sleep 0.1
done
lab_resume secondary
lab_pause primary
wait_for "$W/watch.ndjson" '"reverted": true' 200 || t_fail "no flap within 20 s"
lab_resume primary
lab_sync_secondary || t_fatal "lab_sync_secondary"
# converged again on the new MX: the last converged event after the sync
n0=$(wc -l <"$W/watch.ndjson")
for _ in $(seq 150); do
	tail -n +"$((n0 + 1))" "$W/watch.ndjson" | grep -q '"event": "converged"' && break
	sleep 0.1
done
sleep 0.5
t_check "watch: still running" kill -0 "$watcher"
kill -TERM "$watcher"
wait "$watcher"
t_eq "watch: exit 0 after SIGTERM while converged" "$?" 0
t_eq "watch: nothing on stderr" "$(cat "$W/watch.err")" ""
t_eq "the NDJSON stream is the --log (the programs' output never goes there)" \
	"$(cmp "$W/watch.ndjson" "$W/watch.log" && echo same)" same

"$PY" - "$W" <<'PY' >"$W/check.txt" 2>&1
import json, os, sys
w = sys.argv[1]
log = [l for l in open(os.path.join(w, "watch.log"), encoding="utf-8")]
want = []
for l in log:
    e = json.loads(l)
    k = e["event"]
    if k in ("converged", "diverged", "truth"):
        want.append((k, l))
    elif k == "change" and e.get("reverted"):
        want.append(("flap", l))
kinds = sorted(set(k for k, _ in want))
print("kinds", " ".join(kinds))
got = []
bad = []
for c in sorted(os.listdir(os.path.join(w, "calls"))):
    d = os.path.join(w, "calls", c)
    env = open(os.path.join(d, "env")).read().split("\n")[:3]
    args = open(os.path.join(d, "args")).read().split("\n")[:-1]
    got.append((env[0], open(os.path.join(d, "stdin"), encoding="utf-8").read()))
    if env[1:] != ["example.test.", "MX"] or args != ["first", "second arg", 'third "q"']:
        bad.append((env, args))
print("each event once", sorted(got) == sorted(want), len(got), len(want))
print("env and args", bad == [] or bad[:2])
notes = []
for c in sorted(os.listdir(os.path.join(w, "notes"))):
    a = open(os.path.join(w, "notes", c, "args")).read().split("\n")[:-1]
    notes.append(a)
# notify-send -a proptrack TITLE BODY
print("notify-send once per alert", len(notes) == len(want) and
      all(len(a) == 4 and a[:2] == ["-a", "proptrack"] for a in notes) and
      sorted(a[2] for a in notes) == sorted("proptrack: " + k for k, _ in want))
conv = [a[3] for a in notes if a[2] == "proptrack: converged"]
flap = [a[3] for a in notes if a[2] == "proptrack: flap"]
truth = [a[3] for a in notes if a[2] == "proptrack: truth"]
print("bodies", "example.test. MX: converged, 1 of 1 resolvers match" in conv,
      "example.test. MX: 127.53.1.1 went back to an earlier answer" in flap,
      "example.test. MX: the truth is now 10 mx-new.example.test." in truth)
PY
t_eq "alert kinds seen in the log" "$(sed -n 1p "$W/check.txt")" "kinds converged diverged flap truth"
t_eq "each alert event once, with the --log's line on stdin" "$(sed -n 2p "$W/check.txt" | cut -d' ' -f1-4)" "each event once True"
t_eq "PT_DOMAIN, PT_TYPE and the words of --exec" "$(sed -n 3p "$W/check.txt")" "env and args True"
t_eq "the fake notify-send: once per alert, title per event" "$(sed -n 4p "$W/check.txt")" "notify-send once per alert True"
t_eq "notification bodies" "$(sed -n 5p "$W/check.txt")" "bodies True True True"
t_note "$(sed -n 2p "$W/check.txt") (calls, events)"

# --- failing, missing and hanging programs are reported, never hold the run up
timeout 20 "$PROG" --once --exec "false" -s "$R1" example.test >"$W/false.out" 2>"$W/false.err"
t_eq "--exec false: the run's exit status (converged)" "$?" 0
# a --once run has two alerts: the truth, then converged
t_eq "--exec false: reported with its status, per alert" "$(sort "$W/false.err")" \
	"$(printf '%s\n' "proptrack: --exec: 'false' on converged: exited with status 1" \
		"proptrack: --exec: 'false' on truth: exited with status 1")"
timeout 20 "$PROG" --once --exec "$W/no-such-program x" -s "$R1" example.test >/dev/null 2>"$W/missing.err"
t_eq "--exec of a missing program: reported" "$(sort "$W/missing.err")" \
	"$(printf '%s\n' "proptrack: --exec: '$W/no-such-program' on converged: cannot run: No such file or directory" \
		"proptrack: --exec: '$W/no-such-program' on truth: cannot run: No such file or directory")"
T0=$(lab_now_ms)
timeout 20 "$PROG" --once --exec "sleep 30" -s "$R1" example.test >/dev/null 2>"$W/slow.err"
t_eq "--exec sleep 30: exit 0" "$?" 0
t_le "--exec sleep 30: the run ends within 7 s (the 5 s end wait), not 30 (ms)" $(($(lab_now_ms) - T0)) 7000
t_eq "--exec sleep 30: reported and killed" "$(sort "$W/slow.err")" \
	"$(printf '%s\n' "proptrack: --exec: 'sleep' on converged: still running at the end: killed" \
		"proptrack: --exec: 'sleep' on truth: still running at the end: killed")"
# no shell unless asked for: the '>' is an argument of echo, not a redirection
timeout 20 "$PROG" --once --exec "echo > $W/redirected" -s "$R1" example.test >"$W/echo.out" 2>"$W/echo.err"
t_check "no shell: '>' is a word (nothing redirected)" test ! -e "$W/redirected"
t_eq "the program's output goes to stderr (once per alert), not stdout's table" \
	"$(grep -c "^> $W/redirected\$" "$W/echo.err") $(grep -c "redirected" "$W/echo.out")" "2 0"
timeout 20 "$PROG" --once --exec "sh -c 'cat >\"\$0.\$PT_EVENT\"' $W/viash" -s "$R1" \
	example.test >/dev/null 2>"$W/sh.err"
t_eq "sh -c runs a shell when asked for: one file per PT_EVENT, each with its event line" \
	"$("$PY" -c '
import json, sys
for k in ("truth", "converged"):
    print(k, json.loads(open(sys.argv[1] + "." + k).read())["event"])' "$W/viash" 2>&1)" \
	"$(printf '%s\n' "truth truth" "converged converged")"

# --- --notify without notify-send: the escape only on a terminal, never on a pipe
timeout 20 env PATH=/nonexistent "$PROG" --once --notify -s "$R1" example.test >"$W/esc.out" 2>"$W/esc.err"
t_eq "--notify, no notify-send, stdout a pipe: no escape on stdout" "$(grep -c $'\033]' "$W/esc.out")" 0
t_check "--notify, no notify-send, stdout a pipe: said on stderr" grep -q "no notify-send on PATH" "$W/esc.err"
if command -v script >/dev/null; then
	TERM=xterm PATH=/nonexistent:/usr/bin:/bin script -qec "$PROG --once --notify -s $R1 example.test" \
		"$W/tty.out" >/dev/null 2>&1 </dev/null
	t_check "--notify, no notify-send, stdout a terminal: OSC 9 with title and body" \
		grep -qF $'\033]9;proptrack: converged: example.test. MX: converged, 1 of 1 resolvers match\a' "$W/tty.out"
fi

# --- the dashboard: the escape goes through its terminal, the program's output nowhere
if command -v script >/dev/null; then
	rm -rf "$W/calls" && mkdir -p "$W/calls"
	cat >"$W/noisy.sh" <<'SH'
#!/bin/sh
echo NOISY-OUTPUT
exec "$(dirname "$0")/hook.sh" "$@"
SH
	chmod +x "$W/noisy.sh"
	TERM=xterm PATH=/nonexistent:/usr/bin:/bin timeout 30 script -qec \
		"$PROG --iterations 4 --notify --exec $W/noisy.sh -s $R1 example.test" "$W/dash.out" \
		>/dev/null 2>&1 </dev/null
	t_eq "dashboard: exit 0 (converged)" "$?" 0
	t_check "dashboard --notify: OSC 9 written through the dashboard's terminal" \
		grep -qF $'\033]9;proptrack: converged: example.test. MX: converged, 1 of 1 resolvers match\a' "$W/dash.out"
	t_eq "dashboard --exec: the truth and converged alerts ran once each" \
		"$(cat "$W/calls"/*/env 2>/dev/null | sed -n '1~3p' | sort | tr '\n' ' ')" "converged truth "
	t_eq "dashboard --exec: the program's output never reaches the screen" "$(grep -c NOISY "$W/dash.out")" 0
fi

t_finish
