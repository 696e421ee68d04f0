#!/bin/bash
# t_mail.sh — the mail-move checks of `proptrack --diagnose` against the mail lab
# (maillab.sh): the provider's MX specification (matching, a missing host, a wrong
# preference, an old provider's host left with a lower and with a higher preference), SPF
# (missing, doubled, over 10 lookups, still naming the old provider), forward-confirmed PTR,
# an MTA-STS policy served over HTTPS that lists only the old provider's host, and DANE (a
# signed zone with TLSA records, SMTP servers with STARTTLS whose certificate matches and
# one whose does not), and a shipped profile (data/providers.json) recognised from its MX set.
# Only the mail-side check ids are asserted (t_diagnose.sh covers the
# others).
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=maillab.sh
. "$here/maillab.sh"
diaglab_isolate "$@"

PY=/usr/bin/python3
PROG=${PROG:-$here/../../proptrack}
diaglab_trap
maillab_start || { echo "FAIL: the mail lab did not start" >&2; exit 1; }
export XDG_CONFIG_HOME=$MAILLAB_DIR/config

fails=0
out=$MAILLAB_DIR/out.json

# run_case NAME DOMAIN [ARGS...]: diagnose DOMAIN, compare with the expectations of NAME.
run_case() {
	local name=$1 domain=$2 rc
	shift 2
	"$PROG" --diagnose --format json ${smtp_args:---no-smtp} \
		-s "${resolver:-$MAILLAB_RESOLVER}" --timeout 1000 \
		--ca-file "$MAILLAB_DIR/ca/ca.pem" "$@" "$domain" >"$out" 2>"$MAILLAB_DIR/err.txt"
	rc=$?
	if ! "$PY" - "$name" "$rc" "$out" <<'PYEOF'; then
import json, sys

name, rc, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
P, W, F, S = "pass", "warn", "fail", "skip"
ids = ("provider", "provider-mx-hosts", "provider-mx-preference", "provider-mx-foreign",
       "spf-record", "spf-lookups", "spf-include", "spf-old-provider", "mx-ptr",
       "mta-sts-record", "mta-sts-policy", "mta-sts-mx")
# the new provider's two hosts, each with a forward-confirmed PTR, one SPF record including it
good = {"provider": [P], "provider-mx-hosts": [P], "provider-mx-preference": [P],
        "provider-mx-foreign": [P], "spf-record": [P], "spf-lookups": [P], "spf-include": [P],
        "spf-old-provider": [P], "mx-ptr": [P, P], "mta-sts-record": [S]}
# without one SPF record there is no tree to judge (None: the check is absent)
no_spf_tree = {"spf-lookups": None, "spf-include": None, "spf-old-provider": None}
cases = {
    "good": {},
    "missing": {"provider-mx-hosts": [F], "mx-ptr": [P]},
    "wrongpref": {"provider-mx-preference": [F]},
    # 127.58.25.3's PTR names wrong.old.test., which has another address
    "oldlower": {"provider-mx-foreign": [F], "mx-ptr": [P, P, W]},
    "oldhigher": {"provider-mx-foreign": [W], "mx-ptr": [P, P, W]},
    "nospf": dict(no_spf_tree, **{"spf-record": [F]}),
    "twospf": dict(no_spf_tree, **{"spf-record": [F]}),
    "manyspf": {"spf-lookups": [F]},
    "oldspf": {"spf-old-provider": [W]},
    "sts": {"mta-sts-record": [P], "mta-sts-policy": [P], "mta-sts-mx": [F, F]},
    # --provider oldmail on the new provider's set: its host missing, both hosts foreign
    "named-old": {"provider-mx-hosts": [F], "provider-mx-preference": [S],
                  "provider-mx-foreign": [F, F], "spf-include": [F], "spf-old-provider": [W]},
}
# DANE cases (dane.test., signed): only the DANE ids are compared
dane_ids = ("dane-tlsa", "dane-cert")
dane = {
    # through the validating resolver, SMTP probed: good's certificate matches its TLSA
    # record, bad's does not
    "dane": {"dane-tlsa": [P, P], "dane-cert": [P, F]},
    # through the plain resolver: the TLSA answer has no AD bit, DANE does not apply
    "dane-unvalidated": {"dane-tlsa": [W, W]},
}
if name in dane:
    ids, want = dane_ids, dane[name]
else:
    want = dict(good, **cases[name])
want = {k: sorted(v) for k, v in want.items() if v is not None}
try:
    doc = json.load(open(path))
except ValueError as e:
    print("    not JSON: %s" % e)
    sys.exit(1)
got = {}
for c in doc["checks"]:
    if c["id"] in ids:
        got.setdefault(c["id"], []).append(c["status"])
got = {k: sorted(v) for k, v in got.items()}
bad = False
for k in sorted(set(want) | set(got)):
    if want.get(k) != got.get(k):
        print("    %s: want %s, got %s" % (k, want.get(k), got.get(k)))
        bad = True
by = {}
for c in doc["checks"]:
    by.setdefault(c["id"], []).append(c)
def need(cond, what):
    global bad
    if not cond:
        print("    " + what)
        bad = True
prov = by.get("provider", [{}])[0]
if name in dane:
    pass
elif name == "named-old":
    need(prov.get("data", {}).get("provider") == "oldmail" and prov["data"].get("named"),
         "provider: not the named profile: %r" % prov)
else:
    need(prov.get("data", {}).get("provider") == "newmail"
         and prov["data"].get("source") == "https://new.test/docs/mx",
         "provider: not recognised as newmail with its source: %r" % prov)
if name == "missing":
    c = by["provider-mx-hosts"][0]
    need(c["data"]["missing"] == [{"host": "mx2.new.test.", "preference": 20}]
         and "mx2.new.test." in c["message"] and c["fix"], "missing: %r" % c)
if name == "wrongpref":
    c = by["provider-mx-preference"][0]
    need(c["data"]["wrong"] == [{"host": "mx2.new.test.", "preference": 30, "prescribed": 20}],
         "wrongpref: %r" % c)
if name in ("oldlower", "oldhigher"):
    c = by["provider-mx-foreign"][0]
    d = c["data"]
    need(c["subject"] == "in.old.test." and d.get("owner") == "oldmail"
         and d.get("wins") is (name == "oldlower") and d.get("provider_best_preference") == 10
         and "Old Mail" in c["message"], "foreign: %r" % c)
    w = [x for x in by["mx-ptr"] if x["status"] == W][0]
    need(w["data"]["address"] == "127.58.25.3" and w["data"]["ptr"] == ["wrong.old.test."]
         and w["data"]["confirmed"] is False, "mx-ptr: %r" % w)
if name == "manyspf":
    c = by["spf-lookups"][0]
    need(c["data"]["lookups"] == 13 and c["rfc"] == "RFC 7208 §4.6.4", "lookups: %r" % c)
if name == "twospf":
    c = by["spf-record"][0]
    need(c["data"]["records"] == 2 and c["rfc"] == "RFC 7208 §3.2", "twospf: %r" % c)
if name == "oldspf":
    c = by["spf-old-provider"][0]
    need(c["subject"] == "_spf.old.test." and c["data"]["owner"] == "oldmail", "oldspf: %r" % c)
if name == "dane":
    for c in by["dane-cert"]:
        d = c["data"]
        need(d["match"] is (c["status"] == P) and d["presented"].startswith("3 1 1 ")
             and c["rfc"] == "RFC 7672 §3", "dane-cert: %r" % c)
        if c["status"] == F:
            need(c["subject"] == "bad.dane.test. (127.58.25.12)"
                 and d["presented"] in c["fix"], "dane-cert fail: %r" % c)
if name == "sts":
    pol = by["mta-sts-policy"][0]
    d = pol["data"]
    need(d.get("id") == "20261201T000000" and d.get("mode") == "enforce"
         and d.get("max_age") == 604800 and d.get("mx") == ["in.old.test"]
         and d.get("address") == "127.58.44.3" and "until" in pol["message"],
         "policy: %r" % pol)
    for c in by["mta-sts-mx"]:
        need(c["data"]["listed"] is False and "refuse" in c["message"]
             and d["cached_until"] in c["message"] and "20261201T000000" in c["message"],
             "mta-sts-mx: %r" % c)
want_rc = 1 if any(c["status"] == F for c in doc["checks"]) else 0
need(rc == want_rc, "exit status %d, want %d" % (rc, want_rc))
sys.exit(1 if bad else 0)
PYEOF
		echo "  FAIL - $name ($domain, exit $rc)"
		sed 's/^/      stderr: /' "$MAILLAB_DIR/err.txt" | head -5
		fails=$((fails + 1))
	else
		echo "  ok - $name"
	fi
}

