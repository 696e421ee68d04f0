#!/bin/bash
# Transport and pacing options against the lab: a truncated UDP reply is retried over TCP,
# --tcp queries over TCP only, --rate caps the query rate, --timeout/--retries bound a silent
# resolver, --expect is normalised, and TYPE/DOMAIN spellings are accepted.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab.sh
source "$here/lab.sh"
# shellcheck source=assert.sh
source "$here/assert.sh"
lab_isolate "$@"
lab_trap
t_need_prog
lab_start 4 || t_fatal "lab_start"
R1=${LAB_RESOLVERS[0]}
# jq_ EXPR: evaluate a Python expression over the JSON on stdin (as d).
jq_() { /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

# Truncation: 12 x 200-byte TXT records do not fit 1232 bytes; the answer must still match.
out=$("$PROG" --once --format json -s "$R1" --auth "$LAB_PRIMARY" big.example.test TXT)
t_eq "TC fallback: exit 0" "$?" 0
t_eq "TC fallback: all 12 records, matching the authoritative answer (itself over TCP)" \
	"$(printf '%s' "$out" | jq_ '(len(d["resolvers"][0]["answer"]), d["resolvers"][0]["status"], len(d["truth"]["answer"]))')" \
	"(12, 'match', 12)"

# --tcp: a UDP-only responder (tests/bench/answerer.py) answers over UDP but not over TCP.
/usr/bin/python3 "$here/../bench/answerer.py" 127.53.5.1 53 1 60 --ready "$LAB_DIR/ans.ready" &
ans=$!
for _ in $(seq 100); do [ -e "$LAB_DIR/ans.ready" ] && break; sleep 0.05; done
t_eq "UDP-only responder answers over UDP" \
	"$("$PROG" --once --format json --expect '10 mx.example.test.' -s 127.53.5.1 example.test | jq_ 'd["resolvers"][0]["status"]')" match
t_eq "--tcp: the UDP-only responder cannot answer" \
	"$("$PROG" --once --tcp --timeout 500 --retries 0 --format json --expect '10 mx.example.test.' -s 127.53.5.1 example.test | jq_ 'd["resolvers"][0]["status"]')" timeout
t_eq "--tcp: unbound answers over TCP" \
	"$("$PROG" --once --tcp --format json -s "$R1" example.test | jq_ 'd["resolvers"][0]["status"]')" match
kill "$ans" 2>/dev/null

# IPv6: the same responder on ::1, written the three ways the lists accept.
if /usr/bin/python3 "$here/../bench/answerer.py" ::1 5300 1 60 --ready "$LAB_DIR/ans6.ready" & then
	ans6=$!
	for _ in $(seq 100); do [ -e "$LAB_DIR/ans6.ready" ] && break; sleep 0.05; done
	if [ -e "$LAB_DIR/ans6.ready" ]; then
		t_eq "IPv6 resolvers: [::1]:5300, ::1#5300 and @::1#5300 are one resolver that answers" \
			"$("$PROG" --once --format json --expect '10 mx.example.test.' -s '[::1]:5300,::1#5300' -s '@::1#5300' example.test | jq_ '(len(d["resolvers"]), d["resolvers"][0]["address"], d["resolvers"][0]["port"], d["resolvers"][0]["status"])')" \
			"(1, '::1', 5300, 'match')"
	else
		t_note "no IPv6 on loopback here: IPv6 check skipped"
	fi
	kill "$ans6" 2>/dev/null
fi

# --rate: 4 resolvers plus discovery (about 10 queries) at 4 queries/s take 1.5 s or more;
# without it, a few milliseconds. The unpaced run is timed three times and the fastest
# counts (a CI machine once stalled one run for a whole second): it must take less than a
# fifth of the paced run, whatever the machine's speed.
s=$(lab_now_ms)
"$PROG" --once --rate 4 -s "${LAB_RESOLVERS[*]}" example.test >/dev/null
t_eq "--rate 4: exit 0" "$?" 0
paced=$(($(lab_now_ms) - s))
t_le "--rate 4: at least 1.5 s for ~10 queries" 1500 "$paced"
t_le "--rate 4: not stuck" "$paced" 8000
best=
for _ in 1 2 3; do
	s=$(lab_now_ms)
	"$PROG" --once -s "${LAB_RESOLVERS[*]}" example.test >/dev/null
	e=$(($(lab_now_ms) - s))
	if [ -z "$best" ] || [ "$e" -lt "$best" ]; then best=$e; fi
done
t_le "no --rate: the fastest of 3 runs under a fifth of the paced run" "$best" $((paced / 5))

# --timeout/--retries: one silent resolver costs (retries+1) x timeout plus the backoff.
s=$(lab_now_ms)
"$PROG" --once --timeout 300 --retries 2 -s "$LAB_SILENT,$R1" example.test >/dev/null
t_eq "silent + answering: exit 0" "$?" 0
e=$(($(lab_now_ms) - s))
t_le "3 tries of 300 ms (plus 100 ms backoff): at least 950 ms" 950 "$e"
t_le "3 tries of 300 ms: at most 2 s" "$e" 2000

# Spellings: type case, domain with or without the dot and in capitals, --expect normalised.
t_eq "type and domain spellings" \
	"$("$PROG" --once --format json -s "$R1" EXAMPLE.Test. mx | jq_ '(d["domain"], d["type"], d["resolvers"][0]["status"])')" \
	"('example.test.', 'MX', 'match')"
t_eq "--expect is normalised (case, missing dot)" \
	"$("$PROG" --once --format json -s "$R1" --expect '10 MX-OLD.Example.Test' example.test | jq_ '(d["truth"]["source"], d["truth"]["answer"], d["converged"])')" \
	"('expected', ['10 mx-old.example.test.'], True)"
"$PROG" --once -s "$R1" --expect 'not an mx' example.test >/dev/null 2>&1
t_eq "--expect that is not valid RDATA: exit 2" "$?" 2
"$PROG" --once -s "$R1" example..test >/dev/null 2>&1
t_eq "invalid domain: exit 2" "$?" 2
"$PROG" --once -s "$R1" example.test BOGUSTYPE >/dev/null 2>&1
t_eq "unknown type: exit 2" "$?" 2
t_eq "AAAA works" \
	"$("$PROG" --once --format json -s "$R1" www.example.test aaaa | jq_ '(d["resolvers"][0]["answer"], d["resolvers"][0]["status"])')" \
	"(['2001:db8::80'], 'match')"

# An alias into another zone (ext.example.test. CNAME www.other.test.): the zone is still
# example.test. (serial from its servers), and the truth is the target zone's data.
t_eq "CNAME out of the zone: truth from the target's servers, zone and serial of the alias" \
	"$("$PROG" --once --format json -s "${LAB_RESOLVERS[*]}" ext.example.test A | jq_ '(d["truth"]["source"], d["truth"]["answer"], d["truth"]["zone"], d["truth"]["serial"], d["converged"])')" \
	"('authoritative', ['127.53.20.80'], 'example.test.', $LAB_SERIAL0, True)"
t_eq "CNAME out of the zone with --auth: the same" \
	"$("$PROG" --once --format json -s "$R1" --auth "$LAB_PRIMARY" ext.example.test A | jq_ '(d["truth"]["source"], d["truth"]["answer"], d["truth"]["serial"])')" \
	"('authoritative', ['127.53.20.80'], $LAB_SERIAL0)"

# No authoritative server answers (--auth names the silent one): no truth, never a vote.
t_eq "a silent --auth: no truth, not the majority" \
	"$("$PROG" --once --format json --timeout 300 --retries 0 --auth "$LAB_SILENT" -s "${LAB_RESOLVERS[*]}" example.test | jq_ '(d["truth"]["source"], d["authoritative"][0]["status"], d["converged"], d["reasons"])')" \
	"('none', 'timeout', False, ['auth-unreachable'])"
t_check "the table names the silent --auth server" \
	bash -c "'$PROG' --once --timeout 300 --retries 0 --auth '$LAB_SILENT' -s '$R1' example.test | grep -q -- '! --auth $LAB_SILENT does not answer (timeout): no truth without it'"
t_finish
