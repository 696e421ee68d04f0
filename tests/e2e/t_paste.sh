#!/bin/bash
# End-to-end test of the dashboard's resolver editing in a real terminal (tmux) against the
# loopback lab: `p` opens the paste panel with bracketed paste on; a real paste
# (`tmux paste-buffer -p`) of a list mixing formats and bad lines shows its counts and the
# rejected line numbers as it arrives; Ctrl-D adds the new resolvers (the tracked one is
# skipped) and they answer in the table; `x` removes one; `w` writes the list, refuses to
# overwrite without `y`, and proptrack reads the file back to the same addresses; `d` shows
# the MX diagnosis; a lone Esc cancels; bracketed paste is off again after exit.
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

lab_start 4 || t_fatal "lab_start"
W=$LAB_DIR/t_paste
mkdir -p "$W"
SOCK=$W/tmux.sock
tm() { tmux -S "$SOCK" "$@"; }
trap 'st=$?; tm kill-server 2>/dev/null; lab__on_exit $st' EXIT

R1=${LAB_RESOLVERS[0]} R2=${LAB_RESOLVERS[1]} R3=${LAB_RESOLVERS[2]} R4=${LAB_RESOLVERS[3]}
cat >"$W/run.sh" <<EOS
#!/bin/bash
cd "$W"
"$PROG" -s "$R1,$R2" --auth "$LAB_PRIMARY" example.test
rc=\$?
echo "\$rc" >"$W/exit"
echo "PT-EXITED rc=\$rc"
exec sleep 600
EOS
chmod +x "$W/run.sh"

# table_addresses: the ADDRESS column of every table row on the screen, sorted
table_addresses() {
	screen_now | python3 -c '
import re, sys
lines = sys.stdin.read().splitlines()
start = next((i for i, l in enumerate(lines) if "ADDRESS" in l and "STATUS" in l), None)
col = lines[start].index("ADDRESS") if start is not None else 0
out = []
for l in lines[start + 1:] if start is not None else []:
    m = re.match(r"\S+", l[col:])
    if m and re.match(r"^[0-9a-f.:]+$", m.group(0)):
        out.append(m.group(0))
print("\n".join(sorted(out)))'
}

tm -f /dev/null new-session -d -s pt -x 160 -y 45 "$W/run.sh" || t_fatal "tmux new-session"
# every byte the program writes to the terminal, to see the bracketed-paste mode switches
tm pipe-pane -o -t pt "cat >>'$W/tty.out'"

wait_screen "two resolvers from -s match" 15 grep -q "all 2 resolvers serve the truth"

# --- 1. p: the paste panel, a real bracketed paste
cat >"$W/list.txt" <<EOF
# resolvers to add
$R3
nameserver $R4
[$LAB_DNSMASQ]:53 Lab dnsmasq
$R1#53
ip_address,name,country_code
$LAB_REFUSER,Lab refuser csv,ZZ
999.1.1.1
1.2.3.4:70000
@@ garbage %%
localhost. Loopback host
EOF
tm send-keys -t pt p
wait_screen "p opens the paste panel" 5 grep -q "Add resolvers"
sleep 0.3
t_check "bracketed paste is on" \
	grep -q $'\033\\[?2004h' "$W/tty.out"
tm load-buffer -b list "$W/list.txt"
tm paste-buffer -p -b list -t pt
wait_screen "counts: 6 entries (the host name resolved), 1 already tracked, 3 rejected" 5 \
	grep -qE "6 entries \(1 already tracked\).*1 host name \(resolved\).*3 rejected.*11 lines"
wait_screen "the host name's line says what it resolved to" 3 \
	grep -qE "line 11: localhost\. is 127\.0\.0\.1"
wait_screen "rejected: line 8 (999.1.1.1)" 3 grep -qE "line 8: .*999\.1\.1\.1"
wait_screen "rejected: line 9 (port 70000)" 3 grep -qE "line 9: .*70000"
wait_screen "rejected: line 10 (garbage)" 3 grep -qE "line 10: "
n=$(screen_now | grep -c "Lab unbound\|Lab dnsmasq" || true)
t_eq "the paste did not act as keys (no q, no table changes)" "$(cat "$W/exit" 2>/dev/null)" ""
screen_now >"$W/paste-panel.txt"

# typed lines: Enter, Backspace
tm send-keys -t pt '127.53.9.9x' BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace \
	BSpace BSpace BSpace
wait_screen "typing and Backspace keep the counts" 3 grep -qE "6 entries \(1 already tracked\)"