for c in good missing wrongpref oldlower oldhigher nospf twospf manyspf oldspf sts; do
	run_case "$c" "$c.mail.test"
done
run_case named-old good.mail.test --provider oldmail
smtp_args="--smtp-port 2525" resolver=$MAILLAB_VALIDATOR run_case dane dane.test
smtp_args="--smtp-port 2525" run_case dane-unvalidated dane.test

# the policy was fetched from the pinned address, once per diagnosis of sts.mail.test.
if ! "$PY" -c '
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
ok = len(reqs) == 1 and reqs[0]["path"] == "/.well-known/mta-sts.txt" \
    and reqs[0]["headers"].get("Host") == "mta-sts.sts.mail.test"
sys.exit(0 if ok else 1)' "$MAILLAB_DIR/https.log"; then
	echo "  FAIL - the MTA-STS policy was not fetched exactly once:"
	sed 's/^/      /' "$MAILLAB_DIR/https.log"
	fails=$((fails + 1))
fi

# a shipped profile (data/providers.json) recognised from its MX set, with its source
"$PROG" --diagnose --format json --no-smtp -s "$MAILLAB_RESOLVER" --timeout 1000 \
	ovh.mail.test >"$out" 2>"$MAILLAB_DIR/err.txt"
if ! "$PY" -c '
import json, sys
by = {}
for c in json.load(open(sys.argv[1]))["checks"]:
    by.setdefault(c["id"], []).append(c)
