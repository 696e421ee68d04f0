#!/bin/bash
# End-to-end test of the live dashboard in a real terminal (tmux) against the loopback lab:
# the table fills with matching resolvers, an MX change shows as two answer groups, the
# CONVERGED banner follows, resizing to 60x15 (and below) never garbles the screen, the help
# lists every key, `x` removes a resolver, and `q`
# exits with status 0 and the terminal restored (alternate screen left, stty unchanged).
# PROG is the binary under test (run.sh exports it). Needs tmux.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lab.sh
source "$here/lab.sh"
# shellcheck source=tests/e2e/assert.sh
source "$here/assert.sh"
lab_isolate "$@"
lab_trap

export LAB_MX_TTL=8 # long enough to see the old answer, short enough to converge quickly
export LANG=C.UTF-8 LC_ALL=C.UTF-8
command -v tmux >/dev/null || t_fatal "tmux is not installed"
t_need_prog

lab_start 4 || t_fatal "lab_start"
W=$LAB_DIR/t_dashboard
mkdir -p "$W"
LIST=$W/resolvers.txt
lab_resolvers_file "$LIST"
SOCK=$W/tmux.sock
# our own tmux server (its command line names $LAB_DIR, so lab_stop reaps it as well)
tm() { tmux -S "$SOCK" "$@"; }
trap 'st=$?; tm kill-server 2>/dev/null; lab__on_exit $st' EXIT

# The pane runs a wrapper that records the exit status and the terminal settings before and
# after, then stays alive so the screen left behind can be inspected.
cat >"$W/run.sh" <<EOS
#!/bin/bash
before=\$(stty -g)
"$PROG" -r "$LIST" --auth "$LAB_PRIMARY" --log "$W/events.ndjson" example.test
rc=\$?
after=\$(stty -g)
[ "\$before" = "\$after" ] && echo same >"$W/stty" || echo "\$before / \$after" >"$W/stty"
echo "\$rc" >"$W/exit"
echo "PT-EXITED rc=\$rc"
exec sleep 600
EOS
chmod +x "$W/run.sh"

# check_lines_fit WIDTH: no captured line is wider than WIDTH cells
lines_fit() {
	python3 -c '
import sys, unicodedata
w = int(sys.argv[1])
for line in sys.stdin.read().splitlines():
    cells = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line.rstrip())
    if cells > w:
        sys.exit(1)
' "$1"
}

# prime every resolver with the old MX so that caches hold it for a full TTL
for r in "${LAB_RESOLVERS[@]}"; do
	lab_prime "$r" MX "$LAB_ZONE"
done

tm -f /dev/null new-session -d -s pt -x 120 -y 40 "$W/run.sh" || t_fatal "tmux new-session"

# --- 1. the table fills and matches
wait_screen "header shows the domain, type and authoritative truth" 15 \
	grep -q "^example.test. MX .*truth: authoritative serial $LAB_SERIAL0"
wait_screen "all 4 lab resolvers match (they agree from the start)" 15 grep -q "all 4 resolvers serve the truth"
n=$(screen_now | grep -c "Lab unbound.*match")
t_eq "4 table rows with status match" "$n" 4
wait_screen "legend shows group A with the truth" 5 grep -q "^ A .*truth .*10 mx-old.example.test."
wait_screen "status line shows key hints and queries" 5 grep -qE "q quit.* [0-9]+ queries"

# --- 2. an MX change: the truth moves, the caches still hold the old answer
for r in "${LAB_RESOLVERS[@]}"; do
	lab_prime "$r" MX "$LAB_ZONE"
done
lab_set_mx "$LAB_MX_NEW" || t_fatal "lab_set_mx"
# both name servers serve the new MX: resolvers pick it up whichever they ask
lab_sync_secondary || t_fatal "lab_sync_secondary"
tm send-keys -t pt r # re-check the truth now instead of within 5 s
wait_screen "new truth serial in the header" 10 grep -q "authoritative serial $LAB_SERIAL"
wait_screen "two answer groups in the legend (A new, B old)" 10 \
	python3 -c '
import sys
s = sys.stdin.read()
sys.exit(0 if "mx-new.example.test." in s and any(l.startswith(" B ") and "mx-old" in l
         for l in s.splitlines()) else 1)'
wait_screen "diverging rows are shown as differ" 5 grep -q "Lab unbound.*differ"
wait_screen "old answers countdown shown" 5 grep -q "old answers expire within"

# --- 3. converged once the caches expire
wait_screen "CONVERGED banner, counted from the change" 40 grep -qE "CONVERGED [0-9]+s after the change"
wait_screen "every row matches the new MX" 5 grep -q "4/4 match"

