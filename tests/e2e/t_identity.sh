#!/bin/bash
# End-to-end test of what each resolver is (issue 15): NSID on every reply (text and hex),
# the CH TXT id.server / hostname.bind identity asked once on first contact, the site in
# the JSON, CSV, NDJSON, the --once table (SITE column) and the dashboard (SITE column, details, legend grouping one
# label's sites), and stale answers (RFC 8767): unbound with serve-expired whose name
# servers are stopped answers with EDE 3 (--once) and, without EDE, with the short stale
# TTL after the answer should have expired (the NDJSON stream).
set -u
# shellcheck source-path=SCRIPTDIR
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab.sh
source "$here/lab.sh"
# shellcheck source=assert.sh
source "$here/assert.sh"
lab_isolate "$@"
lab_trap

PROG=${PROG:-$here/../../proptrack}
[ -x "$PROG" ] || t_fatal "proptrack binary '$PROG' is missing"
export LAB_MX_TTL=4
lab_start 1 || t_fatal "lab_start"
W=$LAB_DIR/t_identity
mkdir -p "$W"

ID_A=127.53.5.1 # nsid text, identity FRA
ID_B=127.53.5.2 # nsid hex (not printable), identity ams-2
STALE_EDE=127.53.5.3 # serve-expired with EDE 3
STALE_TTL=127.53.5.4 # serve-expired without EDE: only the short TTL tells

# extra NAME ADDR LINES...: an unbound of the lab with more server: settings.
extra() {
	local name=$1 addr=$2
	shift 2
	lab__unbound_conf "$name" "$addr" allow
	{
		printf 'server:\n'
		printf '  %s\n' "$@"
	} >>"$LAB_DIR/$name/unbound.conf"
	lab__spawn "$name" unbound -d -c "$LAB_DIR/$name/unbound.conf"
}
extra idA "$ID_A" 'nsid: "ascii_lab-fra-1"' 'identity: "FRA"' 'hide-identity: no'
extra idB "$ID_B" 'nsid: "0102ff"' 'identity: "ams-2"' 'hide-identity: no'
extra staleE "$STALE_EDE" 'serve-expired: yes' 'serve-expired-reply-ttl: 2' 'ede: yes' \
	'ede-serve-expired: yes'
extra staleT "$STALE_TTL" 'serve-expired: yes' 'serve-expired-reply-ttl: 2'
for n in idA:$ID_A idB:$ID_B staleE:$STALE_EDE staleT:$STALE_TTL; do
	lab__wait_ready "${n%%:*}" "${n#*:}" TXT version.server CH || t_fatal "${n%%:*} did not start"
done

j() { /usr/bin/python3 "$here/jget.py" "$1" "${@:2}"; }

# --- NSID and CH TXT identity, --once JSON
printf '%s Lab\n%s Lab\n%s Plain\n' "$ID_A" "$ID_B" "${LAB_RESOLVERS[0]}" >"$W/ids.txt"
timeout 20 "$PROG" --once --format json -r "$W/ids.txt" --auth "$LAB_PRIMARY" \
	--log "$W/ids.log" example.test MX >"$W/ids.json" 2>"$W/ids.err"
t_eq "identity --once: exit" "$?" 0
t_eq "nsid text and hex" "$(j "$W/ids.json" 'res("'$ID_A'")["nsid"]' 'res("'$ID_B'")["nsid"]')" \
	"$(printf 'lab-fra-1\n0102ff')"
# id.server named it: hostname.bind is not asked (one question fewer per resolver)
t_eq "id.server answered; hostname.bind not asked after it" \
	"$(j "$W/ids.json" 'res("'$ID_B'")["id_server"]' 'res("'$ID_B'").get("hostname_bind")')" \
	"$(printf 'ams-2\nnull')"
t_eq "site: NSID first, raw" "$(j "$W/ids.json" 'res("'$ID_A'")["site"]' 'res("'$ID_B'")["site"]')" \
	"$(printf 'lab-fra-1\n0102ff')"
# a plain unbound has no NSID; its id.server is the host name (identity's default)
P=${LAB_RESOLVERS[0]}
t_eq "no NSID: the site is the id.server answer" \
	"$(j "$W/ids.json" 'res("'"$P"'")["nsid"]' 'res("'"$P"'")["site"] == res("'"$P"'")["id_server"] == "'"$(hostname)"'"')" \
	"$(printf 'null\ntrue')"
t_eq "validated false on an unsigned zone" "$(j "$W/ids.json" 'res("'$ID_A'")["validated"]')" false
# the log's answer events carry the NSID; --replay shows it again
timeout 10 "$PROG" --replay "$W/ids.log" --format json >"$W/replay.json" 2>>"$W/ids.err"
t_eq "--replay: the NSID and the site come back" \
	"$(j "$W/replay.json" 'res("'$ID_A'")["nsid"]' 'res("'$ID_B'")["site"]')" \
	"$(printf 'lab-fra-1\n0102ff')"
# with --rate the identity questions are not asked (they would spend the budget)
timeout 20 "$PROG" --once --format json --rate 50 -r "$W/ids.txt" --auth "$LAB_PRIMARY" \
	example.test MX >"$W/rate.json" 2>>"$W/ids.err"
t_eq "--rate: NSID still, no CH TXT identity" \
	"$(j "$W/rate.json" 'res("'$ID_B'")["nsid"]' 'res("'$ID_B'").get("id_server")')" \
	"$(printf '0102ff\nnull')"
# --no-identity: one question per resolver, the site from the NSID alone
timeout 20 "$PROG" --once --format json --no-identity -r "$W/ids.txt" --auth "$LAB_PRIMARY" \
	example.test MX >"$W/noid.json" 2>>"$W/ids.err"
