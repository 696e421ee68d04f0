#!/bin/bash
# End-to-end test of hostile resolvers (issue 13): tests/e2e/hostile.py plays one hostile
# behaviour per loopback address (wrong IDs, ports, addresses and questions, QR=0,
# compression loops and forward pointers, truncation at every byte, RDLENGTH errors, junk
# inside RDATA, two OPT records and other EDNS oddities, huge TTLs, a 64 KB reply, a CNAME
# loop, UDP and TCP floods, TCP close, reset, short, long and zero length prefixes, a
# trickle, TC over TCP). Each case asserts the status proptrack reports (and the reason for
# malformed replies) AND how long it took (the elapsed_s of its NDJSON answer event): a
# hostile reply followed by the genuine one within the try is a fast `match`; a case with
# no genuine reply ends at the try's deadline, never later. Then: a TCP stream of replies
# with a wrong ID neither holds --once past the timeout nor delays honest resolvers on the
# same worker, nor SIGTERM; as --auth it is `auth-unreachable`, not a vote; a malformed
# reply ends the query at the first try's deadline, not after every retry.
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

lab_start 1 || t_fatal "lab_start"
W=$LAB_DIR/t_hostile
mkdir -p "$W"

# what each behaviour must give: STATUS ERROR FAST (1: well before the deadline; 0: at the
# try's deadline, 1 s)
EXPECT="
good match - 1
silent timeout - 0
wrong-id timeout - 0
wrong-id-then-good match - 1
wrong-port timeout - 0
wrong-port-then-good match - 1
wrong-addr timeout - 0
wrong-addr-then-good match - 1
wrong-question timeout - 0
wrong-question-then-good match - 1
qr0 timeout - 0
qr0-then-good match - 1
ptr-loop error malformed 0
ptr-loop-then-good match - 1
fwd-ptr error malformed 0
fwd-ptr-then-good match - 1
truncated error malformed 0
truncated-then-good match - 1
rdlen-short error malformed 0
rdlen-short-then-good match - 1
rdlen-long error malformed 0
rdlen-long-then-good match - 1
rdata-junk error malformed 0
rdata-junk-then-good match - 1
two-opt error malformed 0
two-opt-then-good match - 1
opt-owner error malformed 0
opt-in-answer error malformed 0
edns-odd match - 1
edns-badvers error - 1
soa-owner differ - 1
txt-escape differ - 1
huge-ttl match - 1
cname-loop negative - 1
udp-flood-then-good match - 1
tc-tcp error malformed 0
big-64k differ - 1
tcp-flood timeout - 0
tcp-flood-then-good match - 1
tcp-close timeout Connection_reset_by_peer 1
tcp-reset timeout Connection_reset_by_peer 1
tcp-short-len error malformed 0
tcp-long-len timeout - 0
tcp-zero-len-then-good match - 1
tcp-trickle timeout - 0
tcp-wrong-id-then-good match - 1
"
specs=()
list=$W/hostile.txt
: >"$list"
declare -A ADDR
i=1
while read -r mode _; do
	[ -n "$mode" ] || continue
	ADDR[$mode]=127.53.6.$i
	specs+=("$mode=127.53.6.$i")
	echo "127.53.6.$i  $mode" >>"$list"
	i=$((i + 1))
done <<<"$EXPECT"
# good resolvers beside the floods, so both workers have honest work to do
for g in 101 102 103 104; do
	specs+=("good=127.53.6.$g")
	echo "127.53.6.$g  honest-$g" >>"$list"
done
lab__spawn hostile "$LAB_PYTHON" "$here/hostile.py" --ready "$W/hostile.ready" "${specs[@]}"
wait_file "$W/hostile.ready" || { cat "$LAB_DIR/hostile.out"; t_fatal "hostile.py did not start"; }

# ---- every behaviour in one sweep ------------------------------------------------------
t0=$(lab_now_ms)
timeout 30 "$PROG" --once --format ndjson --timeout 1000 --retries 0 --auth "$LAB_PRIMARY" \
	-r "$list" example.test MX >"$W/sweep.ndjson" 2>"$W/sweep.err"