# --- 4. resizing
tm resize-window -t pt -x 60 -y 15
wait_screen "60x15: header intact" 5 grep -q "^example.test. MX"
wait_screen "60x15: CONVERGED still shown" 5 grep -q "CONVERGED"
wait_screen "60x15: no line wider than 60" 3 lines_fit 60
wait_screen "60x15: status line at the bottom" 3 bash -c 'tail -n 1 | grep -q queries'
tm resize-window -t pt -x 50 -y 12
wait_screen "50x12: enlarge notice" 5 grep -q "^enlarge the terminal (need 60x15)"
n=$(screen_now | grep -c .)
t_eq "50x12: nothing but the notice" "$n" 1
tm resize-window -t pt -x 120 -y 40
wait_screen "120x40: header back" 5 grep -q "^example.test. MX .*truth: authoritative"
wait_screen "120x40: table back" 5 grep -q "Lab unbound 4"

# --- 5. keys: help overlay, details panel, filter
tm send-keys -t pt '?'
wait_screen "? opens the help" 5 grep -q "cycle sort"
tm send-keys -t pt Escape
wait_screen "Esc closes the help" 5 bash -c '! grep -q "cycle sort"'
tm send-keys -t pt Enter
wait_screen "Enter opens the details panel" 5 grep -q "Resolver details"
wait_screen "details show flags and the history" 5 grep -qE "flags .*RA"
tm send-keys -t pt Escape
wait_screen "Esc closes the details" 5 bash -c '! grep -q "Resolver details"'
tm send-keys -t pt / 'unbound 3' Enter
wait_screen "filter keeps one row" 5 grep -q 'filter:"unbound 3" 1/4'
tm send-keys -t pt Escape
wait_screen "Esc clears the filter" 5 bash -c '! grep -q "filter:"'
tm send-keys -t pt '?'
wait_screen "help lists p, x, w, d" 5 python3 -c '
import sys
s = sys.stdin.read()
sys.exit(0 if all(k in s for k in ("type resolvers to add", "remove the selected resolver",
         "write the tracked resolvers", "MX diagnosis of the domain", "Paste panel (p"))
         and "not available" not in s else 1)'
tm send-keys -t pt Escape
tm send-keys -t pt / 'unbound 3' Enter
wait_screen "filter selects Lab unbound 3" 5 grep -q 'filter:"unbound 3" 1/4'
tm send-keys -t pt x
wait_screen "x removes the selected resolver" 5 grep -q "removed Lab unbound 3 "
tm send-keys -t pt Escape
wait_screen "3 resolvers left, Lab unbound 3 gone" 5 \
	bash -c 'grep -q " 3 resolvers " && ! grep -qE "^[A-Z ] Lab unbound 3 "'

# --- 5b. s sorts, e sets and clears the expected answer, t tracks another name and type
wait_screen "sort starts as added" 5 grep -q "sort:added"
tm send-keys -t pt s
wait_screen "s: sort by status" 5 grep -q "sort:status"
tm send-keys -t pt e
tm send-keys -t pt '10 mx-other.example.test' Enter
wait_screen "e: the expected answer is the truth" 10 grep -q "truth: expected"
wait_screen "e: every resolver now differs" 10 grep -qE "^B Lab unbound 1 .* differ "
tm send-keys -t pt e
tm send-keys -t pt Enter
wait_screen "e with nothing: back to the authoritative truth" 10 grep -q "truth: authoritative"
tm send-keys -t pt e
tm send-keys -t pt 'not an mx record' Enter
wait_screen "e: invalid RDATA is refused with a message" 5 grep -qi "not valid\|cannot read\|invalid"
tm send-keys -t pt Escape
tm send-keys -t pt t
tm send-keys -t pt 'www.example.test A' Enter
wait_screen "t: tracks www.example.test. A" 10 grep -q "^www.example.test. A .*truth: authoritative"
wait_screen "t: resolvers answer the A record" 10 grep -qE "^A Lab unbound 1 .* match .*127.53.10.80"

# --- 6. q exits with the terminal restored
tm send-keys -t pt q
wait_file "$W/exit"
t_eq "exit status after q (converged)" "$(cat "$W/exit" 2>/dev/null)" 0
t_eq "terminal settings restored" "$(cat "$W/stty" 2>/dev/null)" same
wait_screen "shell output visible after exit" 5 grep -q "PT-EXITED rc=0"
t_eq "alternate screen left" "$(tm display-message -p -t pt '#{alternate_on}')" 0

# --- 7. --log while the dashboard ran: whole NDJSON lines, start first, end last
t_eq "--log: start first, truth/answer/change/converged events, end last with exit 0" \
	"$(/usr/bin/python3 -c '
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
kinds = [e["event"] for e in evs]
changes = [e for e in evs if e["event"] == "change"]
print(kinds[0], kinds[-1], evs[-1].get("exit_status"),
      "truth" in kinds, "answer" in kinds, "converged" in kinds, "diverged" in kinds,
      all(c["from"] == ["10 mx-old.example.test."] and c["to"] == ["10 mx-new.example.test."]
          for c in changes if c["address"] != "'"$LAB_REFUSER"'") and len(changes) >= 4)
' "$W/events.ndjson" 2>&1)" \
	"start end 0 True True True True True"
n=$(screen_now | grep -c "Lab unbound")
t_eq "no dashboard left on the screen" "$n" 0

tm kill-server 2>/dev/null
t_finish
