# shellcheck shell=bash
# tests/e2e/maillab.sh — the loopback lab for the mail-move checks of --diagnose (provider
# profiles, SPF, forward-confirmed PTR, MTA-STS). Built from diaglab.sh's pieces (NSD and
# unbound configuration, spawning, waiting, stopping by PID), on addresses of its own:
#
#   127.58.0.9:53    nsd  root zone ".": delegates test. and 127.in-addr.arpa. to ns1.lab.
#   127.58.0.1:53    nsd  ns1.lab.: mail-zones/test.zone (every case domain CASE.mail.test.,
#                         the lab providers' hosts and SPF records) and 127.in-addr.arpa.zone
#   127.58.1.1:53    unbound, iterating from 127.58.0.9
#   127.58.1.2:53    unbound, validating, with the DS of dane.test.'s key as trust anchor
#                    (the lab's root is unsigned: validation starts there, RFC 4035 §4.4)
#   127.58.25.11/.12:2525  aiosmtpd with STARTTLS (certificates good.dane.test and
#                    bad.dane.test); dane.test. (mail-zones/dane.zone, signed at lab start
#                    with ldns-signzone) publishes TLSA 3 1 1 records: good's matches its
#                    certificate, bad's names another key
#   127.58.44.3:443  https_server.py: https://mta-sts.sts.mail.test/.well-known/mta-sts.txt,
#                    certificate from testca.sh (trusted with --ca-file $MAILLAB_DIR/ca/ca.pem)
#
# The lab's providers ("newmail": mx1/mx2.new.test, "oldmail": in.old.test) are profiles in
# $MAILLAB_DIR/config/proptrack/providers.json: run proptrack with XDG_CONFIG_HOME set to
# $MAILLAB_DIR/config (the user's profile file, added to the shipped ones).
#
# Source from bash, then: diaglab_isolate "$@"; diaglab_trap; maillab_start; ...
MAILLAB_E2E=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=diaglab.sh
. "$MAILLAB_E2E/diaglab.sh"
MAILLAB_RESOLVER=127.58.1.1
MAILLAB_VALIDATOR=127.58.1.2
MAILLAB_STS=127.58.44.3
MAILLAB_DIR=""

maillab__write() {
	local d=$DIAGLAB_DIR
	printf '$TTL 3600\n.\tSOA\ta.root.lab. hostmaster.lab. 2026120101 3600 600 86400 60\n' \
		>"$d/root.zone"
	printf '.\tNS\ta.root.lab.\na.root.lab.\tA\t127.58.0.9\nns1.lab.\tA\t127.58.0.1\n' \
		>>"$d/root.zone"
	printf 'test.\tNS\tns1.lab.\n127.in-addr.arpa.\tNS\tns1.lab.\n' >>"$d/root.zone"
	printf 'dane.test.\tNS\tns1.lab.\n' >>"$d/root.zone"
	printf '.\t3600000\tNS\ta.root.lab.\na.root.lab.\t3600000\tA\t127.58.0.9\n' \
		>"$d/root.hints"
	mkdir -p "$d/config/proptrack" "$d/www/.well-known"
	cat >"$d/config/proptrack/providers.json" <<'EOJ'
{"providers": [
 {"name": "newmail", "title": "New Mail", "source": "https://new.test/docs/mx",
  "mx": [{"host": "mx1.new.test", "preference": 10}, {"host": "mx2.new.test", "preference": 20}],
  "spf_include": ["spf.new.test"]},
 {"name": "oldmail", "title": "Old Mail", "source": "https://old.test/docs/mx",
  "mx": [{"host": "in.old.test"}], "spf_include": ["_spf.old.test"]}
]}
EOJ
	printf 'version: STSv1\r\nmode: enforce\r\nmx: in.old.test\r\nmax_age: 604800\r\n' \
		>"$d/www/.well-known/mta-sts.txt"
}

# SHA-256 of a certificate's SubjectPublicKeyInfo: the data of a TLSA 3 1 1 record.
maillab__spki() {
	openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER |
		sha256sum | cut -d' ' -f1
}

