#!/bin/bash
# End-to-end test of --plan (the cut-over plan of an MX change) against the loopback lab:
# the MX TTL (3600 s) and the NS TTL at the parent (7200 s) are read from the lab's NSD
# servers, the clock is fixed with --now, and the whole text and JSON output is checked
# exactly: lower the TTL now, switch an hour later, the new MX everywhere 5 minutes after
# that, the old server kept five days after the switch (RFC 5321 retries); with --new-ns
# naming another DNS host the NS TTL counts; an MTA-STS TXT record is seen, and with
# --mta-sts-max-age of a week it decides; the policy itself, served over HTTPS with a test
# CA, gives its max_age and mx: lines (matched against --to). Bad values exit 2.
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

export LAB_MX_TTL=3600 LAB_TTL=7200
lab_start 1 || t_fatal "lab_start"
W=$LAB_DIR/t_plan
mkdir -p "$W"
R1=${LAB_RESOLVERS[0]}
NOW=2026-12-01T12:00:00Z
NEW="10 mx-new.example.test."
j() { /usr/bin/python3 "$here/jget.py" "$1" "${@:2}"; }

# --- bad input: exit 2 at once
for args in "--plan" "--to x" "--plan --to 10 --now x" "--plan --to x --once" \
	"--plan --low-ttl 0 --to x" "--plan --to x --exec true" "--plan --to x --mta-sts-max-age 2y"; do
	# shellcheck disable=SC2086
	timeout 10 "$PROG" $args -s "$R1" example.test >"$W/bad.out" 2>"$W/bad.err"
	t_eq "'$args': exit 2" "$?" 2
done
timeout 10 "$PROG" --plan --to "not mx" -s "$R1" example.test >"$W/bad.out" 2>"$W/bad.err"
t_eq "--to 'not mx': exit 2" "$?" 2
t_check "--to 'not mx': says why" grep -q "is not valid MX data" "$W/bad.err"

# --- the plan of a known state, as text
timeout 20 "$PROG" --plan --now "$NOW" --to "$NEW" -s "$R1" example.test >"$W/plan.txt" 2>"$W/plan.err"
t_eq "--plan: exit 0" "$?" 0
t_eq "--plan: nothing on stderr" "$(cat "$W/plan.err")" ""
cat >"$W/want.txt" <<'TXT'
Cut-over plan for example.test. MX, from 2026-12-01T12:00:00.000Z
  MX now:    10 mx-old.example.test. (TTL 3600 s, 1h00m)
  MX to be:  10 mx-new.example.test.
  DNS host:  unchanged (ns1.example.test., ns2.example.test.)
  MTA-STS:   no policy published (_mta-sts.example.test. TXT)

1. 2026-12-01T12:00:00.000Z (now): lower the MX TTL from 3600 s to 300 s; keep the records as they are.
2. 2026-12-01T13:00:00.000Z (in 1h00m): the lower TTL has reached every cache (the old TTL, 1h00m, after step 1).
   The switch is safe from then on: replace the MX records with the new ones.
3. 2026-12-01T13:05:00.000Z (in 1h05m): every cache serves the new MX (5m00s after the switch); the TTL may go up again.
4. until 2026-12-06T13:00:00.000Z (in 5d01h): keep the old server accepting mail, the latest of:
   - 2026-12-01T13:05:00.000Z (switch + 5m00s) mx_ttl: a cache that fetched the old MX just before the switch keeps it for the TTL
   - 2026-12-06T13:00:00.000Z (switch + 5d00h) retry: senders retry a message queued for the old host for 4-5 days (RFC 5321 section 4.5.4.1)  <- decides
TXT
t_eq "--plan: the exact text" "$(diff "$W/want.txt" "$W/plan.txt" && echo same)" same

# --- as JSON
timeout 20 "$PROG" --plan --format json --now "$NOW" --to "$NEW" -s "$R1" example.test >"$W/plan.json" 2>"$W/plan.err"
t_eq "--plan --format json: exit 0" "$?" 0
t_eq "--plan --format json: state, steps and reasons" \
	"$(j "$W/plan.json" 'd["domain"]' 'd["now"]' 'd["current"]' 'd["to"]' 'd["low_ttl"]' 'd["dns_host"]' \
		'd["mta_sts"]' 'd["retry_s"]' \
		'[(s["step"], s["at"], s["in_s"]) for s in d["steps"]]' \
		'[(r["reason"], r["known"], r["after_switch_s"], r["until"], r["decides"]) for r in d["reasons"]]' \
		'd["steps"][0]["needed"], d["steps"][0]["from_ttl"], d["steps"][0]["to_ttl"]' 'd["steps"][3]["reason"]')" \
	"$(printf '%s\n' example.test. 2026-12-01T12:00:00.000Z \
		'{"answer": ["10 mx-old.example.test."], "ttl": 3600}' '["10 mx-new.example.test."]' 300 \
		'{"changes": false, "ns": ["ns1.example.test.", "ns2.example.test."], "new_ns": [], "ns_ttl": 7200}' \
		'{"published": false, "max_age": null, "policy": null}' 432000 \
		'[["lower_ttl", "2026-12-01T12:00:00.000Z", 0], ["switch", "2026-12-01T13:00:00.000Z", 3600], ["new_everywhere", "2026-12-01T13:05:00.000Z", 3900], ["keep_old_until", "2026-12-06T13:00:00.000Z", 435600]]' \
		'[["mx_ttl", true, 300, "2026-12-01T13:05:00.000Z", false], ["retry", true, 432000, "2026-12-06T13:00:00.000Z", true]]' \
		"(True, 3600, 300)" retry)"

