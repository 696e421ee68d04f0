#!/bin/bash
# End-to-end test of --atlas against a RIPE Atlas API fixture (issue 12): a real HTTPS server
# on loopback (tests/e2e/https_server.py with scripted routes, a test CA made here) stands in
# for https://atlas.ripe.net (PT_ATLAS_URL / --atlas-url, --ca-file):
# - the measurement request carries the documented fields and the key in the Authorization
#   header (the key is never on the command line, stdout or stderr); results are polled at the
#   pace asked (PT_ATLAS_POLL_MS) until every requested probe reported; the rows are those of
#   the same results read offline;
# - no key, a refused measurement (the API's own message), a server certificate not from the
#   trusted CA, and a redirect (not followed) are clear errors (exit 2).
# PROG is the binary under test (run.sh exports it). Only loopback traffic.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lab.sh
source "$here/lab.sh"
# shellcheck source=tests/e2e/assert.sh
source "$here/assert.sh"
lab_isolate "$@"
lab_trap
export LANG=C.UTF-8 LC_ALL=C.UTF-8
t_need_prog

FIX=$here/fixtures/atlas
W=$(mktemp -d /tmp/proptrack-atlaslive.XXXXXX)
PIDS=()
cleanup() {
	local st=$1 p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$W"
	lab__on_exit "$st"
}
trap 'cleanup $?' EXIT
NEW="10 mx-new.example.test."
KEY=sekrit-key-123

bash "$here/testca.sh" "$W/ca" 127.0.0.1 || t_fatal "testca.sh"
bash "$here/testca.sh" "$W/other" 127.0.0.1 || t_fatal "testca.sh (other CA)"
mkdir -p "$W/root"
/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
json.dump(d[:2], open(sys.argv[2], "w"))' "$FIX/results.json" "$W/root/partial.json"
cp "$FIX/results.json" "$W/root/full.json"
# the same probes' results of the repeats: their own measurement id, observed later
for m in 61000002 61000003; do
	/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for r in d:
    r["msm_id"] = int(sys.argv[3])
    r["timestamp"] += 600
    for e in r.get("resultset", []):
        if "time" in e:
            e["time"] += 600
json.dump(d, open(sys.argv[2], "w"))' "$FIX/results.json" "$W/root/rep$m.json" "$m"
done
cat >"$W/routes.json" <<'JSON'
{"POST /api/v2/measurements/": [{"status": 201, "body": {"measurements": [61000001]}}],
 "GET /api/v2/measurements/61000001/results/": [{"body_file": "partial.json"},
                                                {"body_file": "full.json"}]}
JSON
cat >"$W/repeat.json" <<'JSON'
{"POST /api/v2/measurements/": [{"status": 201, "body": {"measurements": [61000001]}},
                                {"status": 201, "body": {"measurements": [61000002]}},
                                {"status": 201, "body": {"measurements": [61000003]}}],
 "GET /api/v2/measurements/61000001/results/": [{"body_file": "full.json"}],
 "GET /api/v2/measurements/61000002/results/": [{"body_file": "rep61000002.json"}],
 "GET /api/v2/measurements/61000003/results/": [{"body_file": "rep61000003.json"}]}
JSON
# the probes' metadata, answered by both fixtures (1005: values that are not the API's)
cat >"$W/probes.json" <<'JSON'
[{"body": {"count": 7, "next": null, "previous": null, "results": [
   {"id": 1001, "type": "Probe", "country_code": "NL", "asn_v4": 3333, "asn_v6": null},
   {"id": 1002, "type": "Probe", "country_code": "DE", "asn_v4": null, "asn_v6": 3320},
   {"id": 1003, "type": "Probe", "country_code": "NL", "asn_v4": 1136, "asn_v6": 1136},
   {"id": 1004, "type": "Probe", "country_code": "FR", "asn_v4": 3215, "asn_v6": null},
   {"id": 1005, "type": "Probe", "country_code": "XXX", "asn_v4": "bad", "asn_v6": null},
   {"id": 1006, "type": "Probe", "country_code": "BE", "asn_v4": 5432, "asn_v6": null},
   {"id": 1007, "type": "Probe", "country_code": "NL", "asn_v4": 3333, "asn_v6": null}]}}]
