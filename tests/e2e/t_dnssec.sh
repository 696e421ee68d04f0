#!/bin/bash
# End-to-end test of DNSSEC in proptrack (issue 15): every poll sets AD (not DO: see README); a zone signed with
# ldns-signzone behind a validating unbound that holds its trust anchor is answered with AD
# ("validated": true, the AD column of the --once table and the dashboard); the same kind of zone with expired signatures is
# SERVFAIL there, with an Extended DNS Error (RFC 8914, "Signature Expired"), and answered
# with CD set: status detail "dnssec", in the JSON, the CSV and the NDJSON stream.
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
t_need_prog ldns-keygen
t_need_prog ldns-signzone
lab_start 1 || t_fatal "lab_start"
W=$LAB_DIR/t_dnssec
mkdir -p "$W"
SIGNED_NS=127.53.6.1
VALIDATOR=127.53.6.2

# zone_text ZONE: a small zone served by SIGNED_NS.
zone_text() {
	cat <<EOF
\$ORIGIN $1
\$TTL 30
@    IN SOA ns.$1 hostmaster.$1 1 10 5 600 5
@    IN NS  ns.$1
ns   IN A   $SIGNED_NS
@    IN MX  10 mx.$1
mx   IN A   127.53.6.25
EOF
}

cd "$W" || t_fatal "cd $W"
: >"$W/anchors"
for z in secure.test. broken.test.; do
	zone_text "$z" >"$W/$z""zone"
	key=$(ldns-keygen -a ECDSAP256SHA256 "$z") || t_fatal "ldns-keygen $z"
	if [ "$z" = broken.test. ]; then
		# signatures that expired in 2020: validation fails (bogus), the data is there
		ldns-signzone -i 20190101000000 -e 20200101000000 -f "$W/$z""zone.signed" \
			"$W/$z""zone" "$key" || t_fatal "ldns-signzone $z"
	else
		ldns-signzone -f "$W/$z""zone.signed" "$W/$z""zone" "$key" || t_fatal "ldns-signzone $z"
	fi
	cat "$key.key" >>"$W/anchors" # the zone key itself is the trust anchor
done
cd - >/dev/null || true

lab__nsd_conf signed "$SIGNED_NS" secure.test. "$W/secure.test.zone.signed"
printf 'zone:\n  name: "broken.test."\n  zonefile: "%s"\n' "$W/broken.test.zone.signed" \
	>>"$LAB_DIR/signed/nsd.conf"
lab__spawn signed nsd -d -c "$LAB_DIR/signed/nsd.conf"
lab__unbound_conf validator "$VALIDATOR" allow
cat >>"$LAB_DIR/validator/unbound.conf" <<EOF
server:
  module-config: "validator iterator"
  trust-anchor-file: "$W/anchors"
  ede: yes
  val-log-level: 1
stub-zone:
  name: "secure.test."
  stub-addr: $SIGNED_NS
stub-zone:
  name: "broken.test."
  stub-addr: $SIGNED_NS
EOF
lab__spawn validator unbound -d -c "$LAB_DIR/validator/unbound.conf"
lab__wait_ready signed "$SIGNED_NS" SOA secure.test. || t_fatal "nsd (signed) did not start"
lab__wait_ready validator "$VALIDATOR" TXT version.server CH || t_fatal "validator did not start"

j() { /usr/bin/python3 "$here/jget.py" "$1" "${@:2}"; }
echo "$VALIDATOR validator" >"$W/list.txt"

# --- a valid signature: AD
timeout 20 "$PROG" --once --format json -r "$W/list.txt" --auth "$SIGNED_NS" secure.test MX \
	>"$W/secure.json" 2>"$W/secure.err"
t_eq "signed zone: exit" "$?" 0
t_eq "signed zone: match, validated, no detail" \
	"$(j "$W/secure.json" 'res("'$VALIDATOR'")["status"]' 'res("'$VALIDATOR'")["validated"]' \
		'res("'$VALIDATOR'").get("reason")' 'res("'$VALIDATOR'")["flags"]')" \
	"$(printf 'match\ntrue\nnull\nrd ra ad')"
timeout 20 "$PROG" --once --format csv -r "$W/list.txt" --auth "$SIGNED_NS" secure.test MX \
	>"$W/secure.csv" 2>>"$W/secure.err"
timeout 20 "$PROG" --once -r "$W/list.txt" --auth "$SIGNED_NS" secure.test MX \
	>"$W/secure.table" 2>>"$W/secure.err"
t_check "signed zone: the table's AD column" grep -qE '^RESOLVER .* AD +ANSWER' "$W/secure.table"
t_check "signed zone: AD in the row" grep -qE "^validator +$VALIDATOR +match .* AD +10 mx\.secure\.test\.$" \
	"$W/secure.table"
t_eq "signed zone: csv validated" "$(sed -n 2p "$W/secure.csv" | tr -d '\r' | cut -d, -f13)" true

# --- expired signatures: SERVFAIL, EDE, answered with CD: "dnssec"
timeout 20 "$PROG" --once --format json -r "$W/list.txt" --auth "$SIGNED_NS" broken.test MX \
	>"$W/broken.json" 2>"$W/broken.err"
t_eq "bogus zone: exit 1 (a SERVFAIL is not converged)" "$?" 1
t_eq "bogus zone: servfail, reason dnssec, not validated" \
	"$(j "$W/broken.json" 'res("'$VALIDATOR'")["status"]' 'res("'$VALIDATOR'")["reason"]' \
		'res("'$VALIDATOR'")["validated"]')" \
	"$(printf 'servfail\ndnssec\nfalse')"
# unbound names what it found first: the DNSKEY's signature expired (9 "DNSKEY Missing"),
# later from its cache 6 "DNSSEC Bogus" or 7 "Signature Expired"
ede=$(j "$W/broken.json" 'res("'$VALIDATOR'")["ede"][0]["code"]' 'res("'$VALIDATOR'")["ede"][0]["name"]')
case "$ede" in
$'6\nDNSSEC Bogus' | $'7\nSignature Expired' | $'9\nDNSKEY Missing') t_ok "bogus zone: EDE decoded ($(echo $ede))" ;;
*) t_fail "bogus zone: EDE decoded" "got: $ede" ;;
esac
t_check "bogus zone: the detail is explained" \
	grep -q 'DNSSEC validation failed' <(j "$W/broken.json" 'res("'$VALIDATOR'")["reason_text"]')
timeout 20 "$PROG" --once --format csv -r "$W/list.txt" --auth "$SIGNED_NS" broken.test MX \
	>"$W/broken.csv" 2>>"$W/broken.err"
t_check "bogus zone: csv ede and reason" grep -Eq ',[679] \([A-Za-z ]+\),dnssec.$' \
	<(sed -n 2p "$W/broken.csv")
timeout 20 "$PROG" --once -r "$W/list.txt" --auth "$SIGNED_NS" broken.test MX \
	>"$W/broken.table" 2>>"$W/broken.err"
t_check "bogus zone: '!' in the table's AD column" \
	grep -qE "^validator +$VALIDATOR +servfail .* ! +SERVFAIL" "$W/broken.table"
# the NDJSON stream carries the answer events' EDE too
timeout 4 "$PROG" --format ndjson --timeout 800 -r "$W/list.txt" --auth "$SIGNED_NS" \
	broken.test MX >"$W/broken.ndjson" 2>>"$W/broken.err"
t_check "bogus zone: NDJSON answer with its EDE" grep -Eq '"ede": \[\{"code": [679],' "$W/broken.ndjson"

t_finish
