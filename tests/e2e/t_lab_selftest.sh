#!/bin/bash
# Self-test of the lab (tests/e2e/lab.sh): every server answers as designed, zone changes
# reach the primary at once, caches hold the old MX until its TTL runs out, the secondary
# lags until synced, leftovers of a crashed run are reaped, and lab_stop leaves nothing.
set -u
# shellcheck source-path=SCRIPTDIR
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab.sh
source "$here/lab.sh"
# shellcheck source=assert.sh
source "$here/assert.sh"
lab_isolate "$@"
lab_trap

export LAB_MX_TTL=6 # long enough that the earlier checks' cached copies outlive the change below
t0=$(lab_now_ms)
lab_start 4 || t_fatal "lab_start"
t_le "lab startup under 3 s (ms)" "$(($(lab_now_ms) - t0))" 3000
t_eq "four unbound resolvers" "${LAB_RESOLVERS[*]}" "127.53.1.1 127.53.1.2 127.53.1.3 127.53.1.4"

# --- authoritative side
t_eq "primary serves the MX" "$(lab_answer "$LAB_PRIMARY" MX "$LAB_ZONE")" "$LAB_MX_OLD"
t_check "primary answers authoritatively" \
	bash -c "$(declare -f lab_dig); lab_dig $LAB_PRIMARY MX $LAB_ZONE | grep -q 'flags: qr aa'"
t_eq "secondary serves the MX" "$(lab_answer "$LAB_SECONDARY" MX "$LAB_ZONE")" "$LAB_MX_OLD"
t_eq "primary serial" "$(lab_serial "$LAB_PRIMARY")" "$LAB_SERIAL0"
t_eq "secondary serial" "$(lab_serial "$LAB_SECONDARY")" "$LAB_SERIAL0"
t_eq "root delegates example.test." "$(lab_answer "$LAB_ROOT" NS "$LAB_ZONE")" "" # referral: no answer
t_check "root refers to ns1/ns2 with glue" \
	bash -c "$(declare -f lab_dig); lab_dig $LAB_ROOT MX $LAB_ZONE | grep -q 'ns1.example.test.*127.53.0.1'"

# --- every caching resolver answers through iterative resolution from the lab root
for r in "${LAB_RESOLVERS[@]}" "$LAB_DNSMASQ"; do
	t_eq "$r answers MX" "$(lab_rcode "$r" MX "$LAB_ZONE") $(lab_answer "$r" MX "$LAB_ZONE")" \
		"NOERROR $LAB_MX_OLD"
done
t_eq "CNAME via resolver" "$(lab_answer 127.53.1.1 CNAME alias.example.test)" "www.example.test."
t_eq "AAAA via resolver" "$(lab_answer 127.53.1.2 AAAA www.example.test)" "2001:db8::80"
t_eq "NXDOMAIN name" "$(lab_rcode 127.53.1.1 MX "$LAB_NX_NAME")" NXDOMAIN
t_eq "NXDOMAIN name via dnsmasq" "$(lab_rcode "$LAB_DNSMASQ" MX "$LAB_NX_NAME")" NXDOMAIN
t_eq "NODATA name: NOERROR, no MX" \
	"$(lab_rcode 127.53.1.3 MX "$LAB_NODATA_NAME")/$(lab_answer 127.53.1.3 MX "$LAB_NODATA_NAME")" "NOERROR/"
t_eq "NODATA name has an A" "$(lab_answer 127.53.1.3 A "$LAB_NODATA_NAME")" "127.53.10.4"
t_eq "negative TTL is the SOA minimum" \
	"$(lab_dig 127.53.1.4 MX "$LAB_NX_NAME" | awk '$4 == "SOA" { print $2; exit }')" "$LAB_NEG_TTL"
t_eq "names outside the lab are NXDOMAIN at the lab root" "$(lab_rcode 127.53.1.1 A www.example.com)" NXDOMAIN
t_eq "refuser refuses" "$(lab_rcode "$LAB_REFUSER" MX "$LAB_ZONE")" REFUSED
t1=$(lab_now_ms)
t_eq "silent resolver times out (UDP)" "$(LAB_DIG_TIMEOUT=1 lab_rcode "$LAB_SILENT" MX "$LAB_ZONE")" TIMEOUT
t_le "silent timeout honoured (ms)" "$(($(lab_now_ms) - t1))" 1500
t_eq "silent resolver times out (TCP)" \
	"$(timeout 1 drill -t "$LAB_ZONE" @"$LAB_SILENT" MX 2>&1 | grep -c 'HEADER')" 0