d = by["provider"][0]["data"]
ok = d.get("provider") == "ovhcloud-mx-plan" and d.get("source", "").startswith(
    "https://github.com/ovh/docs/") and [c["status"] for c in by["provider-mx-hosts"]] == \
    ["pass"] and [c["status"] for c in by["provider-mx-preference"]] == ["pass"]
sys.exit(0 if ok else 1)' "$out"; then
	echo "  FAIL - ovh.mail.test: the shipped ovhcloud-mx-plan profile not recognised"
	"$PY" -c 'import json,sys; [print("      ", c["id"], c["status"], c.get("data")) for c in json.load(open(sys.argv[1]))["checks"] if c["id"].startswith("provider")]' "$out"
	fails=$((fails + 1))
else
	echo "  ok - ovh.mail.test: the shipped ovhcloud-mx-plan profile recognised"
fi

# usage errors: an unknown --provider, and a broken profile file (named, exit 2)
"$PROG" --diagnose --no-smtp -s "$MAILLAB_RESOLVER" --provider nosuch good.mail.test \
	>/dev/null 2>"$MAILLAB_DIR/err.txt"
rc=$?
if [ $rc -ne 2 ] || ! grep -q "unknown --provider 'nosuch'.*newmail" "$MAILLAB_DIR/err.txt"; then
	echo "  FAIL - unknown --provider: exit $rc, $(cat "$MAILLAB_DIR/err.txt")"
	fails=$((fails + 1))
fi
printf '{"providers": [{"name": "x", "mx": []}]}' >"$MAILLAB_DIR/config/proptrack/providers.json"
"$PROG" --diagnose --no-smtp -s "$MAILLAB_RESOLVER" good.mail.test >/dev/null \
	2>"$MAILLAB_DIR/err.txt"
rc=$?
if [ $rc -ne 2 ] || ! grep -q "providers.json: profile 1 (x)" "$MAILLAB_DIR/err.txt"; then
	echo "  FAIL - broken profile file: exit $rc, $(cat "$MAILLAB_DIR/err.txt")"
	fails=$((fails + 1))
fi

[ "$fails" -eq 0 ] || { echo "FAIL: $fails mail-move case(s)"; exit 1; }
echo "PASS: mail-move checks"
