#!/bin/bash
# End-to-end test of the dashboard a person can paste into and trust (issue 10), in a real
# terminal (tmux) against the loopback lab:
#   - `cat list | proptrack -r - DOMAIN` in a terminal: the dashboard runs, its keys come from
#     the terminal (/dev/tty);
#   - a paste of a mixed list into the main view (lines with q and p in them, garbage, a host
#     name that resolves, one that does not) opens the paste panel with the text: no key
#     fires, nothing quits, every line is accounted for, rejected lines show their number and
#     reason at once, host names resolve in the background with the result on their line;
#     a paste while the panel is open adds to it; Ctrl-D adds the entries;
#   - the details of a resolver that never answered show no reply time or RTT, say it never
#     answered, and show its timeline; `x` removes it and `u` puts it back;
#   - at 60 columns with a lagging secondary the header keeps the truth and "lagging";
#   - q: the terminal is restored and the exit summary printed on it;
#   - Ctrl-\ (SIGQUIT), SIGUSR1 and Ctrl-Z leave the terminal restored (stty, alternate screen,
#     bracketed paste off);
#   - no terminal to read keys from (no controlling terminal, stdin not one): the text mode.
# Host names resolve through the system resolver: the test runs in a mount namespace of its own
# where /etc/resolv.conf is a file of its temporary directory (bind-mounted, nothing written
# outside it) naming a lab resolver, so every lookup stays on loopback.
# PROG is the binary under test (run.sh exports it). Needs tmux.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lab.sh
source "$here/lab.sh"
# shellcheck source=tests/e2e/assert.sh
source "$here/assert.sh"
lab_isolate "$@"
if [ "${T_MNTNS:-0}" != 1 ] && [ "${LAB_IN_NETNS:-0}" = 1 ] &&
	unshare --mount --propagation private true 2>/dev/null; then
	export T_MNTNS=1
	exec unshare --mount --propagation private -- "$BASH" "$0" "$@"
fi
lab_trap

export LAB_MX_TTL=30
export LANG=C.UTF-8 LC_ALL=C.UTF-8
command -v tmux >/dev/null || t_fatal "tmux is not installed"
t_need_prog

lab_start 4 || t_fatal "lab_start"
W=$LAB_DIR/t_trust
mkdir -p "$W"
SOCK=$W/tmux.sock
tm() { tmux -S "$SOCK" "$@"; }
trap 'st=$?; tm kill-server 2>/dev/null; lab__on_exit $st' EXIT
R1=${LAB_RESOLVERS[0]} R2=${LAB_RESOLVERS[1]} R3=${LAB_RESOLVERS[2]} R4=${LAB_RESOLVERS[3]}
FAST="--timeout 700 --retries 0"

DNS=0
if [ "${T_MNTNS:-0}" = 1 ]; then
	printf 'nameserver %s\noptions timeout:2 attempts:1\n' "$R1" >"$W/resolv.conf"
	if mount --bind "$W/resolv.conf" /etc/resolv.conf 2>/dev/null; then
		DNS=1
	fi
fi
# without it a lookup of a name not in /etc/hosts would go to the host's name servers
[ "$DNS" = 1 ] || t_fatal "needs a private mount and network namespace (unshare, root) to keep host name lookups on loopback"

# wrapper NAME ARGS: the pane runs proptrack with the list on stdin and records the exit
# status and the terminal settings; it traps QUIT and TSTP (a handler, so proptrack gets the
# default) since the terminal sends those to the whole foreground group.
wrapper() {
	local name=$1
	shift
	cat >"$W/$name.sh" <<EOS
#!/bin/bash
trap 'true' QUIT TSTP
ulimit -c 0
cd "$W"
echo \$\$ >"$W/$name.wrapper"
before=\$(stty -g)
# in the foreground (bash ignores SIGINT and SIGQUIT in background jobs), its pid recorded
printf '%s  Lab unbound 1\n%s  Lab unbound 2\n' "$R1" "$R2" |
	bash -c 'echo \$\$ >"\$0"; exec "\$@"' "$W/$name.pid" "$PROG" -r - $FAST $*
rc=\$?
after=\$(stty -g)
[ "\$before" = "\$after" ] && echo same >"$W/$name.stty" || echo "\$before / \$after" >"$W/$name.stty"
echo "\$rc" >"$W/$name.exit"
echo "PT-EXITED rc=\$rc"
exec sleep 600
EOS
	chmod +x "$W/$name.sh"
}

# fresh SCRIPT: a new tmux server running SCRIPT (the old one may take a moment to go)
fresh() {
	local i
	tm kill-server 2>/dev/null
	for i in $(seq 20); do
		tm -f /dev/null new-session -d -s pt -x 140 -y 45 "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	t_fatal "tmux new-session"
}