rc=$?
took=$(($(lab_now_ms) - t0))
t_eq "the sweep ends with the exit status of its verdicts (1: errors among them)" "$rc" 1
t_le "the sweep with every hostile behaviour ends within the 1 s timeout (+ slack)" "$took" 2500
"$LAB_PYTHON" - "$W/sweep.ndjson" "$list" <<'EOF' >"$W/cases.txt"
import json, sys
labels = {}
for line in open(sys.argv[2]):
    a, l = line.split()
    labels[a] = l
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] != "answer":
        continue
    err = e.get("error", "-").replace(" ", "_")
    print(labels[e["address"]], e["status"], err, "%.3f" % e["elapsed_s"],
          len(e["answer"]), e["ttl"] if e["ttl"] is not None else "null")
EOF
while read -r mode want_st want_err fast; do
	[ -n "$mode" ] || continue
	got=$(awk -v m="$mode" '$1 == m' "$W/cases.txt")
	if [ -z "$got" ]; then
		t_fail "$mode: no answer event"
		continue
	fi
	read -r _ st err el n ttl <<<"$got"
	ms=$(awk -v e="$el" 'BEGIN { printf "%d", e * 1000 }')
	t_eq "$mode: $want_st ($want_err)" "$st $err" "$want_st $want_err"
	if [ "$fast" = 1 ]; then
		t_le "$mode: decided well before the deadline (${ms} ms)" "$ms" 600
	else
		if [ "$ms" -ge 950 ] && [ "$ms" -le 1900 ]; then
			t_ok "$mode: decided at the try's deadline (${ms} ms)"
		else
			t_fail "$mode: decided at ${ms} ms, not at the 1 s deadline"
		fi
	fi
	case $mode in
	huge-ttl) t_eq "huge-ttl: a TTL of 2^32-1 reads as 0 (RFC 2181)" "$ttl" 0 ;;
	big-64k) t_le "big-64k: every record of the 64 KB reply is kept (1819)" 1819 "$n" ;;
	esac
done <<<"$EXPECT"
for g in 101 102 103 104; do
	got=$(awk -v m="honest-$g" '$1 == m' "$W/cases.txt")
	read -r _ st _ el _ _ <<<"$got"
	ms=$(awk -v e="${el:-9}" 'BEGIN { printf "%d", e * 1000 }')
	t_eq "honest resolver $g beside the floods: match" "${st:-none}" match
	t_le "honest resolver $g answered at once beside the floods (${ms} ms)" "$ms" 600
done

# ---- a wrong-ID TCP stream on a single worker: honest ones unaffected ---------------------
t0=$(lab_now_ms)
timeout 30 "$PROG" --once --format json --workers 1 --timeout 1000 --retries 0 \
	--auth "$LAB_PRIMARY" -s "${ADDR[tcp-flood]} 127.53.6.101 127.53.6.102" \
	example.test MX >"$W/one.json" 2>/dev/null
took=$(($(lab_now_ms) - t0))
got=$("$LAB_PYTHON" "$here/jget.py" "$W/one.json" 'statuses()')
t_eq "one worker: the flood times out, the honest resolvers match" "$got" \
	"${ADDR[tcp-flood]}=timeout 127.53.6.101=match 127.53.6.102=match"
t_le "one worker: --once ends at the 1 s timeout (${took} ms)" "$took" 2500

# ---- SIGTERM while the flood streams: honoured at once, with the end event ---------------
"$PROG" --format ndjson --timeout 5000 --retries 2 --auth "$LAB_PRIMARY" \
	-s "${ADDR[tcp-flood]} 127.53.6.101" example.test MX >"$W/watch.ndjson" 2>/dev/null &
pid=$!
for _ in $(seq 100); do
	grep -q '"event": "answer"' "$W/watch.ndjson" 2>/dev/null && break
	sleep 0.05
done
sleep 0.5
t0=$(lab_now_ms)
kill -TERM "$pid"
wait "$pid"
took=$(($(lab_now_ms) - t0))
t_le "SIGTERM during a TCP flood ends the watch at once (${took} ms)" "$took" 1000
t_check "the NDJSON stream ends with its end event" grep -q '"event": "end"' "$W/watch.ndjson"