JSON
for f in routes repeat; do
	/usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
r["GET /api/v2/probes/"] = json.load(open(sys.argv[2]))
json.dump(r, open(sys.argv[1], "w"))' "$W/$f.json" "$W/probes.json"
done
cat >"$W/refuse.json" <<'JSON'
{"POST /api/v2/measurements/": [{"status": 400, "body": {"error": {"status": 400,
  "code": 104, "title": "Bad Request", "detail": "There was a problem with your request",
  "errors": [{"source": {"pointer": "/definitions"},
              "detail": "You do not have enough credit to schedule this measurement."}]}}}]}
JSON
cat >"$W/redirect.json" <<'JSON'
{"POST /api/v2/measurements/": [{"status": 302, "headers": {"Location": "/elsewhere/"},
                                 "body": ""}],
 "POST /elsewhere/": [{"status": 201, "body": {"measurements": [1]}}]}
JSON

lab_https_serve "$W/routes.json" 8443 "$W/ca"
lab_https_serve "$W/refuse.json" 8444 "$W/ca"
lab_https_serve "$W/redirect.json" 8445 "$W/ca"
lab_https_serve "$W/routes.json" 8446 "$W/other"
lab_https_serve "$W/repeat.json" 8447 "$W/ca"

# ---- a measurement, polled until every probe reported ------------------------------------
PT_OUT=$W/live.json
RIPE_ATLAS_KEY=$KEY PT_ATLAS_URL=https://127.0.0.1:8443 PT_ATLAS_POLL_MS=300 \
	"$PROG" --atlas --atlas-probes 7 --atlas-from country:NL --atlas-wait 20s \
	--ca-file "$W/ca/ca.pem" --expect "$NEW" --once --format json example.test MX \
	>"$PT_OUT" 2>"$W/live.err"
t_eq "--atlas: exit 1 (the fixture's verdicts)" "$?" 1
"$PROG" --atlas-results "$FIX/results.json" --expect "$NEW" --once --format json example.test MX \
	>"$W/off.json" 2>/dev/null
same() {
	/usr/bin/python3 - "$1" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["resolvers"]:
    print(r["label"], r["status"], r["answer"], r["ttl"], r.get("resolver"), r.get("measurement_id"))
PY
}
t_eq "--atlas: the rows of the same results read offline" "$(same "$PT_OUT")" "$(same "$W/off.json")"
t_check "--atlas: the measurement and its cost are said" \
	grep -q "RIPE Atlas measurement 61000001: 7 probes (country:NL), about 70 credits" "$W/live.err"
/usr/bin/python3 - "$W/8443.log" "$KEY" >"$W/req.txt" <<'PY'
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
post = [r for r in reqs if r["method"] == "POST"]
gets = [r for r in reqs if r["method"] == "GET" and "/results/" in r["path"]]
b = json.loads(post[0]["body"])
d = b["definitions"][0]
print(len(post), len(gets))
print(post[0]["path"], post[0]["headers"].get("Authorization") == "Key " + sys.argv[2],
      post[0]["headers"].get("Content-Type"))
print(d["type"], d["query_argument"], d["query_type"], d["query_class"], d["use_probe_resolver"],
      d["set_rd_bit"], d["set_nsid_bit"], d["protocol"], d["udp_payload_size"], d["timeout"],
      d["retry"], b["probes"], b["is_oneoff"])
print(gets[0]["path"], all(g["headers"].get("Authorization") == "Key " + sys.argv[2] for g in gets))
print(gets[0]["time"] - post[0]["time"] >= 0.27, gets[1]["time"] - gets[0]["time"] >= 0.27)
PY
t_eq "--atlas: one POST, then GETs until every probe reported" "$(sed -n 1p "$W/req.txt")" "1 2"
t_eq "--atlas: the key in the Authorization header" "$(sed -n 2p "$W/req.txt")" \
	"/api/v2/measurements/ True application/json"
