#!/bin/bash
# End-to-end test of the text people read (issue 10) against the loopback lab:
#   - the --once table fits 80 columns when not a terminal (a long MX set ends in "…", the
#     JSON has it whole), and the terminal's width when it is one;
#   - --until-converged in table format prints a progress line when the counts change, the
#     last one CONVERGED, and says when --max-wait ended it;
#   - --diagnose through 42 resolvers (one unbound listening on 42 loopback addresses, so
#     every one holds the old MX after a change): the propagation message names a few and
#     says how many more ("... and 39 more"), never cut in the middle of a word, in the JSON
#     and the table alike; the JSON data lists all 42; failures come first, passes only with
#     --verbose; while it works, stderr on a terminal says so (tmux), and the line is gone
#     when it is done.
# PROG is the binary under test (run.sh exports it). Only loopback traffic.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lab.sh
source "$here/lab.sh"
# shellcheck source=tests/e2e/assert.sh
source "$here/assert.sh"
lab_isolate "$@"
lab_trap

export LAB_MX_TTL=5
export LANG=C.UTF-8 LC_ALL=C.UTF-8
t_need_prog
command -v tmux >/dev/null || t_fatal "tmux is not installed"

lab_start 4 || t_fatal "lab_start"
W=$LAB_DIR/t_text
mkdir -p "$W"
SOCK=$W/tmux.sock
tm() { tmux -S "$SOCK" "$@"; }
trap 'st=$?; tm kill-server 2>/dev/null; lab__on_exit $st' EXIT
FAST=(--timeout 500 --retries 0)
ALL=$W/all.txt
lab_resolvers_file "$ALL" --all
LIST=$W/list.txt
lab_resolvers_file "$LIST"

# widest PATH FROM: the widest line (in cells) of PATH from the first line matching FROM on
widest() {
	python3 -c '
import sys, re
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
start = next((i for i, l in enumerate(lines) if re.search(sys.argv[2], l)), 0)
print(max((len(l) for l in lines[start:]), default=0))' "$1" "$2"
}

# --- 1. the --once table fits 80 columns; the JSON has the long answer whole
LONG="10 mx-with-a-rather-long-name-for-a-table-row.example.test.; 20 mx-new.example.test."
lab_set_mx "$LONG" || t_fatal "lab_set_mx"
lab_sync_secondary || t_fatal "lab_sync_secondary"
"$PROG" --once "${FAST[@]}" -r "$ALL" --auth "$LAB_PRIMARY" example.test >"$W/table.txt" 2>&1
t_le "--once table, not a terminal: rows and summary within 80 columns" \
	"$(widest "$W/table.txt" '^RESOLVER')" 80
t_check "a long answer ends in an ellipsis" grep -q $'  10 mx-with-a-rather-long-.*\xe2\x80\xa6$' \
	"$W/table.txt"
t_check "status and TTL columns are kept" grep -qE '^RESOLVER .*STATUS +TTL .*ANSWER' "$W/table.txt"
t_check "every resolver has its row" bash -c "[ \$(grep -cE '^Lab ' '$W/table.txt') -eq 7 ]"
t_check "the summary says 7 resolvers" grep -qE '^7 resolvers: ' "$W/table.txt"
"$PROG" --once --format json "${FAST[@]}" -r "$LIST" --auth "$LAB_PRIMARY" example.test \
	>"$W/table.json" 2>/dev/null
t_eq "the JSON has the whole answer" \
	"$(python3 "$here/jget.py" "$W/table.json" 'd["resolvers"][0]["answer"]')" \
	'["10 mx-with-a-rather-long-name-for-a-table-row.example.test.", "20 mx-new.example.test."]'
# a terminal of 100 columns: the table takes them
cat >"$W/once.sh" <<EOS
#!/bin/bash
"$PROG" --once --no-color ${FAST[*]} -r "$ALL" --auth "$LAB_PRIMARY" example.test
echo "PT-EXITED rc=\$?"
exec sleep 600
EOS
chmod +x "$W/once.sh"
tm -f /dev/null new-session -d -s pt -x 100 -y 40 "$W/once.sh" || t_fatal "tmux new-session"
wait_screen "--once on a 100-column terminal ends" 15 grep -q "PT-EXITED"
tm capture-pane -p -J -t pt >"$W/once-100.txt"
t_le "--once table on a 100-column terminal: within 100 columns" \
	"$(widest "$W/once-100.txt" '^RESOLVER')" 100