# ---- the flood as --auth: the truth is unreachable, never a vote ----------------------
t0=$(lab_now_ms)
timeout 30 "$PROG" --once --format json --timeout 1000 --retries 0 --auth "${ADDR[tcp-flood]}" \
	-s "127.53.6.101 127.53.6.102" example.test MX >"$W/auth.json" 2>/dev/null
rc=$?
took=$(($(lab_now_ms) - t0))
t_eq "a flooding --auth: exit 3 (inconclusive)" "$rc" 3
t_eq "a flooding --auth: auth-unreachable, no majority" \
	"$("$LAB_PYTHON" "$here/jget.py" "$W/auth.json" 'd["truth"]["source"]' \
		'"auth-unreachable" in d["reasons"]')" "$(printf 'none\ntrue')"
t_le "a flooding --auth costs about its timeouts (${took} ms)" "$took" 5000

# ---- truth discovery: a resolver cannot choose the zone (and its servers) -------------------
# soa-owner claims that example.test. is in evil.test., a zone it serves itself with another MX:
# before, its servers became the authoritative ones and the truth was its MX.
timeout 30 "$PROG" --once --format json --timeout 1000 --retries 0 -s "${ADDR[soa-owner]}" \
	example.test MX >"$W/soa1.json" 2>/dev/null
t_eq "alone, the resolver claiming evil.test.: no zone, no authoritative truth (a vote)" \
	"$("$LAB_PYTHON" "$here/jget.py" "$W/soa1.json" 'd["truth"].get("zone")' \
		'd["truth"]["source"]')" "$(printf 'null\nmajority')"
timeout 30 "$PROG" --once --format json --timeout 1000 --retries 0 \
	-s "${ADDR[soa-owner]} ${LAB_RESOLVERS[0]}" example.test MX >"$W/soa2.json" 2>/dev/null
t_eq "beside an honest resolver: zone example.test., the truth from its own servers" \
	"$("$LAB_PYTHON" "$here/jget.py" "$W/soa2.json" 'd["truth"]["zone"]' 'd["truth"]["source"]' \
		'd["truth"]["answer"]')" \
	"$(printf 'example.test.\nauthoritative\n["10 mx-old.example.test."]')"

# ---- DNS data and labels never reach the terminal raw -------------------------------------
for ty in TXT MX; do
	for f in table csv json; do
		"$PROG" --once --format "$f" --timeout 1000 --retries 0 --auth "$LAB_PRIMARY" \
			-s "${ADDR[txt-escape]} "$'\e[31mred\e]0;title\a label' example.test "$ty" \
			>"$W/esc.$ty.$f" 2>&1
		if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x0c\x0e-\x1f\x7f]' "$W/esc.$ty.$f" ||
			LC_ALL=C grep -q $'\xc2[\x80-\x9f]' "$W/esc.$ty.$f"; then
			t_fail "$ty $f: a control character reached the output" \
				"$(od -c "$W/esc.$ty.$f" | head -5)"
		else
			t_ok "$ty $f: no control character in the output"
		fi
	done
done
t_check "TXT table: the escape sequence is shown escaped (\\027[2J)" \
	grep -qF '\027[2J\027]0;pwned\007' "$W/esc.TXT.table"
t_check "MX table: the target label's escape shown escaped (\\027[31m)" \
	grep -qF '10 \027[31m.example.test.' "$W/esc.MX.table"

# ---- a malformed reply ends the query at the first deadline, not after every retry ------
t0=$(lab_now_ms)
timeout 30 "$PROG" --once --format json --timeout 500 --retries 2 --auth "$LAB_PRIMARY" \
	-s "${ADDR[rdlen-short]}" example.test MX >"$W/retry.json" 2>/dev/null
took=$(($(lab_now_ms) - t0))
t_eq "malformed with retries: error, malformed" \
	"$("$LAB_PYTHON" "$here/jget.py" "$W/retry.json" 'statuses()' \
		'd["resolvers"][0]["error"]')" "$(printf '%s=error\nmalformed' "${ADDR[rdlen-short]}")"
t_le "malformed with retries: ends after the first 500 ms try (${took} ms)" "$took" 1400

t_finish