t_eq "--atlas: the documented measurement fields" "$(sed -n 3p "$W/req.txt")" \
	"dns example.test. MX IN True True True UDP 1232 5000 0 [{'type': 'country', 'value': 'NL', 'requested': 7}] True"
t_eq "--atlas: the results endpoint, with the key" "$(sed -n 4p "$W/req.txt")" \
	"/api/v2/measurements/61000001/results/?format=json True"
t_eq "--atlas: polled no faster than asked" "$(sed -n 5p "$W/req.txt")" "True True"
t_eq "--atlas: the key is in no output" "$(cat "$PT_OUT" "$W/live.err" | grep -c "$KEY")" 0
/usr/bin/python3 - "$W/8443.log" "$PT_OUT" "$KEY" >"$W/meta.txt" <<'PY'
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
pr = [r for r in reqs if r["path"].startswith("/api/v2/probes/")]
print(len(pr), pr[0]["path"] if pr else None,
      pr[0]["headers"].get("Authorization") == "Key " + sys.argv[3] if pr else None)
res = [r for r in reqs if "/results/" in r["path"]]
print(pr[0]["time"] > res[-1]["time"])
rows = {r["probe_id"]: (r["country"], r["asn"]) for r in json.load(open(sys.argv[2]))["resolvers"]}
print(" ".join("%s:%s:%s" % (k, v[0], v[1]) for k, v in sorted(rows.items())))
PY
t_eq "--atlas: the probes' metadata asked once, for the probes that reported" \
	"$(sed -n 1p "$W/meta.txt")" \
	"1 /api/v2/probes/?id__in=1001,1002,1003,1004,1005&fields=id,country_code,asn_v4,asn_v6 True"
t_eq "--atlas: after the results" "$(sed -n 2p "$W/meta.txt")" True
t_eq "--atlas: country and ASN from the probes' metadata (asn_v4, else asn_v6; bad values left out)" \
	"$(sed -n 3p "$W/meta.txt")" \
	"1001:NL:3333 1002:DE:3320 1003:NL:1136 1004:FR:3215 1005:None:None"

# the table's sources line splits by country now that Atlas rows have one
RIPE_ATLAS_KEY=$KEY PT_ATLAS_URL=https://127.0.0.1:8443 PT_ATLAS_POLL_MS=100 \
	"$PROG" --atlas --atlas-probes 7 --atlas-from country:NL --atlas-wait 20s \
	--ca-file "$W/ca/ca.pem" --expect "$NEW" --once example.test MX >"$W/table.txt" 2>/dev/null
t_check "--atlas: the table's split by country" grep -q "by country: .*NL [0-9]/2" "$W/table.txt"

# ---- watching: the measurement repeated on the same probes, paced by --atlas-every ---------
RIPE_ATLAS_KEY=$KEY PT_ATLAS_URL=https://127.0.0.1:8447 PT_ATLAS_POLL_MS=200 \
	"$PROG" --atlas --atlas-probes 7 --atlas-from country:NL --atlas-wait 20s --atlas-every 2s \
	--ca-file "$W/ca/ca.pem" --expect "$NEW" --until-converged --max-wait 5s --format json \
	example.test MX >"$W/rep.json" 2>"$W/rep.err"
t_eq "--atlas-every: exit 1 (not converged within --max-wait)" "$?" 1
t_check "--atlas-every: each repeat and its cost are said" \
	grep -q "RIPE Atlas repeat 1: measurement 61000002 on the probes of 61000001, about 70 credits" "$W/rep.err"