# start NAME: a fresh tmux with the pane's output recorded
start() {
	rm -f "$W/$1.tty" "$W/$1.exit" "$W/$1.pid" "$W/$1.stty"
	fresh "$W/$1.sh"
	tm pipe-pane -o -t pt "cat >>'$W/$1.tty'"
}

# restored NAME DESC: the terminal is as before: stty, no alternate screen, bracketed paste off
restored() {
	wait_file "$W/$1.exit" 10
	t_eq "$2: terminal settings restored" "$(cat "$W/$1.stty" 2>/dev/null)" same
	t_eq "$2: alternate screen left" "$(tm display-message -p -t pt '#{alternate_on}')" 0
	sleep 0.2
	t_eq "$2: bracketed paste off" "$(grep -ao $'\033\\[?2004[hl]' "$W/$1.tty" | tail -n 1)" \
		$'\033[?2004l'
}

# --- 1. `cat list | proptrack -r -` in a terminal: the dashboard, keys from the terminal
# the truth through the delegation (both name servers, so a lagging one shows)
wrapper main --log "$W/events.ndjson" example.test
start main
wait_screen "-r - with a terminal: the dashboard runs" 15 grep -q "all 2 resolvers serve the truth"
t_check "bracketed paste is on for the whole session" grep -q $'\033\\[?2004h' "$W/main.tty"

# --- 2. a paste into the main view: the panel opens with it, no key fires
# both through the lab resolver named in resolv.conf: the lab's zone has the first
NAME_OK="mx-new.example.test" WANT_OK="127.53.10.2" NAME_BAD="nosuch.invalid.example.test"
cat >"$W/mixed.txt" <<EOF
$R3 quad9-like q
q
p
# a comment
nameserver $R4
this is not a resolver
$NAME_OK Lab web host (never answers)
$NAME_BAD
999.1.1.1
$R1 duplicate of a tracked one
EOF
tm load-buffer -b mixed "$W/mixed.txt"
tm paste-buffer -p -b mixed -t pt
wait_screen "a paste in the main view opens the paste panel" 5 grep -q "Add resolvers"
wait_screen "rejected lines at once, with their numbers and reasons" 5 python3 -c '
import sys
s = sys.stdin.read()
want = ["line 2: not an address: \x27q\x27", "line 3: not an address: \x27p\x27",
        "line 6: not an address: \x27this\x27", "line 9: not an address: \x27999.1.1.1\x27"]
sys.exit(0 if all(w in s for w in want) else 1)'
wait_screen "the host name resolves in the background: its line says to what" 10 \
	grep -qF "line 7: ${NAME_OK} is ${WANT_OK}"
wait_screen "the unresolvable one: its line number and why" 10 \
	grep -qE "line 8: cannot resolve ${NAME_BAD//./\\.}: "
wait_screen "every line accounted for: 4 entries (1 tracked), 5 rejected, 10 lines" 5 \
	grep -qE "4 entries \(1 already tracked\) . 2 host names \(resolved\) . 5 rejected . 10 lines"
t_eq "nothing quit" "$(cat "$W/main.exit" 2>/dev/null)" ""
# a paste while the panel is open adds to it
printf '%s  Lab dnsmasq pasted later\n' "$LAB_DNSMASQ" >"$W/more.txt"
tm load-buffer -b more "$W/more.txt"
tm paste-buffer -p -b more -t pt
wait_screen "a second paste adds to the panel" 5 grep -qE "5 entries \(1 already tracked\).* 11 lines"
screen_now >"$W/panel.txt"
tm send-keys -t pt C-d
wait_screen "Ctrl-D adds them" 10 grep -qE "added 4 resolvers, 1 already tracked, 5 lines rejected"
wait_screen "the pasted resolvers are in the table" 10 python3 -c '
import sys
s = sys.stdin.read()
sys.exit(0 if all(w in s for w in ("quad9-like q", "Lab dnsmasq pasted later", "Lab web host"))
         else 1)'
wait_screen "6 resolvers" 5 grep -qE " 6 resolvers "

# --- 3. details of the resolver that never answers
tm send-keys -t pt / 'Lab web host' Enter
wait_screen "filter selects it" 5 grep -q 'filter:"Lab web host" 1/6'
wait_screen "it never answers (timeout)" 10 grep -qE "Lab web host.* timeout "
tm send-keys -t pt Enter
wait_screen "details: the last try and that it never answered" 5 \
	grep -qE "last try +(no reply|unreachable)"
wait_screen "details: never answered" 3 grep -qE "answered +never"
wait_screen "details: a timeline of the session" 3 grep -q "Timeline (the last"
screen_now >"$W/details.txt"
t_check "details: no RTT or reply time invented" bash -c \
	"! grep -qE 'RTT +[0-9]|reply +[0-9]+s ago|reply +just now' '$W/details.txt'"
t_check "details: the history has its first status" \
	grep -qE "timeout +first +(timeout|unreachable)" "$W/details.txt"
tm send-keys -t pt Escape