t_eq "--no-identity: NSID and its site still, no CH TXT identity" \
	"$(j "$W/noid.json" 'res("'$ID_A'")["site"]' 'res("'$ID_B'").get("id_server")' 'res("'"$P"'")["site"]')" \
	"$(printf 'lab-fra-1\nnull\nnull')"
# the CSV carries the site and the NSID too
timeout 20 "$PROG" --once --format csv -r "$W/ids.txt" --auth "$LAB_PRIMARY" \
	example.test MX >"$W/ids.csv" 2>>"$W/ids.err"
t_eq "csv site and nsid" "$(grep -F "$ID_A" "$W/ids.csv" | tr -d '\r' | cut -d, -f11-12)" \
	"lab-fra-1,lab-fra-1"

# the --once table (80 columns, not a terminal): a SITE column, since rows have a site; no
# AD column, since nothing is validated on this unsigned zone
timeout 20 "$PROG" --once -r "$W/ids.txt" --auth "$LAB_PRIMARY" example.test MX \
	>"$W/ids.table" 2>>"$W/ids.err"
t_check "table: a SITE column, no AD column" grep -qE '^RESOLVER .* RTT +SITE +ANSWER' "$W/ids.table"
t_check "table: each row's site" grep -qE "^Lab +$ID_A +.* lab-fra-1 +10 " "$W/ids.table"
t_check "table: the hex NSID as the site" grep -qE "^Lab +$ID_B +.* 0102ff +10 " "$W/ids.table"
t_le "table: within 80 columns" "$(awk 'length > m { m = length } END { print m }' "$W/ids.table")" 80

# --- the dashboard: SITE column (wide terminal), details, legend grouping
if command -v tmux >/dev/null 2>&1; then
	tm() { tmux -L "pt-id-$$" "$@"; }
	tm new-session -d -s pt -x 200 -y 30 \
		"$PROG -r $W/ids.txt --auth $LAB_PRIMARY example.test MX 2>$W/dash.err"
	shot=""
	for _ in $(seq 50); do
		shot=$(tm capture-pane -p -t pt 2>/dev/null)
		case "$shot" in *lab-fra-1*0102ff* | *0102ff*lab-fra-1*) break ;; esac
		sleep 0.1
	done
	t_check "dashboard SITE column" grep -q 'SITE' <<<"$shot"
	t_check "dashboard shows both sites" grep -q 'lab-fra-1' <<<"$shot"
	t_check "legend groups one label's sites" grep -q 'Lab: 2 sites' <<<"$shot"
	tm send-keys -t pt Enter
	sleep 0.5
	shot=$(tm capture-pane -p -t pt 2>/dev/null)
	t_check "details: site line" grep -q 'site:' <<<"$shot"
	tm send-keys -t pt q
	sleep 0.3
	tm kill-server 2>/dev/null
else
	t_note "tmux missing: dashboard checks skipped"
fi

# --- stale answers: prime, stop the name servers, wait past the TTL
for r in "$STALE_EDE" "$STALE_TTL"; do
	lab_answer "$r" MX "$LAB_ZONE" >/dev/null
done
printf '%s staleE\n%s staleT\n' "$STALE_EDE" "$STALE_TTL" >"$W/stale.txt"
# the NDJSON stream sees the fresh answer first, then the stale one
timeout 14 "$PROG" --format ndjson --timeout 800 --retries 0 -r "$W/stale.txt" \
	--auth "$LAB_PRIMARY" example.test MX >"$W/stale.ndjson" 2>"$W/stale.err" &
pt_pid=$!
sleep 1.5
lab_pause primary
lab_pause secondary
lab_pause root
sleep 6
timeout 20 "$PROG" --once --format json --timeout 800 --retries 0 -r "$W/stale.txt" \
	example.test MX >"$W/stale.json" 2>>"$W/stale.err"
t_eq "stale (EDE 3): --once" \
	"$(j "$W/stale.json" 'res("'$STALE_EDE'")["stale"]' 'res("'$STALE_EDE'")["reason"]' \
		'res("'$STALE_EDE'")["ede"][0]["code"]' 'res("'$STALE_EDE'")["ede"][0]["name"]')" \
	"$(printf 'true\nstale\n3\nStale Answer')"
t_check "stale explained" grep -q 'cannot reach' <(j "$W/stale.json" 'res("'$STALE_EDE'")["reason_text"]')
t_eq "stale answer is still the answer" "$(j "$W/stale.json" 'res("'$STALE_EDE'")["answer"]')" \
	"[\"$LAB_MX_OLD\"]"
wait "$pt_pid"
lab_resume root
lab_resume primary
lab_resume secondary
# the TTL rule: staleT gives no EDE, only the stale TTL (2 s) after the 4 s answer expired
got=$(/usr/bin/python3 - "$W/stale.ndjson" "$STALE_TTL" <<'EOF'
import json, sys
seen = []
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event") == "answer" and e.get("address") == sys.argv[2]:
        seen.append((e.get("ttl"), e.get("stale"), len(e.get("ede", []))))
fresh = any(s is False and t is not None and t > 2 for t, s, _ in seen)
stale = any(s is True and n == 0 for _, s, n in seen)
print("fresh-then-stale" if fresh and stale else "seen %r" % seen)
EOF
)
t_eq "stale by TTL (no EDE): NDJSON answer events" "$got" "fresh-then-stale"
t_check "stale in the NDJSON with EDE too" grep -q '"stale": true' "$W/stale.ndjson"

t_finish
