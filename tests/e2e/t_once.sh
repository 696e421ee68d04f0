#!/bin/bash
# End-to-end test of `proptrack --once` (CONTRACT.md) against the loopback lab:
# verdicts, truth from --auth / NS discovery / --expect, staggered cache expiry after an MX
# change, negative answers, refused and silent resolvers, input errors and exit codes.
# PROG is the binary under test (run.sh exports it).
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
TTL=10     # MX TTL: resolvers flip this long after they were primed
STAGGER=2  # seconds between the priming of two resolvers
export LAB_MX_TTL=$TTL
S0=$LAB_SERIAL0

# --- the binary
if [ ! -x "$PROG" ]; then
	t_fatal "proptrack binary '$PROG' is missing or not executable (build it with make)"
fi
if ! ver=$(timeout 5 "$PROG" --version 2>&1); then
	t_fatal "'$PROG --version' failed: $ver"
fi
t_ok "--version: $(printf '%s' "$ver" | head -n1)"

lab_start 4 || t_fatal "lab_start"
W=$LAB_DIR/t_once
mkdir -p "$W"
LIST=$W/unbound.txt
lab_resolvers_file "$LIST"
R1=${LAB_RESOLVERS[0]} R2=${LAB_RESOLVERS[1]} R3=${LAB_RESOLVERS[2]} R4=${LAB_RESOLVERS[3]}

# pt ARGS...: run proptrack; sets PT_OUT, PT_ERR (files), PT_RC, PT_CMD, PT_T0/PT_T1 (start
# and end, ms) and PT_MS (run time).
PT_N=0
pt() {
	PT_N=$((PT_N + 1))
	PT_OUT=$W/run$PT_N.out
	PT_ERR=$W/run$PT_N.err
	PT_CMD="proptrack $*"
	PT_T0=$(lab_now_ms)
	timeout 30 "$PROG" "$@" >"$PT_OUT" 2>"$PT_ERR" </dev/null
	PT_RC=$?
	PT_T1=$(lab_now_ms)
	PT_MS=$((PT_T1 - PT_T0))
}
# ptj ARGS...: pt --once --format json ARGS...
ptj() { pt --once --format json "$@"; }
# j EXPR...: evaluate over the last JSON output (see jget.py).
j() { /usr/bin/python3 "$here/jget.py" "$PT_OUT" "$@"; }
# rc DESC WANT: check the last exit status, showing the output on mismatch.
rc() {
	if [ "$PT_RC" = "$2" ]; then
		t_ok "$1: exit $2"
	else
		t_fail "$1: exit $PT_RC, want $2" "command: $PT_CMD" \
			"stdout: $(head -c 1500 "$PT_OUT")" "stderr: $(head -c 800 "$PT_ERR")"
	fi
}

# --- input errors: exit 2
pt --once --no-such-option example.test
rc "unknown option" 2
pt --once -r /nonexistent/resolvers.txt example.test
rc "unreadable resolver list" 2
printf '# nothing here\n\n; still nothing\n' >"$W/empty.txt"
pt --once -r "$W/empty.txt" --auth "$LAB_PRIMARY" example.test
rc "resolver list without entries" 2
pt --once -s "$R1" --auth "$LAB_PRIMARY" example.test NOSUCHTYPE
rc "invalid type" 2
pt --once -s "$R1" --auth "$LAB_PRIMARY" 'example..test'
rc "invalid domain" 2

# --- staggered priming: resolver i caches the old MX at second B+i*STAGGER, so its TTL
# reaches 0 at second EXP[i] = B+i*STAGGER+TTL (unbound keeps absolute expiry times in whole
# seconds and still serves the record, with TTL 0, during that second): it must serve the
# new MX from EXP[i]+1 s on. Each priming starts 300 ms after a second boundary so it cannot
# straddle one. Checks run 1.5 s after EXP[i]: 0.5 s after the flip, 1.5 s before the next.
now=$(lab_now_ms)
base=$(((now / 1000 + 1) * 1000 + 300))
declare -a EXP
for i in 0 1 2 3; do
	t_sleep_until $((base + i * STAGGER * 1000))
	lab_prime "${LAB_RESOLVERS[$i]}" || t_fatal "priming ${LAB_RESOLVERS[$i]}"
	EXP[i]=$(((base / 1000 + i * STAGGER + TTL) * 1000))
done

