#!/bin/bash
# End-to-end test of the encrypted transports: resolver entries tls://ADDR[:PORT][#NAME]
# (DoT, RFC 7858) and https://HOST/PATH (DoH, RFC 8484) against two unbound instances that
# serve DoT (tls-port) and DoH over HTTP/2 (https-port) with certificates from a test CA
# (tests/e2e/testca.sh): answers and verdicts over both (POST and GET), a certificate from
# another CA, a name mismatch (DoT and DoH), connection reuse across polls (TCP connections
# the network namespace accepted, from /proc/net/snmp), --check-resolvers and the written list.
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
lab_start 1 || t_fatal "lab_start"
W=$LAB_DIR/t_encrypted
mkdir -p "$W"
ENC1=127.53.5.1 # certificate for its address
ENC2=127.53.5.2 # certificate for the name dns.lab.test only
CA=$W/ca
OTHER=$W/other
bash "$here/testca.sh" "$CA" "$ENC1" dns.lab.test || t_fatal "testca.sh"
bash "$here/testca.sh" "$OTHER" "$ENC1" || t_fatal "testca.sh (other CA)"

# enc_unbound NAME ADDR CERT: a lab unbound that also serves DoT on 853 and DoH on 443.
enc_unbound() {
	local name=$1 addr=$2 cert=$3 d=$LAB_DIR/$1
	lab__unbound_conf "$name" "$addr" allow
	sed -i "/^remote-control:/i\\
  interface: ${addr}@853\\
  interface: ${addr}@443\\
  tls-port: 853\\
  https-port: 443\\
  tls-service-key: \"${CA}/${cert}.key\"\\
  tls-service-pem: \"${CA}/${cert}.pem\"\\
  http-endpoint: \"/dns-query\"" "$d/unbound.conf"
	lab__spawn "$name" unbound -d -c "$d/unbound.conf"
	lab__wait_ready "$name" "$addr" TXT version.server CH || t_fatal "$name did not start"
	for i in $(seq 100); do
		ss -Hltn "sport = :853" | grep -q "$addr:853" && ss -Hltn "sport = :443" |
			grep -q "$addr:443" && return 0
		sleep 0.05
	done
	t_fatal "$name does not listen on 853 and 443"
}
enc_unbound enc1 "$ENC1" "$ENC1"
enc_unbound enc2 "$ENC2" dns.lab.test
t_ok "unbound serves DoT and DoH on $ENC1 and $ENC2"

PT_N=0
pt() {
	PT_N=$((PT_N + 1))
	PT_OUT=$W/run$PT_N.out
	PT_ERR=$W/run$PT_N.err
	timeout 30 "$PROG" "$@" >"$PT_OUT" 2>"$PT_ERR" </dev/null
	PT_RC=$?
}
j() { /usr/bin/python3 "$here/jget.py" "$PT_OUT" "$@"; }
show() { sed 's/^/    /' "$PT_OUT" "$PT_ERR" | head -40; }
AUTH=(--auth "$LAB_PRIMARY" --timeout 1500 --retries 1)
passive() { awk '/^Tcp:/ { if (h) print $6; h = 1 }' /proc/net/snmp; }

# --- answers and verdicts over DoT and DoH
LIST=$W/enc.txt
cat >"$LIST" <<LST
tls://$ENC1  DoT by address
tls://$ENC2#dns.lab.test  DoT by name
https://$ENC1/dns-query  DoH
LST
pt --once --format json --ca-file "$CA/ca.pem" -r "$LIST" "${AUTH[@]}" "$LAB_ZONE" MX
t_eq "DoT and DoH: exit" "$PT_RC" 0 || show
t_eq "three resolvers" "$(j 'len(d["resolvers"])')" 3
for i in 0 1 2; do
	t_eq "resolver $i: status" "$(j "d['resolvers'][$i]['status']")" match || show
	t_eq "resolver $i: answer" "$(j "' | '.join(d['resolvers'][$i]['answer'])")" "$LAB_MX_OLD"