# --- 2. Ctrl-D adds them; the new ones answer
tm send-keys -t pt C-d
wait_screen "Ctrl-D closes the panel and says what was added" 10 \
	grep -qE "added 5 resolvers, 1 already tracked, 3 lines rejected"
wait_screen "$R3 answers and matches" 10 grep -qE "$R3 +match"
wait_screen "$R4 (nameserver line) matches" 10 grep -qE "$R4 +match"
wait_screen "dnsmasq ([addr]:53 label) matches" 10 grep -qE "Lab dnsmasq.*$LAB_DNSMASQ +match"
wait_screen "CSV row (refuser) shows refused" 10 grep -qE "Lab refuser csv.*$LAB_REFUSER +refused"
wait_screen "localhost resolved to 127.0.0.1: nothing listens, timeout" 15 \
	grep -qE "Loopback host.*127\.0\.0\.1 +timeout"
n=$(screen_now | grep -cE " $R1 " || true)
t_eq "$R1 (already tracked) not added twice" "$n" 1
wait_screen "7 resolvers in the table" 5 grep -qE " 7 resolvers "

# --- 3. x removes the selected resolver
tm send-keys -t pt / "$R4" Enter
wait_screen "filter selects $R4" 5 grep -q "filter:\"$R4\" 1/7"
tm send-keys -t pt x
wait_screen "x says what it removed" 5 grep -qE "removed .*$R4 port 53"
tm send-keys -t pt Escape
wait_screen "$R4 is gone from the table" 5 bash -c "! grep -qE ' $R4 '"
wait_screen "6 resolvers left" 5 grep -qE " 6 resolvers "

# --- 4. w writes the list; no overwrite without y
OUT=$W/written.txt
tm send-keys -t pt w
wait_screen "w asks for a file name" 5 grep -q "write the tracked resolvers to file:"
tm send-keys -t pt "$OUT" Enter
wait_screen "w reports the write" 5 grep -qE "wrote 6 resolvers to .*written.txt"
t_check "the file exists" test -s "$OUT"
want=$(table_addresses)
got=$("$PROG" --once --format json -r "$OUT" --auth "$LAB_PRIMARY" example.test |
	python3 -c 'import json,sys; print("\n".join(sorted(r["address"] for r in json.load(sys.stdin)["resolvers"])))')
t_eq "--once -r FILE reads back the table's addresses" "$got" "$want"
t_eq "six addresses" "$(echo "$got" | grep -c .)" 6
t_check "no temporary file left" bash -c "[ \$(ls '$W' | grep -c 'written.txt.') -eq 0 ]"
before=$(cat "$OUT")
tm send-keys -t pt w
tm send-keys -t pt "$OUT" Enter
wait_screen "an existing file asks before overwriting" 5 grep -q "exists. Overwrite it? (y/N)"
tm send-keys -t pt n
wait_screen "anything but y keeps it" 5 grep -q "not written: .*kept as it was"
t_eq "file unchanged" "$(cat "$OUT")" "$before"
tm send-keys -t pt w
tm send-keys -t pt "$OUT" Enter
wait_screen "asks again" 5 grep -q "exists. Overwrite it? (y/N)"
tm send-keys -t pt y
wait_screen "y overwrites" 5 grep -qE "wrote 6 resolvers to .*written.txt"
tm send-keys -t pt w
tm send-keys -t pt "$W/no/such/dir/x.txt" Enter
wait_screen "a write error shows in the status line" 5 grep -q "cannot write .*No such file"

# --- 5. d: the MX diagnosis panel
tm send-keys -t pt d
wait_screen "d opens the diagnosis panel" 5 grep -q "MX diagnosis"
# (failures come first: the lab refuses SMTP; the passes may be below the panel's fold)
wait_screen "checks are listed (smtp-reachable)" 30 grep -qE "FAIL +smtp-reachable +127\.53\."
wait_screen "summary line" 5 grep -qE "MX diagnosis of example.test.: [0-9]+ pass"
screen_now >"$W/diag-panel.txt"
tm send-keys -t pt Escape
wait_screen "Esc closes the diagnosis" 5 bash -c '! grep -q "MX diagnosis"'

# --- 6. Esc cancels a paste; keys work again
tm send-keys -t pt p
wait_screen "p again" 5 grep -q "Add resolvers"
tm send-keys -t pt '10.0.0.1' Enter
wait_screen "typed line counted" 3 grep -qE "1 entry"
tm send-keys -t pt Escape
wait_screen "a lone Esc cancels" 5 bash -c '! grep -q "Add resolvers"'
wait_screen "and says so" 1 grep -q "paste cancelled"
n=$(screen_now | grep -c "10\.0\.0\.1" || true)
t_eq "nothing added by the cancelled paste" "$n" 0