ptj -r "$LIST" --auth "$LAB_PRIMARY" example.test
rc "all on the old MX" 0
t_eq "before the change: verdicts" "$(j 'statuses()')" \
	"$R1=match $R2=match $R3=match $R4=match"
t_eq "before the change: JSON basics" \
	"$(j 'd["domain"]' 'd["type"]' 'd["converged"]' 'd["truth"]["source"]' 'd["truth"]["answer"]' \
		'd["truth"]["serial"]' 'd["expires_within"]' 'd["counts"]["total"]' 'd["counts"]["match"]')" \
	"$(printf '%s\n' example.test. MX true authoritative '["10 mx-old.example.test."]' "$S0" 0 4 4)"
t_eq "resolver fields" \
	"$(j 'res("'"$R1"'")["label"]' 'res("'"$R1"'")["location"]' 'res("'"$R1"'")["port"]' 'res("'"$R1"'")["rcode"]' \
		'res("'"$R1"'")["answer"]' 'type(res("'"$R1"'")["ttl"]).__name__' \
		'0 <= res("'"$R1"'")["ttl"] <= '"$TTL" 'res("'"$R1"'")["rtt_ms"] >= 0')" \
	"$(printf '%s\n' 'Lab unbound 1' lab 53 NOERROR '["10 mx-old.example.test."]' int true true)"
t_eq "time is RFC 3339 UTC with milliseconds" \
	"$(j '__import__("re").fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", d["time"]) is not None')" true

# --- the change, on the primary (the secondary is synced at once so that a resolver
# refetching the MX gets the new one from either name server: the flips stay deterministic)
lab_set_mx "$LAB_MX_NEW" || t_fatal "lab_set_mx"
S1=$LAB_SERIAL
lab_sync_secondary || t_fatal "lab_sync_secondary"

ptj -r "$LIST" --auth "$LAB_PRIMARY" example.test
rc "right after the change: not converged" 1
t_eq "right after the change: every primed resolver differs" "$(j 'statuses()')" \
	"$R1=differ $R2=differ $R3=differ $R4=differ"
t_eq "right after the change: truth is the new MX from the primary" \
	"$(j 'd["truth"]["source"]' 'd["truth"]["answer"]' 'd["truth"]["serial"]' 'd["converged"]' \
		'd["counts"]["differ"]' 'res("'"$R4"'")["answer"]')" \
	"$(printf '%s\n' authoritative '["10 mx-new.example.test."]' "$S1" false 4 '["10 mx-old.example.test."]')"
# Remaining TTLs as unbound reports them: EXP[i] minus the current whole second, some time
# between the start and the end of the run.
t_eq "expires_within is the last differing TTL" \
	"$(j "$(((EXP[3] - PT_T1) / 1000)) <= d['expires_within'] <= $(((EXP[3] - PT_T0) / 1000 + 1))")" true