done
t_eq "transport of tls://" "$(j 'd["resolvers"][0]["transport"]')" tls
t_eq "port of tls://" "$(j 'd["resolvers"][0]["port"]')" 853
t_eq "TLS name" "$(j 'd["resolvers"][1]["tls_name"]')" dns.lab.test
t_eq "transport of https://" "$(j 'd["resolvers"][2]["transport"]')" https
t_eq "DoH url" "$(j 'd["resolvers"][2]["url"]')" "https://$ENC1/dns-query"

# the log replays with the transports
pt --once --format json --ca-file "$CA/ca.pem" -r "$LIST" "${AUTH[@]}" --log "$W/enc.log" "$LAB_ZONE" MX
pt --replay "$W/enc.log" --format json
t_eq "replay: transports" "$(j '",".join(r["transport"] for r in d["resolvers"])')" "tls,tls,https"
t_eq "replay: DoH url" "$(j 'd["resolvers"][2].get("url")')" "https://$ENC1/dns-query"

pt --once --format json --doh-get --ca-file "$CA/ca.pem" -s "https://$ENC1/dns-query{?dns}" \
	"${AUTH[@]}" "$LAB_ZONE" MX
t_eq "DoH GET: status" "$(j 'd["resolvers"][0]["status"]')" match || show

# a change reaches the DoT and DoH answers like the UDP ones (verdict differ, then match)
pt --once --format csv --ca-file "$CA/ca.pem" -r "$LIST" "${AUTH[@]}" --expect "$LAB_MX_NEW" \
	"$LAB_ZONE" MX
t_eq "expected new MX not served yet: exit" "$PT_RC" 1 || show
t_eq "CSV: transport column" "$(tail -n +2 "$PT_OUT" | awk -F, '{print $9}' | paste -sd, | tr -d '\r')" "tls,tls,https"
t_eq "CSV: every one differs" "$(tail -n +2 "$PT_OUT" | awk -F, '{print $4}' | paste -sd,)" "differ,differ,differ"

# --- certificates that must fail, with the reason
pt --once --format json --ca-file "$OTHER/ca.pem" -s "tls://$ENC1,https://$ENC1/dns-query" \
	"${AUTH[@]}" "$LAB_ZONE" MX
t_eq "another CA: DoT status" "$(j 'd["resolvers"][0]["status"]')" error || show
t_check "another CA: DoT says not trusted" grep -q "certificate not trusted" "$PT_OUT"
t_eq "another CA: DoH status" "$(j 'd["resolvers"][1]["status"]')" error || show
t_eq "another CA: both say not trusted" "$(grep -c 'certificate not trusted' "$PT_OUT")" 2
t_ne "another CA: exit not 0" "$PT_RC" 0

pt --once --format json --ca-file "$CA/ca.pem" \
	-s "tls://$ENC2,tls://$ENC1#wrong.lab.test,https://$ENC2/dns-query" "${AUTH[@]}" "$LAB_ZONE" MX
for i in 0 1 2; do
	t_eq "name mismatch $i: error" "$(j "d['resolvers'][$i].get('error')")" "TLS: certificate name mismatch" || show
done

# without --ca-file the system store does not know the test CA
pt --once --format json -s "tls://$ENC1" "${AUTH[@]}" "$LAB_ZONE" MX
t_eq "system store: not trusted" "$(j 'd["resolvers"][0].get("error")')" "TLS: certificate not trusted (no chain to a trusted CA)" || show

pt --once --ca-file "$W/no-such-ca.pem" -s "tls://$ENC1" "${AUTH[@]}" "$LAB_ZONE" MX
t_eq "unreadable --ca-file: exit 2" "$PT_RC" 2
t_check "unreadable --ca-file: the reason" grep -q "cannot read --ca-file .*No such file" "$PT_ERR"