t_check "... and wider than 80 (it uses the room)" \
	bash -c "[ \$(python3 -c 'import sys; print(max(len(l) for l in open(sys.argv[1]).read().splitlines()))' '$W/once-100.txt') -gt 80 ]"
tm kill-server 2>/dev/null

# --- 2. --until-converged in table format: progress lines
lab_set_mx "$LAB_MX_OLD" || t_fatal "lab_set_mx"
lab_sync_secondary || t_fatal "lab_sync_secondary"
for r in "${LAB_RESOLVERS[@]}"; do lab_prime "$r" MX "$LAB_ZONE"; done
lab_set_mx "$LAB_MX_NEW" || t_fatal "lab_set_mx"
lab_sync_secondary || t_fatal "lab_sync_secondary"
timeout 40 "$PROG" --until-converged --max-wait 30s "${FAST[@]}" --interval 0.5 --max-interval 1 \
	-r "$LIST" --auth "$LAB_PRIMARY" example.test >"$W/until.txt" 2>"$W/until.err"
t_eq "--until-converged: converged, exit 0" "$?" 0
t_check "a progress line while old answers are cached" \
	grep -qE '^\[[0-9]+s\] 4 resolvers: .*differ.* - not converged \(.*differ' "$W/until.txt"
t_check "the last progress line says CONVERGED" bash -c \
	"grep -E '^\[' '$W/until.txt' | tail -n 1 | grep -qE '^\[[0-9]+s\] 4 resolvers: 4 match - CONVERGED$'"
n=$(grep -cE '^\[' "$W/until.txt")
t_le "progress lines only when the counts change (at most one a second)" "$n" 12
t_check "then the table" grep -qE '^4 resolvers: 4 match - CONVERGED$' "$W/until.txt"
# --max-wait ends it: said so
for r in "${LAB_RESOLVERS[@]}"; do lab_prime "$r" MX "$LAB_ZONE"; done
lab_set_mx "$LAB_MX_OLD" || t_fatal "lab_set_mx"
lab_sync_secondary || t_fatal "lab_sync_secondary"
timeout 30 "$PROG" --until-converged --max-wait 2s "${FAST[@]}" -r "$LIST" --auth "$LAB_PRIMARY" \
	example.test >"$W/maxwait.txt" 2>&1
t_eq "--max-wait 2s while old answers are cached: exit 1" "$?" 1
t_check "--max-wait: said that it ended the wait" \
	grep -qE '^\[[0-9]+s\] --max-wait 2s reached: giving up$' "$W/maxwait.txt"
t_check "--format json prints no progress lines" bash -c \
	"timeout 30 '$PROG' --until-converged --max-wait 1s --format json ${FAST[*]} -r '$LIST' \
	 --auth '$LAB_PRIMARY' example.test 2>/dev/null | python3 -c 'import json,sys; json.load(sys.stdin)'"

# --- 3. --diagnose through 42 resolvers
# one unbound on 127.53.20.1-42: one cache, 42 addresses
lab__unbound_conf many 127.53.20.1 allow
for i in $(seq 2 42); do
	sed -i "s/^  interface: 127.53.20.1$/&\n  interface: 127.53.20.$i/" "$LAB_DIR/many/unbound.conf"
done
lab__spawn many unbound -d -c "$LAB_DIR/many/unbound.conf"
lab__wait_ready many 127.53.20.1 TXT version.server CH || t_fatal "unbound on 42 addresses"
lab__wait_ready many 127.53.20.42 TXT version.server CH || t_fatal "unbound on 42 addresses"
MANY=$W/many.txt
for i in $(seq 1 42); do
	printf '127.53.20.%d  Lab resolver number %d with a long label [lab]\n' "$i" "$i"
done >"$MANY"
lab_prime 127.53.20.1 MX "$LAB_ZONE" || t_fatal "priming"
lab_set_mx "$LAB_MX_NEW" || t_fatal "lab_set_mx"
lab_sync_secondary || t_fatal "lab_sync_secondary"
timeout 60 "$PROG" --diagnose --format json "${FAST[@]}" -r "$MANY" --auth "$LAB_PRIMARY" \
	example.test >"$W/diag.json" 2>"$W/diag.err"
t_check "42 resolvers: the propagation message is summarised, whole words, the data has all 42" \
	python3 - "$W/diag.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