# --- a change on the primary; caches keep the old answer until their TTL passes
for r in "${LAB_RESOLVERS[@]}" "$LAB_DNSMASQ"; do lab_prime "$r"; done
primed=$(lab_now_ms)
lab_set_mx "$LAB_MX_NEW" || t_fatal "lab_set_mx"
t_eq "LAB_SERIAL bumped" "$LAB_SERIAL" $((LAB_SERIAL0 + 1))
t_eq "primary serves the new MX" "$(lab_answer "$LAB_PRIMARY" MX "$LAB_ZONE")" "$LAB_MX_NEW"
t_eq "primary has the new serial" "$(lab_serial "$LAB_PRIMARY")" "$LAB_SERIAL"
t_eq "secondary still old MX" "$(lab_answer "$LAB_SECONDARY" MX "$LAB_ZONE")" "$LAB_MX_OLD"
t_eq "secondary still old serial" "$(lab_serial "$LAB_SECONDARY")" "$LAB_SERIAL0"
for r in "${LAB_RESOLVERS[@]}" "$LAB_DNSMASQ"; do
	t_eq "$r still serves the cached MX" "$(lab_answer "$r" MX "$LAB_ZONE")" "$LAB_MX_OLD"
done
lab_sync_secondary || t_fatal "lab_sync_secondary"
t_eq "secondary synced: new MX" "$(lab_answer "$LAB_SECONDARY" MX "$LAB_ZONE")" "$LAB_MX_NEW"
t_eq "secondary synced: new serial" "$(lab_serial "$LAB_SECONDARY")" "$LAB_SERIAL"
t_check "lab_wait_serial on the secondary" lab_wait_serial "$LAB_SECONDARY" "$LAB_SERIAL" 1
t_sleep_until $((primed + LAB_MX_TTL * 1000 + 1100))
for r in "${LAB_RESOLVERS[@]}" "$LAB_DNSMASQ"; do
	t_eq "$r serves the new MX after the TTL" "$(lab_answer "$r" MX "$LAB_ZONE")" "$LAB_MX_NEW"
done
lab_set_mx "20 mx-old.example.test.; 10 mx-new.example.test." 2026120100 || t_fail "lab_set_mx two records"
t_eq "two MX records, explicit serial" \
	"$(lab_serial "$LAB_PRIMARY") $(lab_answer "$LAB_PRIMARY" MX "$LAB_ZONE" | paste -sd,)" \
	"2026120100 10 mx-new.example.test.,20 mx-old.example.test."
( lab_set_mx "$LAB_MX_OLD" ) || t_fail "lab_set_mx in a subshell"
t_eq "serial state survives subshells" "$(lab_serial "$LAB_PRIMARY")" 2026120101

# --- resolver lists
f=$LAB_DIR/list.txt
lab_resolvers_file "$f" --all
t_eq "resolver list" "$(grep -v '^#' "$f")" "127.53.1.1  Lab unbound 1 [lab]
127.53.1.2  Lab unbound 2 [lab]
127.53.1.3  Lab unbound 3 [lab]
127.53.1.4  Lab unbound 4 [lab]
127.53.3.1  Lab dnsmasq [lab]
127.53.2.1  Lab refusing unbound [lab]
127.53.4.1  Lab silent [lab]"

# --- 1,000 silent resolvers on consecutive ports
t_check "1000 silent resolvers start" lab_start_silent 127.55.0.1 20000 1000
t_eq "1000 silent UDP sockets" "$(ss -Hlnu 'src 127.55.0.1' | wc -l)" 1000
t_eq "1000 silent TCP listeners" "$(ss -Hlnt 'src 127.55.0.1' | wc -l)" 1000
t_eq "last silent port times out" "$(LAB_DIG_TIMEOUT=1 lab_rcode 127.55.0.1:20999 MX "$LAB_ZONE")" TIMEOUT

# --- stop: nothing left
dir=$LAB_DIR
lab_stop
t_eq "no lab process left" "$(lab_leftovers "$dir" | paste -sd' ')" ""
t_eq "no lab socket left" "$(ss -Hlnup | grep -cE ' 127\.5[35]\.')" 0
t_eq "lab directory removed" "$(test -e "$dir" && echo exists)" ""
t_check "lab_stop twice is harmless" lab_stop

# --- a crashed run (its shell SIGKILLed) is cleaned up by the next lab_start
( bash -c "source '$here/lab.sh'; lab_start 1 >/dev/null 2>&1 && echo \$LAB_DIR >'/tmp/proptrack-lab-crash.$$'; kill -9 \$\$" ) 2>/dev/null
crashed=$(cat "/tmp/proptrack-lab-crash.$$" 2>/dev/null)
rm -f "/tmp/proptrack-lab-crash.$$"
t_ne "crashed run left processes behind" "$(lab_leftovers "$crashed" | wc -l)" 0
lab_start 2 2>/dev/null || t_fatal "lab_start after a crashed run"
t_eq "leftovers of the crashed run reaped" "$(lab_leftovers "$crashed" | wc -l)" 0
t_eq "restarted lab answers" "$(lab_answer 127.53.1.2 MX "$LAB_ZONE")" "$LAB_MX_OLD"
dir=$LAB_DIR
lab_stop
t_eq "no lab process left at the end" "$(lab_leftovers "$dir" | paste -sd' ')" ""

t_finish