# --- a new DNS host: the NS TTL at the parent (7200 s) + the low TTL after the switch
timeout 20 "$PROG" --plan --format json --now 1796126400 --to "$NEW" --new-ns ns1.newhost.test \
	--new-ns NS2.newhost.test. -s "$R1" example.test >"$W/ns.json" 2>"$W/ns.err"
t_eq "--plan --new-ns: exit 0" "$?" 0
t_eq "--plan --new-ns: the DNS host changes, the NS TTL counts" \
	"$(j "$W/ns.json" 'd["now"]' 'd["dns_host"]["changes"]' 'd["dns_host"]["new_ns"]' \
		'[(r["reason"], r["after_switch_s"], r["until"]) for r in d["reasons"]]' 'd["steps"][2]["at"]')" \
	"$(printf '%s\n' 2026-12-01T12:00:00.000Z true '["ns1.newhost.test.", "ns2.newhost.test."]' \
		'[["mx_ttl", 300, "2026-12-01T13:05:00.000Z"], ["ns_ttl", 7500, "2026-12-01T15:05:00.000Z"], ["retry", 432000, "2026-12-06T13:00:00.000Z"]]' \
		2026-12-01T15:05:00.000Z)"
timeout 20 "$PROG" --plan --now "$NOW" --to "$NEW" --new-ns ns2.example.test --new-ns ns1.example.test \
	-s "$R1" example.test >"$W/same-ns.txt" 2>&1
t_check "--plan --new-ns naming the current servers: the DNS host is unchanged" \
	grep -q "DNS host:  unchanged" "$W/same-ns.txt"

# --- an MTA-STS policy published (TXT), a low TTL already, the new MX already served
lab_add_record '_mta-sts 7200 IN TXT "v=STSv1; id=20261201T000000"' || t_fatal "lab_add_record"
lab_sync_secondary || t_fatal "lab_sync_secondary"
timeout 20 "$PROG" --plan --now "$NOW" --to "10 mx-old.example.test." --low-ttl 2h -s "$R1" \
	example.test >"$W/sts.txt" 2>"$W/sts.err"
t_eq "--plan with MTA-STS, max_age unknown: exit 0" "$?" 0
t_check "MTA-STS TXT seen, max_age asked for" grep -qF \
	"MTA-STS:   policy published, max_age not known (give it with --mta-sts-max-age)" "$W/sts.txt"
t_check "nothing to switch is said" grep -qF "the zone already serves these MX records" "$W/sts.txt"
t_check "TTL 3600 not above --low-ttl 2h: nothing to lower" grep -qF \
	"1. 2026-12-01T12:00:00.000Z (now): the MX TTL (3600 s) is not above 7200 s: nothing to lower." "$W/sts.txt"
t_check "the policy update comes before the switch" grep -qF \
	"Before the switch: add the new MX hosts to the MTA-STS policy's mx: lines" "$W/sts.txt"
t_check "an unknown max_age is listed without a moment" grep -qF "   - (max_age not known) mta_sts:" "$W/sts.txt"
timeout 20 "$PROG" --plan --format json --now "$NOW" --to "$NEW" --mta-sts-max-age 604800 -s "$R1" \
	example.test >"$W/sts.json" 2>"$W/sts.err"
t_eq "--plan --mta-sts-max-age 604800: a week after the switch decides" \
	"$(j "$W/sts.json" 'd["mta_sts"]' 'd["steps"][3]["at"]' 'd["steps"][3]["reason"]')" \
	"$(printf '%s\n' '{"published": true, "max_age": 604800, "policy": null}' 2026-12-08T13:00:00.000Z mta_sts)"