# --- 4. x removes it, u puts it back
tm send-keys -t pt x
wait_screen "x removes it (and says u undoes)" 5 grep -q "removed Lab web host.*(u undoes)"
wait_screen "gone from the table" 5 grep -q 'filter:"Lab web host" 0/5'
tm send-keys -t pt u
wait_screen "u puts it back" 5 grep -q "put back Lab web host"
wait_screen "back in the table" 5 grep -q 'filter:"Lab web host" 1/6'
tm send-keys -t pt Escape

# --- 5. 60 columns and a lagging secondary: the header keeps what matters
lab_set_mx "$LAB_MX_NEW" || t_fatal "lab_set_mx"
tm send-keys -t pt r
tm resize-window -t pt -x 60 -y 20
wait_screen "60 columns: the truth's serial" 10 grep -qE "^example.test. MX . truth: auth.* $LAB_SERIAL"
wait_screen "60 columns: the lagging secondary is named" 10 grep -qE "^auth: ns2 $LAB_SERIAL0 lagging"
tm resize-window -t pt -x 140 -y 45

# --- 6. q: restored terminal, the exit summary on it
tm send-keys -t pt q
restored main "q"
wait_screen "the exit summary on the restored terminal" 5 python3 -c '
import sys
s = sys.stdin.read()
sys.exit(0 if "proptrack: example.test. MX, watched for" in s and "  truth: authoritative serial" in s
         and "  6 resolvers: " in s and "not converged" in s and "still serving an old answer" in s
         else 1)'
screen_now >"$W/summary.txt"
t_check "--log: whole lines, start first, end last" python3 -c '
import json, sys
ev = [json.loads(l)["event"] for l in open(sys.argv[1], encoding="utf-8")]
assert ev[0] == "start" and ev[-1] == "end", ev' "$W/events.ndjson"

# --- 7. signals that end it, and Ctrl-Z: the terminal is restored
wrapper sig --auth "$LAB_PRIMARY" example.test
start sig
wait_screen "dashboard up for Ctrl-\\" 15 grep -qE "^[A-Z ] Lab unbound 2 "
tm send-keys -t pt 'C-\'
restored sig "Ctrl-\\ (SIGQUIT)"
t_eq "Ctrl-\\: it ends as SIGQUIT ends it" "$(cat "$W/sig.exit")" 131

start sig
wait_screen "dashboard up for SIGUSR1" 15 grep -qE "^[A-Z ] Lab unbound 2 "
kill -USR1 "$(cat "$W/sig.pid")"
restored sig "SIGUSR1"
t_eq "SIGUSR1: it ends as SIGUSR1 ends it" "$(cat "$W/sig.exit")" 138

start sig
wait_screen "dashboard up for Ctrl-Z" 15 grep -qE "^[A-Z ] Lab unbound 2 "
tm send-keys -t pt C-z
sleep 0.5
t_eq "Ctrl-Z: the alternate screen is left while stopped" \
	"$(tm display-message -p -t pt '#{alternate_on}')" 0
t_eq "Ctrl-Z: bracketed paste off while stopped" \
	"$(grep -ao $'\033\\[?2004[hl]' "$W/sig.tty" | tail -n 1)" $'\033[?2004l'
kill -CONT "$(cat "$W/sig.pid")" "$(cat "$W/sig.wrapper")"
wait_screen "continued: the dashboard is back" 5 grep -qE "^[A-Z ] Lab unbound 2 "
t_eq "continued: bracketed paste on again" \
	"$(grep -ao $'\033\\[?2004[hl]' "$W/sig.tty" | tail -n 1)" $'\033[?2004h'
tm send-keys -t pt q
restored sig "after Ctrl-Z and q"
t_check "after Ctrl-Z, q exits with a verdict's status (0 or 1)" grep -qxE "0|1" "$W/sig.exit"

# --- 8. standard output a terminal but no terminal for keys (no controlling terminal, stdin
# not one): the text mode, as without a terminal
cat >"$W/notty.sh" <<EOS
#!/bin/bash
setsid -w "$PROG" $FAST -s "$R1" --auth "$LAB_PRIMARY" example.test </dev/null
echo "PT-EXITED rc=\$?"
exec sleep 600
EOS
chmod +x "$W/notty.sh"
fresh "$W/notty.sh"
wait_screen "no terminal to read keys from: the table, as --once" 15 \
	python3 -c '
import re, sys
s = sys.stdin.read()
sys.exit(0 if re.search(r"^1 resolver: 1 (match|differ)", s, re.M) and "PT-EXITED rc=" in s else 1)'

echo "--- the paste panel:"
sed 's/^/  | /' "$W/panel.txt"
echo "--- details of the resolver that never answered:"
sed 's/^/  | /' "$W/details.txt"
echo "--- the exit summary:"
grep -A12 "^proptrack: " "$W/summary.txt" | sed 's/^/  | /'
tm kill-server 2>/dev/null
t_finish