t_eq "each resolver's ttl counts down to its own expiry" \
	"$(j "[($PT_T0 // 1000) <= e // 1000 - res(a)['ttl'] <= ($PT_T1 // 1000) for a, e in \
		[('$R1', ${EXP[0]}), ('$R2', ${EXP[1]}), ('$R3', ${EXP[2]}), ('$R4', ${EXP[3]})]]")" \
	"[true, true, true, true]"

# --- one resolver flips after each TTL boundary
want=("$R1=differ" "$R2=differ" "$R3=differ" "$R4=differ")
for i in 0 1 2 3; do
	t_sleep_until $((EXP[i] + 1500))
	want[i]="${LAB_RESOLVERS[$i]}=match"
	ptj -r "$LIST" --auth "$LAB_PRIMARY" example.test
	t_eq "after expiry $((i + 1)): verdicts" "$(j 'statuses()')" "${want[*]}"
	if [ "$i" -lt 3 ]; then
		rc "after expiry $((i + 1))" 1
		t_eq "after expiry $((i + 1)): counts" "$(j 'd["counts"]["match"]' 'd["counts"]["differ"]')" \
			"$(printf '%s\n' $((i + 1)) $((3 - i)))"
	else
		rc "all flipped: converged" 0
		t_eq "all flipped: JSON" \
			"$(j 'd["converged"]' 'd["expires_within"]' 'd["counts"]["match"]' 'res("'"$R1"'")["answer"]')" \
			"$(printf '%s\n' true 0 4 '["10 mx-new.example.test."]')"
	fi
done

# --- truth discovered from the NS records (no --auth)
ptj -r "$LIST" example.test
rc "discovery: converged" 0
t_eq "discovery: truth" "$(j 'd["truth"]["source"]' 'd["truth"]["answer"]' 'd["truth"]["serial"]')" \
	"$(printf '%s\n' authoritative '["10 mx-new.example.test."]' "$S1")"
t_eq "discovery: both name servers listed" \
	"$(j 'sorted((a["name"], a["address"], a["port"], a["serial"]) for a in d["authoritative"])')" \
	"[[\"ns1.example.test.\", \"$LAB_PRIMARY\", 53, $S1], [\"ns2.example.test.\", \"$LAB_SECONDARY\", 53, $S1]]"
lab_set_mx "20 mx-backup.example.test." || t_fatal "lab_set_mx (no sync)"
S2=$LAB_SERIAL
ptj -r "$LIST" example.test
t_eq "discovery, secondary lagging: serials" \
	"$(j 'auth("ns1.example.test.")["serial"]' 'auth("ns2.example.test.")["serial"]')" \
	"$(printf '%s\n' "$S2" "$S1")"
t_eq "discovery, secondary lagging: answers" \
	"$(j 'auth("ns1.example.test.")["answer"]' 'auth("ns2.example.test.")["answer"]')" \
	"$(printf '%s\n' '["20 mx-backup.example.test."]' '["10 mx-new.example.test."]')"
t_eq "discovery, secondary lagging: truth from the highest serial" \
	"$(j 'd["truth"]["source"]' 'd["truth"]["answer"]' 'd["truth"]["serial"]')" \
	"$(printf '%s\n' authoritative '["20 mx-backup.example.test."]' "$S2")"
lab_sync_secondary || t_fatal "lab_sync_secondary"

# --- --expect (dnsmasq forwards to the primary only: deterministic)
ptj -s "$LAB_DNSMASQ" --expect "20 mx-backup.example.test." example.test
rc "--expect, matching" 0
t_eq "--expect: truth" "$(j 'd["truth"]["source"]' 'd["truth"]["answer"]' 'statuses()')" \
	"$(printf '%s\n' expected '["20 mx-backup.example.test."]' "$LAB_DNSMASQ=match")"
ptj -s "$LAB_DNSMASQ" --auth "$LAB_PRIMARY" --expect "10 mx-new.example.test." example.test
rc "--expect beats --auth" 1
t_eq "--expect beats --auth: truth" "$(j 'd["truth"]["source"]' 'd["truth"]["answer"]' 'statuses()')" \
	"$(printf '%s\n' expected '["10 mx-new.example.test."]' "$LAB_DNSMASQ=differ")"
ptj -s "$LAB_DNSMASQ" --expect "20 MX-Backup.Example.Test." --expect "10 mx-new.example.test." example.test.
t_eq "two --expect values, normalised and sorted" "$(j 'd["truth"]["answer"]' 'statuses()')" \
	"$(printf '%s\n' '["10 mx-new.example.test.", "20 mx-backup.example.test."]' "$LAB_DNSMASQ=differ")"

# --- negative answers
ptj -r "$LIST" --auth "$LAB_PRIMARY" "$LAB_NX_NAME"
rc "NXDOMAIN everywhere" 0
t_eq "NXDOMAIN truth: resolvers match" \
	"$(j 'd["truth"]["answer"]' 'statuses()' 'res("'"$R2"'")["rcode"]' 'res("'"$R2"'")["answer"]' \
		'0 <= res("'"$R2"'")["ttl"] <= '"$LAB_NEG_TTL")" \
	"$(printf '%s\n' '[]' "$R1=match $R2=match $R3=match $R4=match" NXDOMAIN '[]' true)"
# the resolvers have the denial cached already (asked just above): --query-now asks them
ptj -r "$LIST" --query-now --expect "10 mx-new.example.test." "$LAB_NX_NAME"
rc "NXDOMAIN while data expected" 1
t_eq "NXDOMAIN while data expected: negative" "$(j 'statuses()')" \
	"$R1=negative $R2=negative $R3=negative $R4=negative"
ptj -r "$LIST" --auth "$LAB_PRIMARY" "$LAB_NODATA_NAME" MX
rc "NODATA everywhere" 0
t_eq "NODATA truth: resolvers match" \
	"$(j 'd["truth"]["answer"]' 'statuses()' 'res("'"$R3"'")["rcode"]' 'res("'"$R3"'")["answer"]')" \
	"$(printf '%s\n' '[]' "$R1=match $R2=match $R3=match $R4=match" NOERROR '[]')"
ptj -r "$LIST" --query-now --expect "10 mx-new.example.test." "$LAB_NODATA_NAME" MX
rc "NODATA while data expected" 1
t_eq "NODATA while data expected: negative" "$(j 'statuses()')" \
	"$R1=negative $R2=negative $R3=negative $R4=negative"
# the reverse: dnsmasq still caches the MX the primary no longer has
lab_prime "$LAB_DNSMASQ"
lab_set_mx "" || t_fatal "lab_set_mx (no MX)"
ptj -s "$LAB_DNSMASQ" --auth "$LAB_PRIMARY" example.test
rc "data while the truth has none" 1
t_eq "data while the truth has none: negative" "$(j 'd["truth"]["answer"]' 'statuses()')" \
	"$(printf '%s\n' '[]' "$LAB_DNSMASQ=negative")"
lab_set_mx "$LAB_MX_NEW" || t_fatal "lab_set_mx (restore)"
lab_sync_secondary || t_fatal "lab_sync_secondary"

# --- refused and silent resolvers (A www.example.test. never changes)
ptj -s "$LAB_DNSMASQ,$LAB_REFUSER" --auth "$LAB_PRIMARY" www.example.test a
rc "refused does not block convergence" 0
t_eq "refused: verdicts" "$(j 'd["type"]' 'd["domain"]' 'statuses()' 'res("'"$LAB_REFUSER"'")["rcode"]' \
	'd["counts"]["refused"]')" \
	"$(printf '%s\n' A www.example.test. "$LAB_REFUSER=refused $LAB_DNSMASQ=match" REFUSED 1)"
ptj -s "$LAB_SILENT" --timeout 500 --retries 0 --auth "$LAB_PRIMARY" example.test
rc "only a silent resolver: nothing to judge" 3
t_eq "silent: timeout" "$(j 'statuses()' 'd["counts"]["timeout"]' 'd["converged"]')" \
	"$(printf '%s\n' "$LAB_SILENT=timeout" 1 false)"
t_le "silent only: --timeout 500 --retries 0 run time (ms)" "$PT_MS" 1500
ptj -s "$LAB_DNSMASQ $LAB_SILENT" --timeout 500 --retries 0 --auth "$LAB_PRIMARY" www.example.test A
rc "silent does not block convergence" 0
t_eq "silent + dnsmasq: verdicts" "$(j 'statuses()')" "$LAB_DNSMASQ=match $LAB_SILENT=timeout"
t_le "silent + dnsmasq run time (ms)" "$PT_MS" 1500

# --- resolver list forms
ptj -s "$R1,$R2" -s "$R3 $R4" --auth "$LAB_PRIMARY" www.example.test A
rc "-s lists, repeated" 0
t_eq "-s lists: four resolvers" "$(j 'd["counts"]["total"]' 'd["counts"]["match"]')" "$(printf '4\n4')"
ptj -s "$R1,$R1#53,$R1:53" --auth "$LAB_PRIMARY" www.example.test A
t_eq "one address and port given thrice is one resolver" "$(j 'd["counts"]["total"]')" 1
PT_N=$((PT_N + 1))
PT_OUT=$W/run$PT_N.out PT_ERR=$W/run$PT_N.err PT_CMD="proptrack -r - (stdin)"
printf 'nameserver %s\n%s:53  Second\n' "$R1" "$R2" |
	timeout 30 "$PROG" --once --format json -r - --auth "$LAB_PRIMARY" www.example.test A \
		>"$PT_OUT" 2>"$PT_ERR"
PT_RC=$?
rc "-r - (stdin, resolv.conf line)" 0
t_eq "-r -: labels" "$(j 'd["counts"]["total"]' 'res("'"$R2"'")["label"]')" "$(printf '2\nSecond')"

# --- CSV
pt --once --format csv -s "$LAB_DNSMASQ" --auth "$LAB_PRIMARY" www.example.test A
rc "csv" 0
# the contract's columns first, in its order (columns added later follow them)
t_eq "csv header" "$(head -n1 "$PT_OUT" | tr -d '\r' | cut -d, -f1-8)" "label,address,port,status,rcode,ttl,rtt_ms,answer"
t_eq "csv row" "$(sed -n 2p "$PT_OUT" | cut -d, -f2-5)" "$LAB_DNSMASQ,53,match,NOERROR"

t_finish
