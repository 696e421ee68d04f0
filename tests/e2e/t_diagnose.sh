#!/bin/bash
# t_diagnose.sh — `proptrack --diagnose --format json` against the diagnosis lab (diaglab.sh):
# one zone per fault, each asserted to give exactly the expected status per check id.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=diaglab.sh
. "$here/diaglab.sh"
diaglab_isolate "$@"

PY=/usr/bin/python3
PROG=${PROG:-$here/../../proptrack}
if [ ! -x "$PROG" ]; then
	echo "FAIL: \$PROG ($PROG) is not an executable" >&2
	exit 1
fi
if ! "$PROG" --help 2>&1 | grep -q -- '--diagnose'; then
	echo "FAIL: $PROG has no --diagnose option (not wired in ui/main.c yet)" >&2
	exit 1
fi

diaglab_trap
diaglab_start || { echo "FAIL: the diagnosis lab did not start" >&2; exit 1; }

fails=0
out=$DIAGLAB_DIR/out.json

# run_case ZONE EXTRA_ARGS: diagnose ZONE.diag.test. through $resolver (the plain iterating
# unbound unless a case says otherwise) and compare with the expectations below.
resolver=$DIAGLAB_RESOLVER
run_case() {
	local zone=$1 rc
	shift
	"$PROG" --diagnose --format json -s "$resolver" "$@" "$zone.diag.test" >"$out" \
		2>"$DIAGLAB_DIR/err.txt"
	rc=$?
	if ! "$PY" - "$zone" "$rc" "$out" "$resolver" <<'PYEOF'; then
import json, sys

zone, rc, path, resolver = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
P, W, F, S = "pass", "warn", "fail", "skip"
# A healthy two-host zone whose hosts have loopback addresses, diagnosed with --no-smtp.
base = {
    "ns-lame": [P, P], "auth-serial-consistent": [P], "auth-mx-consistent": [P],
    "ns-parent-child": [P], "apex-cname": [P], "mx-exists": [P], "mx-null": [P],
    "mx-null-mixed": [P], "mx-ip-literal": [P, P], "mx-duplicate": [P], "mx-single": [P],
    "mx-target-exists": [P, P], "mx-target-cname": [P, P], "mx-target-address": [P, P],
    "mx-target-address-range": [W, W], "propagation": [P], "negative-ttl": [P],
    "ttl-high": [P], "smtp-reachable": [S], "dnssec-validation": [S],
}
one_host = {"mx-single": [W], "mx-ip-literal": [P], "mx-target-exists": [P],
            "mx-target-cname": [P], "mx-target-address": [P], "mx-target-address-range": [W]}
no_host = {"mx-ip-literal": [S], "mx-duplicate": [S], "mx-single": [S],
           "mx-target-exists": [S], "mx-target-cname": [S], "mx-target-address": [S],
           "mx-target-address-range": [S]}
cases = {
    "good": {"smtp-reachable": [P, P]},
    "cname-target": {"mx-target-cname": [F, P]},
    "ip-literal": {"mx-ip-literal": [F, P], "mx-target-exists": [P, S],
                   "mx-target-cname": [P, S], "mx-target-address": [P, S],
                   "mx-target-address-range": [S, W]},
    "dangling": {"mx-target-exists": [F, P], "mx-target-cname": [P, S],
                 "mx-target-address": [P, S], "mx-target-address-range": [S, W]},
    "no-address": {"mx-target-address": [F, P], "mx-target-address-range": [S, W]},
    "private-address": {"mx-target-address-range": [W, W, W]},
    "null-mx": dict(no_host, **{"mx-null": [W]}),
    "null-mixed": dict(one_host, **{"mx-null": [S], "mx-null-mixed": [F]}),
    "lagging": {"auth-serial-consistent": [W], "auth-mx-consistent": [F]},
    "lame": {"ns-lame": [F, P]},
    "single": dict(one_host),
    "high-ttl": {"ttl-high": [W]},
    "apex-cname": dict(one_host, **{"ns-lame": [P], "apex-cname": [F]}),
    "smtp-refused": {"smtp-reachable": [F, P]},
    "smtp-timeout": {"smtp-reachable": [F, P]},
    # through the validating unbound (127.54.1.2, trust anchors at both zones):
    # correctly signed: validates, no SERVFAIL
    "signed": {"dnssec-validation": [P]},
    # signatures expired: SERVFAIL without CD, the MX with CD. The other facts still come
    # through (helper lookups retry SERVFAILs with CD); propagation warns about the SERVFAIL.
    "bogus": {"propagation": [W], "dnssec-validation": [F]},
}
want = dict(base, **cases[zone])
want = {k: sorted(v) for k, v in want.items()}
try:
    doc = json.load(open(path))
except ValueError as e:
    print("    not JSON: %s" % e)
    sys.exit(1)
got = {}
for c in doc["checks"]:
    for key in ("id", "status", "subject", "message", "fix", "rfc", "data"):
        if key not in c:
            print("    check without %r: %r" % (key, c))
            sys.exit(1)
    got.setdefault(c["id"], []).append(c["status"])
got = {k: sorted(v) for k, v in got.items()}
bad = False
note = ""
# The parent's NS names come from the referral's authority section, which struct pt_answer
# may not carry yet: then ns-parent-child can only skip, and says so.
pc = [c for c in doc["checks"] if c["id"] == "ns-parent-child"]
if got.get("ns-parent-child") == [S] and pc and "could not read the delegation" in pc[0]["message"]:
    got["ns-parent-child"] = want["ns-parent-child"]
    note = " (ns-parent-child skipped: referral NS names not available)"
# The mail-side checks (provider, SPF, PTR, MTA-STS, DANE) have their own lab: t_mail.sh.
mail_ids = {"provider", "provider-mx-hosts", "provider-mx-preference", "provider-mx-foreign",
            "spf-record", "spf-lookups", "spf-include", "spf-old-provider", "mx-ptr",
            "mta-sts-record", "mta-sts-policy", "mta-sts-mx", "dane-tlsa", "dane-cert"}
for k in sorted((set(want) | set(got)) - mail_ids):
    if want.get(k) != got.get(k):
        print("    %s: want %s, got %s" % (k, want.get(k), got.get(k)))
        bad = True
summary = {s: sum(1 for c in doc["checks"] if c["status"] == s) for s in (P, W, F, S)}
if summary != doc["summary"]:
    print("    summary %s does not count the checks %s" % (doc["summary"], summary))
    bad = True
dv = [c for c in doc["checks"] if c["id"] == "dnssec-validation"]
if zone == "bogus" and dv:
    c = dv[0]
    d = c["data"]
    if (c["subject"] != resolver or resolver not in c["message"] or "CD" not in c["message"]
            or "bogus.diag.test." not in c["message"] or c["rfc"] != "RFC 4035 §5.5"
            or not c["fix"] or d.get("address") != resolver or d.get("without_cd") != "SERVFAIL"
            or d.get("with_cd") != "data" or d.get("signed") is not True):
        print("    dnssec-validation does not name the failing resolver and the zone: %r" % c)
        bad = True
if zone == "signed" and dv:
    c = dv[0]
    if c["subject"] != "signed.diag.test." or c["data"].get("signed") is not True:
        print("    dnssec-validation pass without the signed zone: %r" % c)
        bad = True
if doc.get("domain") != zone + ".diag.test.":
    print("    domain %r" % doc.get("domain"))
    bad = True
want_rc = 1 if summary[F] else 0
if rc != want_rc:
    print("    exit status %d, want %d" % (rc, want_rc))
    bad = True
if not bad and note:
    print("    note:" + note)
sys.exit(1 if bad else 0)
PYEOF
		echo "  FAIL - $zone.diag.test (exit $rc)"
		sed 's/^/      stderr: /' "$DIAGLAB_DIR/err.txt" | head -5
		fails=$((fails + 1))
	else
		echo "  ok - $zone.diag.test"
	fi
}