c = next(c for c in d["checks"] if c["id"] == "propagation")
m = c["message"]
assert c["status"] == "warn", c
assert len(m.encode()) < 399, len(m.encode())
assert "\u2026" not in m, m
assert " more; the last expires by " in m, m
assert "0 of 42 resolvers serve the current MX" in m, m
assert "42 still serve an older answer (10 mx-old.example.test.): Lab resolver number 1 with" in m, m
assert len(c["data"]["resolvers"]) == 42, len(c["data"]["resolvers"])
for ch in d["checks"]:
    for k in ("message", "fix"):
        # no field ends inside a word: a cut one ends in an ellipsis after a whole word
        t = ch[k]
        assert len(t.encode()) < 399 or t.endswith("\u2026"), (ch["id"], t)
print("  # " + m)
PY
"$PROG" --diagnose "${FAST[@]}" -r "$MANY" --auth "$LAB_PRIMARY" example.test >"$W/diag.txt" 2>&1
t_le "the diagnosis table fits 80 columns" "$(widest "$W/diag.txt" '^MX diagnosis')" 80
t_check "the table has the same message, wrapped at word boundaries" python3 - "$W/diag.json" \
	"$W/diag.txt" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
m = next(c for c in d["checks"] if c["id"] == "propagation")["message"]
t = open(sys.argv[2], encoding="utf-8").read()
# the lines under "warn propagation", joined again
block = t.split("propagation", 1)[1].split("\n", 1)[1]
lines = []
for l in block.splitlines():
    if not l.startswith("       ") or l.strip().startswith("fix:"):
        break
    lines.append(l.strip())
joined = " ".join(lines)
# the expiry time differs between the two runs; compare the rest
strip = lambda s: re.sub(r"\d{4}-\d\d-\d\dT\S+Z \(in \d+s\)", "T", s)
assert strip(joined) == strip(m), (joined, m)
PY
t_check "failures first (the SMTP probe of the lab's MX hosts is refused)" \
	bash -c "grep -E '^(fail|warn|pass|skip) ' '$W/diag.txt' | head -n 1 | grep -q '^fail '"
t_check "warnings after the failures, no pass listed without --verbose" bash -c \
	"! grep -qE '^(pass|skip) ' '$W/diag.txt' && grep -qE '^warn +propagation' '$W/diag.txt' &&
	 grep -q -- '--verbose lists them' '$W/diag.txt'"
"$PROG" --diagnose --verbose "${FAST[@]}" -r "$MANY" --auth "$LAB_PRIMARY" example.test \
	>"$W/diag-verbose.txt" 2>&1
t_check "--verbose lists the passes, after the warnings" python3 - "$W/diag-verbose.txt" <<'PY'
import re, sys
st = [l.split()[0] for l in open(sys.argv[1], encoding="utf-8") if re.match(r"(fail|warn|pass|skip) ", l)]
rank = {"fail": 0, "warn": 1, "pass": 2, "skip": 3}
assert "pass" in st and st == sorted(st, key=rank.get), st
PY

# --- 4. --diagnose on a terminal says that it works (a silent resolver makes it take a while)
cat >"$W/diag.sh" <<EOS
#!/bin/bash
"$PROG" --diagnose --timeout 1500 --retries 1 -s "$LAB_SILENT, ${LAB_RESOLVERS[0]}" \
	--auth "$LAB_PRIMARY" example.test >"$W/diag-tty.txt"
echo "PT-EXITED rc=\$?"
exec sleep 600
EOS
chmod +x "$W/diag.sh"
tm -f /dev/null new-session -d -s pt -x 120 -y 20 "$W/diag.sh" || t_fatal "tmux new-session"
wait_screen "--diagnose on a terminal: progress on stderr" 5 \
	grep -qE "diagnosing example.test.: asking its name servers, the parent zone and 2 resolvers"
wait_screen "--diagnose ends" 20 grep -q "PT-EXITED"
t_check "the progress line is gone when it is done" \
	bash -c "! tmux -S '$SOCK' capture-pane -p -t pt | grep -q diagnosing"
t_check "the table went to stdout" grep -q "^MX diagnosis for example.test." "$W/diag-tty.txt"
t_check "stdout has no progress line" bash -c "! grep -q diagnosing '$W/diag-tty.txt'"
t_check "stderr not a terminal: no progress line" bash -c "! grep -q diagnosing '$W/diag.err'"
tm kill-server 2>/dev/null
t_finish