/usr/bin/python3 - "$W/8447.log" "$W/rep.json" "$W/off.json" >"$W/rep.txt" <<'PY'
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
post = [r for r in reqs if r["method"] == "POST"]
# at least one repeat; how many more depends on how fast the first one is collected
print(len(post) >= 2)
print(json.loads(post[0]["body"])["probes"], json.loads(post[1]["body"])["probes"])
d0, d1 = json.loads(post[0]["body"])["definitions"], json.loads(post[1]["body"])["definitions"]
print(d0 == d1)
# paced: no two measurements closer than --atlas-every (2 s)
print(all(post[i + 1]["time"] - post[i]["time"] >= 1.9 for i in range(len(post) - 1)))
rows = [r for r in json.load(open(sys.argv[2]))["resolvers"] if r.get("source") == "atlas"]
ids = sorted({r["measurement_id"] for r in rows})
labels = [r["label"] for r in rows]
first = [r for r in json.load(open(sys.argv[3]))["resolvers"] if r.get("source") == "atlas"]
print(len(labels) == len(set(labels)) == len(first), "61000001" not in ids and len(ids) == 1,
      all(r["observed_at"] > f["observed_at"] for r, f in zip(rows, first)))
PY
t_eq "--atlas-every: the first measurement and at least one repeat" "$(sed -n 1p "$W/rep.txt")" True
t_eq "--atlas-every: the repeat asks the first measurement's probes" "$(sed -n 2p "$W/rep.txt")" \
	"[{'type': 'country', 'value': 'NL', 'requested': 7}] [{'type': 'msm', 'value': 61000001, 'requested': 7}]"
t_eq "--atlas-every: the same question" "$(sed -n 3p "$W/rep.txt")" True
t_eq "--atlas-every: repeats no more often than asked" "$(sed -n 4p "$W/rep.txt")" True
t_eq "--atlas-every: the same rows, now showing the repeat's measurement" \
	"$(sed -n 5p "$W/rep.txt")" "True True True"
t_eq "--atlas-every: the key is in no output" "$(cat "$W/rep.json" "$W/rep.err" | grep -c "$KEY")" 0

# ---- clear errors ------------------------------------------------------------------------
sent=$(grep -c . "$W/8443.log")
env -u RIPE_ATLAS_KEY PT_ATLAS_URL=https://127.0.0.1:8443 "$PROG" --atlas --expect "$NEW" \
	--ca-file "$W/ca/ca.pem" --once example.test MX >/dev/null 2>"$W/e1"
t_eq "no key: exit 2" "$?" 2
t_check "no key: says how to give one" grep -q "set RIPE_ATLAS_KEY or give --atlas-key-file" "$W/e1"
t_eq "no key: nothing sent" "$(grep -c . "$W/8443.log")" "$sent"
printf '%s\n' "$KEY" >"$W/key"
env -u RIPE_ATLAS_KEY "$PROG" --atlas-key-file "$W/key" --atlas-url https://127.0.0.1:8444 \
	--ca-file "$W/ca/ca.pem" --expect "$NEW" --once example.test MX >/dev/null 2>"$W/e2"
t_eq "a refused measurement: exit 2" "$?" 2
t_check "a refused measurement: the API's own message" grep -q \
	"the measurement was refused: Bad Request: There was a problem with your request: You do not have enough credit" "$W/e2"
t_check "--atlas-key-file: the key from the file in the header" grep -q "\"Authorization\": \"Key $KEY\"" "$W/8444.log"
RIPE_ATLAS_KEY=$KEY "$PROG" --atlas --atlas-url https://127.0.0.1:8446 --ca-file "$W/ca/ca.pem" \
	--expect "$NEW" --once example.test MX >/dev/null 2>"$W/e3"
t_eq "a certificate not from the trusted CA: exit 2" "$?" 2
t_check "a certificate not from the trusted CA: said" grep -qi "certificate" "$W/e3"
t_eq "a certificate not from the trusted CA: no request reached the server" \
	"$(cat "$W/8446.log" 2>/dev/null | grep -c .)" 0
RIPE_ATLAS_KEY=$KEY "$PROG" --atlas --atlas-url https://127.0.0.1:8445 --ca-file "$W/ca/ca.pem" \
	--expect "$NEW" --once example.test MX >/dev/null 2>"$W/e4"
t_eq "a redirect: exit 2" "$?" 2
t_check "a redirect: not followed, said" grep -q "HTTP 302" "$W/e4"
t_eq "a redirect: only the first request" "$(grep -c elsewhere "$W/8445.log")" 0
t_finish