# --- connection reuse: polls over one connection per server
before=$(passive)
timeout -s INT 4 "$PROG" --format ndjson --interval 0.2 --max-interval 0.3 --ca-file "$CA/ca.pem" \
	-s "tls://$ENC1,https://$ENC1/dns-query" "${AUTH[@]}" "$LAB_ZONE" MX >"$W/watch.ndjson" 2>"$W/watch.err"
after=$(passive)
dot=$(grep -c '"event": *"answer".*"transport": *"tls"' "$W/watch.ndjson")
doh=$(grep -c '"event": *"answer".*"transport": *"https"' "$W/watch.ndjson")
t_note "4 s of polls: $dot DoT and $doh DoH answers, $((after - before)) TCP connections accepted"
t_check "several DoT polls (>= 5)" test "$dot" -ge 5
t_check "several DoH polls (>= 5)" test "$doh" -ge 5
t_eq "one connection per server over all the polls" "$((after - before))" 2

# --- check-resolvers and the written list keep the scheme
pt --check-resolvers --ca-file "$CA/ca.pem" --write "$W/usable.txt" -r "$LIST" --timeout 1500
t_eq "check-resolvers: exit" "$PT_RC" 0 || show
t_eq "written list keeps tls:// and https://" \
	"$(grep -v '^#' "$W/usable.txt" | awk '{print $1}' | paste -sd' ')" \
	"tls://$ENC1 tls://$ENC2#dns.lab.test https://$ENC1/dns-query"

# --- the dashboard's paste panel: tls:// and https:// lines pasted, then answering
if command -v tmux >/dev/null; then
	export LANG=C.UTF-8 LC_ALL=C.UTF-8
	SOCK=$W/tmux.sock
	tm() { tmux -S "$SOCK" "$@"; }
	trap 'st=$?; tm kill-server 2>/dev/null; lab__on_exit $st' EXIT
	cat >"$W/dash.sh" <<EOS
#!/bin/bash
"$PROG" -s "${LAB_RESOLVERS[0]}" --ca-file "$CA/ca.pem" --auth "$LAB_PRIMARY" $LAB_ZONE
exec sleep 600
EOS
	chmod +x "$W/dash.sh"
	printf 'tls://%s#dns.lab.test  Pasted DoT\nhttps://%s/dns-query  Pasted DoH\ntls://%s#bad name\n' \
		"$ENC2" "$ENC1" "$ENC1" >"$W/paste.txt"
	tm -f /dev/null new-session -d -s pt -x 160 -y 45 "$W/dash.sh" || t_fatal "tmux new-session"
	wait_screen "dashboard: the plain resolver matches" 15 grep -q "all 1 resolver serves the truth"
	tm send-keys -t pt p
	wait_screen "p opens the paste panel" 5 grep -q "Add resolvers"
	tm load-buffer -b list "$W/paste.txt"
	tm paste-buffer -p -b list -t pt
	wait_screen "paste: 2 entries, line 3 rejected" 5 grep -qE "2 entries.*1 rejected"
	wait_screen "paste: the reason for line 3" 3 grep -qE "line 3: .*bad TLS name 'bad'"
	tm send-keys -t pt C-d
	wait_screen "pasted DoT resolver matches" 10 grep -qE "Pasted DoT.*$ENC2:853 +match"
	wait_screen "pasted DoH resolver matches" 10 grep -qE "Pasted DoH.*$ENC1:443 +match"
	tm send-keys -t pt / "Pasted DoT" Enter
	wait_screen "filter selects the DoT row" 5 grep -q 'filter:"Pasted DoT" 1/3'
	tm send-keys -t pt Enter
	wait_screen "details show the transport and TLS name" 5 grep -qE "transport tls +dns\.lab\.test"
	tm kill-server 2>/dev/null
else
	t_note "tmux missing: the paste panel part is skipped"
fi

t_finish