# --- the policy itself, fetched over HTTPS (the lab's https_server.py, a test CA): its
# max_age (two weeks) decides, its mx: lines are matched against the --to hosts
STS=127.53.20.1
bash "$here/testca.sh" "$W/ca" mta-sts.example.test || t_fatal "testca.sh"
mkdir -p "$W/www/.well-known"
printf 'version: STSv1\r\nmode: enforce\r\nmx: mx-old.example.test\r\nmx: *.backup.example.test\r\nmax_age: 1209600\r\n' \
	>"$W/www/.well-known/mta-sts.txt"
lab__spawn https /usr/bin/python3 "$here/https_server.py" --addr "$STS" --port 443 \
	--cert "$W/ca/mta-sts.example.test.pem" --key "$W/ca/mta-sts.example.test.key" \
	--root "$W/www" --log "$W/https.log"
for _ in $(seq 50); do ss -Hltn "sport = :443" | grep -q "$STS:443" && break; sleep 0.1; done
lab_add_record "mta-sts 7200 IN A $STS" || t_fatal "lab_add_record"
lab_sync_secondary || t_fatal "lab_sync_secondary"
timeout 20 "$PROG" --plan --now "$NOW" --to "$NEW" --to "20 mx2.backup.example.test." \
	--ca-file "$W/ca/ca.pem" -s "$R1" example.test >"$W/pol.txt" 2>"$W/pol.err"
t_eq "--plan with a policy: exit 0" "$?" 0
t_eq "--plan with a policy: nothing on stderr" "$(cat "$W/pol.err")" ""
t_check "the policy's max_age is used" grep -qF \
	"MTA-STS:   policy published, max_age 1209600 s (14d00h) from the policy" "$W/pol.txt"
t_check "the policy's mode and mx lines are shown" grep -qF \
	"  policy:    mode enforce, mx: mx-old.example.test, *.backup.example.test" "$W/pol.txt"
t_check "the --to host the policy does not match is a step" grep -qF \
	"   Before the switch: add mx-new.example.test. to the MTA-STS policy's mx: lines (keep the old ones) and change the id in its TXT record." \
	"$W/pol.txt"
t_check "the policy's two weeks decide" grep -qF \
	"   - 2026-12-15T13:00:00.000Z (switch + 14d00h) mta_sts:" "$W/pol.txt"
t_eq "one request, for the policy, to mta-sts.example.test" "$(/usr/bin/python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
print(len(r), r[0]["path"], r[0]["headers"].get("Host"))' "$W/https.log")" \
	"1 /.well-known/mta-sts.txt mta-sts.example.test"
timeout 20 "$PROG" --plan --format json --now "$NOW" --to "20 mx2.backup.example.test." \
	--to "10 MX-OLD.example.test" --mta-sts-max-age 604800 --ca-file "$W/ca/ca.pem" -s "$R1" \
	example.test >"$W/pol.json" 2>"$W/pol.err"
t_eq "--plan --mta-sts-max-age overrides the policy's; every --to host matched" \
	"$(j "$W/pol.json" 'd["mta_sts"]["max_age"]' 'd["mta_sts"]["policy"]' 'd["steps"][3]["at"]')" \
	"$(printf '%s\n' 604800 \
		'{"mode": "enforce", "max_age": 1209600, "mx": ["mx-old.example.test", "*.backup.example.test"], "unmatched": []}' \
		2026-12-08T13:00:00.000Z)"
timeout 20 "$PROG" --plan --now "$NOW" --to "10 mx-old.example.test." --ca-file "$W/ca/ca.pem" \
	-s "$R1" example.test >"$W/pol2.txt" 2>&1
t_check "every --to host matched: nothing to change in the policy" grep -qF \
	"Before the switch: nothing to change in the MTA-STS policy: its mx: lines already match every new MX host." \
	"$W/pol2.txt"
# without --ca-file the test CA is not trusted: a warning, the max_age is not known
timeout 20 "$PROG" --plan --now "$NOW" --to "$NEW" -s "$R1" example.test >"$W/nca.txt" 2>"$W/nca.err"
t_eq "--plan, policy certificate not trusted: exit 0" "$?" 0
t_check "untrusted certificate: a warning says why" grep -q \
	"warning: example.test.: the MTA-STS policy could not be read: the policy at $STS could not be fetched" \
	"$W/nca.err"
t_check "untrusted certificate: max_age not known" grep -qF \
	"policy published, max_age not known (give it with --mta-sts-max-age)" "$W/nca.txt"

# --- no authoritative answer: exit 1 with a reason
timeout 20 "$PROG" --plan --to "$NEW" --auth "$LAB_SILENT" --timeout 300 --retries 0 -s "$R1" \
	example.test >"$W/silent.out" 2>"$W/silent.err"
t_eq "--plan with a silent --auth: exit 1" "$?" 1
t_check "--plan with a silent --auth: says why" grep -q "no authoritative server" "$W/silent.err"

t_finish