for z in cname-target ip-literal dangling no-address private-address null-mx null-mixed \
	lagging lame single high-ttl apex-cname; do
	run_case "$z" --no-smtp
done
for z in good smtp-refused smtp-timeout; do
	run_case "$z" --smtp-port 2525
done
# DNSSEC: through the validating resolver
resolver=$DIAGLAB_VALIDATOR
for z in signed bogus; do
	run_case "$z" --no-smtp
done
resolver=$DIAGLAB_RESOLVER

# the lab itself (drill comes with ldnsutils, like the signing tools): the validator fails
# bogus.diag.test. only without CD, and validates signed.diag.test. (AD); its log is read
# case-insensitively, as proptrack sends names in 0x20 random case and the log shows them so
d1=$(drill @"$DIAGLAB_VALIDATOR" MX bogus.diag.test 2>&1)
d2=$(drill -o CD @"$DIAGLAB_VALIDATOR" MX bogus.diag.test 2>&1)
d3=$(drill -D @"$DIAGLAB_VALIDATOR" MX signed.diag.test 2>&1)
if grep -q 'rcode: SERVFAIL' <<<"$d1" && grep -q 'rcode: NOERROR' <<<"$d2" &&
	grep -q '^bogus.diag.test.*MX.*mx1' <<<"$d2" && grep -q 'rcode: NOERROR' <<<"$d3" &&
	grep -q '^;; flags:.* ad' <<<"$d3" &&
	grep -qi 'validation failure <bogus.diag.test. MX IN>' "$DIAGLAB_DIR/validator.log"; then
	echo "  ok - lab: bogus.diag.test. SERVFAIL (MX with CD), signed.diag.test. AD"
else
	echo "  FAIL - lab DNSSEC (drill @$DIAGLAB_VALIDATOR)"
	printf '%s\n' "$d1" "$d2" "$d3" | grep -E 'rcode|flags' | sed 's/^/      /'
	tail -n 5 "$DIAGLAB_DIR/validator.log" | sed 's/^/      /'
	fails=$((fails + 1))
fi

# table output: readable, with the failing check and its fix
"$PROG" --diagnose --no-smtp --no-color -s "$DIAGLAB_RESOLVER" dangling.diag.test \
	>"$DIAGLAB_DIR/table.txt" 2>&1
if grep -q 'fail.*mx-target-exists.*gone.dangling.diag.test' "$DIAGLAB_DIR/table.txt" &&
	grep -q 'fix:' "$DIAGLAB_DIR/table.txt"; then
	echo "  ok - table output names the dangling target and its fix"
else
	echo "  FAIL - table output"
	sed 's/^/      /' "$DIAGLAB_DIR/table.txt" | head -20
	fails=$((fails + 1))
fi

echo "t_diagnose: $fails failed"
[ "$fails" -eq 0 ]