# dane.zone plus its TLSA records, signed with fresh keys; the KSK's DS is the anchor.
maillab__dane() {
	local d=$DIAGLAB_DIR/dnssec now ksk zsk
	mkdir -p "$d"
	now=$(date +%s)
	{
		cat "$MAILLAB_E2E/mail-zones/dane.zone"
		printf '_25._tcp.good\tTLSA\t3 1 1 %s\n' "$(maillab__spki "$DIAGLAB_DIR/ca/good.dane.test.pem")"
		printf '_25._tcp.bad\tTLSA\t3 1 1 %s\n' "$(maillab__spki "$DIAGLAB_DIR/ca/other.dane.test.pem")"
	} >"$d/dane.zone"
	ksk=$(cd "$d" && ldns-keygen -r /dev/urandom -a ECDSAP256SHA256 -k dane.test.) &&
		zsk=$(cd "$d" && ldns-keygen -r /dev/urandom -a ECDSAP256SHA256 dane.test.) &&
		(cd "$d" && ldns-signzone -o dane.test. -f "$d/dane.zone.signed" \
			-i $((now - 86400)) -e $((now + 30 * 86400)) "$d/dane.zone" "$ksk" "$zsk") &&
		cp "$d/$ksk.ds" "$d/trust-anchors.ds" ||
		{ echo "maillab: signing dane.test. failed" >&2; return 1; }
}

maillab_start() {
	local z
	for z in nsd unbound openssl ldns-keygen ldns-signzone "$DIAGLAB_PY"; do
		command -v "$z" >/dev/null || { echo "maillab: $z not installed" >&2; return 1; }
	done
	DIAGLAB_DIR=$(mktemp -d /tmp/proptrack-maillab.XXXXXX)
	MAILLAB_DIR=$DIAGLAB_DIR
	maillab__write
	bash "$MAILLAB_E2E/testca.sh" "$DIAGLAB_DIR/ca" mta-sts.sts.mail.test good.dane.test \
		bad.dane.test other.dane.test || { echo "maillab: testca.sh failed" >&2; return 1; }
	maillab__dane || return 1
	diaglab__nsd_conf root 127.58.0.9 ".:$DIAGLAB_DIR/root.zone"
	diaglab__nsd_conf ns1 127.58.0.1 "test.:$MAILLAB_E2E/mail-zones/test.zone" \
		"127.in-addr.arpa.:$MAILLAB_E2E/mail-zones/127.in-addr.arpa.zone" \
		"dane.test.:$DIAGLAB_DIR/dnssec/dane.zone.signed"
	diaglab__unbound_conf unbound "$MAILLAB_RESOLVER" "iterator"
	diaglab__unbound_conf validator "$MAILLAB_VALIDATOR" "validator iterator" \
		"trust-anchor-file: \"$DIAGLAB_DIR/dnssec/trust-anchors.ds\"" \
		"harden-dnssec-stripped: yes" "trust-anchor-signaling: no"
	diaglab__spawn root nsd -d -c "$DIAGLAB_DIR/root/nsd.conf"
	diaglab__spawn ns1 nsd -d -c "$DIAGLAB_DIR/ns1/nsd.conf"
	diaglab__spawn https "$DIAGLAB_PY" "$MAILLAB_E2E/https_server.py" --addr "$MAILLAB_STS" \
		--port 443 --cert "$DIAGLAB_DIR/ca/mta-sts.sts.mail.test.pem" \
		--key "$DIAGLAB_DIR/ca/mta-sts.sts.mail.test.key" --root "$DIAGLAB_DIR/www" \
		--log "$DIAGLAB_DIR/https.log"
	for z in good bad; do
		diaglab__spawn "smtp-$z" "$DIAGLAB_PY" -m aiosmtpd -n \
			-l "127.58.25.$([ $z = good ] && echo 11 || echo 12):2525" \
			--tlscert "$DIAGLAB_DIR/ca/$z.dane.test.pem" \
			--tlskey "$DIAGLAB_DIR/ca/$z.dane.test.key" --no-requiretls
	done
	diaglab__wait 127.58.0.9 53 udp && diaglab__wait 127.58.0.1 53 udp || return 1
	diaglab__spawn unbound unbound -d -c "$DIAGLAB_DIR/unbound/unbound.conf"
	diaglab__spawn validator unbound -d -c "$DIAGLAB_DIR/validator/unbound.conf"
	diaglab__wait "$MAILLAB_RESOLVER" 53 udp && diaglab__wait "$MAILLAB_VALIDATOR" 53 udp &&
		diaglab__wait "$MAILLAB_STS" 443 tcp && diaglab__wait 127.58.25.11 2525 tcp &&
		diaglab__wait 127.58.25.12 2525 tcp
}