# --- 7. a hostile 10,000-line paste: the screen keeps updating, nothing breaks
python3 - "$W/big.txt" <<'PY'
import sys
with open(sys.argv[1], "wb") as f:
    f.write(b"ip,name\r\n")                                  # CSV header, CRLF line ends
    for i in range(10000):
        f.write(b"127.54.%d.%d,r%d \xc3\xa9t\xc3\xa9\r\n" % (i // 250, i % 250 + 1, i))
    f.write(b"x" * (1 << 20) + b"\r\n")                      # a 1 MiB line
    f.write(b"1.1.1.1\x00\x01\x02\xff\xfe binary\r\n")       # NUL and garbage
    f.write(b"fe80::1%lo zone id\r\n")                       # IPv6 with a zone id
    f.write(b"127.54.0.1 duplicate\r\n")
    f.write(b"8.8.8.8:0 bad port\r\n")
PY
tm send-keys -t pt p
wait_screen "p opens the panel" 5 grep -q "Add resolvers"
tm load-buffer -b big "$W/big.txt"
t0=$(lab_now_ms)
tm paste-buffer -p -b big -t pt
seen_partial=0
deadline=$((t0 + 20000))
while [ "$(lab_now_ms)" -lt "$deadline" ]; do
	s=$(screen_now)
	if echo "$s" | grep -qE "^.*[0-9]+ entries" && ! echo "$s" | grep -q "10006 lines"; then
		seen_partial=1
	fi
	echo "$s" | grep -q "10006 lines" && ! echo "$s" | grep -qE "receiving|reading" && break
	sleep 0.05
done
t1=$(lab_now_ms)
wait_screen "10,000-line paste: all lines counted" 1 grep -qE "10001 entries.* 10006 lines"
wait_screen "the 1 MiB line is rejected with its line number" 1 grep -qE "line 10002: line too long"
wait_screen "the NUL line is rejected" 1 grep -qE "line 10003: .*NUL"
wait_screen "out-of-range port rejected" 1 grep -qE "line 10006: "
wait_screen "the duplicate is counted" 1 grep -qE "1 duplicate"
t_le "parsed within 15 s" $((t1 - t0)) 15000
t_note "10,000-line paste parsed in $((t1 - t0)) ms (partial counts seen while arriving: $seen_partial)"
screen_now >"$W/big-panel.txt"
tm send-keys -t pt Escape
wait_screen "Esc cancels the big paste" 5 bash -c '! grep -q "Add resolvers"' 
wait_screen "the table is as before (6 resolvers)" 5 grep -qE " 6 resolvers "

# garbage applied: only the good line is added
printf 'garbage! \001\002\n\xff\xfe\n%s  Lab unbound again\n999.999.1.1\n' "$R4" >"$W/garbage.txt"
tm send-keys -t pt p
wait_screen "p opens the panel" 5 grep -q "Add resolvers"
tm load-buffer -b garbage "$W/garbage.txt"
tm paste-buffer -p -b garbage -t pt
wait_screen "1 entry, 3 rejected" 5 grep -qE "1 entry .* 3 rejected"
tm send-keys -t pt C-d
wait_screen "only the good line was added" 5 grep -qE "added 1 resolver, 3 lines rejected"
wait_screen "7 resolvers" 5 grep -qE " 7 resolvers "
wait_screen "$R4 is back and matches" 10 grep -qE "$R4 +match"

# --- 8. q exits; bracketed paste is off
tm send-keys -t pt q
wait_file "$W/exit"
t_check "exited" test -e "$W/exit"
sleep 0.3
last=$(grep -ao $'\033\\[?2004[hl]' "$W/tty.out" | tail -n 1)
t_eq "bracketed paste off at the end" "$last" $'\033[?2004l'
t_eq "bracketed paste switched on once, for the whole session" \
	"$(grep -ao $'\033\\[?2004h' "$W/tty.out" | wc -l)" 1

echo "--- paste panel:"
sed 's/^/  | /' "$W/paste-panel.txt"
echo "--- 10,000-line paste:"
sed 's/^/  | /' "$W/big-panel.txt"
echo "--- diagnosis panel:"
sed 's/^/  | /' "$W/diag-panel.txt"
tm kill-server 2>/dev/null
t_finish
