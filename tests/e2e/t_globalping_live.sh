#!/bin/bash
# End-to-end test of --globalping against a Globalping API fixture (issue 12): a real HTTPS
# server on loopback (https_server.py with scripted routes, a test CA made here) stands in for
# https://api.globalping.io (PT_GLOBALPING_URL, --ca-file):
# - the POST carries the documented fields (type dns, target, locations with the magic
#   word and the limit, the query type; no resolver: the probe's own); anonymous use sends no
#   Authorization header, GLOBALPING_TOKEN a Bearer one;
# - GET /v1/limits is asked before each measurement (with the token's header only when there
#   is one) and said, and it is the JSON output's globalping_limits (updated by the creation's
#   X-RateLimit-* headers); none left: no POST, exit 2, when it resets; a repeat with none left
#   is skipped and said; a hostile /v1/limits answer is said and the measurement goes ahead;
# - GET /v1/measurements/{id} is polled 500 ms (PT_GLOBALPING_POLL_MS here) after each answer,
#   with If-None-Match and the ETag, until the measurement is no longer in progress; the rows
#   are those of the same measurement read offline;
# - --gp-from msm:ID re-runs the same probes (locations is the id); a 429 says the limit.
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

FIX=$here/fixtures/globalping
W=$(mktemp -d /tmp/proptrack-gplive.XXXXXX)
PIDS=()
cleanup() {
	local st=$1 p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$W"
	lab__on_exit "$st"
}
trap 'cleanup $?' EXIT
NEW="10 mx-new.example.test."
ID=2f9KpQ7rYvTcdn1A

bash "$here/testca.sh" "$W/ca" 127.0.0.1 || t_fatal "testca.sh"
mkdir -p "$W/root"
cp "$FIX/measurement.json" "$W/root/done.json"
/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["status"] = "in-progress"
for r in d["results"]:
    r["result"] = {"status": "in-progress", "rawOutput": ""}
json.dump(d, open(sys.argv[2], "w"))' "$FIX/measurement.json" "$W/root/progress.json"
# GET /v1/limits as documented (globalping-go limits_models.go): anonymous (per IP, no
# credits), with a token (per user, credits), none left
lim() { # TYPE LIMIT REMAINING RESET [CREDITS]
	local c=""
	[ -n "${5:-}" ] && c=", \"credits\": {\"remaining\": $5}"
	printf '{"body": {"rateLimit": {"measurements": {"create": {"type": "%s", "limit": %s, "remaining": %s, "reset": %s}}}%s}}' \
		"$1" "$2" "$3" "$4" "$c"
}
cat >"$W/routes.json" <<JSON
{"GET /v1/limits": [$(lim ip 250 249 3120)],
 "POST /v1/measurements": [{"status": 202, "body": {"id": "$ID", "probesCount": 5},
   "headers": {"X-RateLimit-Limit": "250", "X-RateLimit-Remaining": "248",
               "X-RateLimit-Reset": "3100"}}],
 "GET /v1/measurements/$ID": [
   {"body_file": "progress.json", "headers": {"ETag": "\"e1\""}},
   {"body_file": "progress.json", "headers": {"ETag": "\"e1\""},
    "if_none_match": {"\"e1\"": {"status": 304, "headers": {"ETag": "\"e1\""}}}},
   {"body_file": "done.json", "headers": {"ETag": "\"e2\""}}]}
JSON
# the repeat of the same probes: its own id, updated later
ID2=3aRepeatOfProbes
/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["id"] = sys.argv[3]
d["updatedAt"] = "2026-12-01T09:00:00.000Z"
json.dump(d, open(sys.argv[2], "w"))' "$FIX/measurement.json" "$W/root/rep.json" "$ID2"
cat >"$W/repeat.json" <<JSON
{"GET /v1/limits": [$(lim ip 250 249 3120)],
 "POST /v1/measurements": [{"status": 202, "body": {"id": "$ID", "probesCount": 5}},
                           {"status": 202, "body": {"id": "$ID2", "probesCount": 5}}],
 "GET /v1/measurements/$ID": [{"body_file": "done.json"}],
 "GET /v1/measurements/$ID2": [{"body_file": "rep.json"}]}
JSON
# a hostile /v1/limits answer (said, ignored), then the POST's 429
cat >"$W/limit.json" <<'JSON'
{"GET /v1/limits": [{"body": {"rateLimit": {"measurements": {"create": {"limit": "\u001b[2J",
   "remaining": -1}}}}}],
 "POST /v1/measurements": [{"status": 429, "headers": {"X-RateLimit-Limit": "250",
   "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1800"},
   "body": {"error": {"type": "too_many_requests", "message": "Too many requests. Please retry in 1800 seconds."}}}]}
JSON
# a token: the limits per user, with credits
/usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
r["GET /v1/limits"] = [json.loads(sys.argv[3])]
json.dump(r, open(sys.argv[2], "w"))' "$W/routes.json" "$W/token.json" "$(lim user 1000 999 600 1000)"
# none left: no POST may follow; a repeat's check finds none left
cat >"$W/none.json" <<JSON
{"GET /v1/limits": [$(lim ip 250 0 1800)],
 "POST /v1/measurements": [{"status": 202, "body": {"id": "$ID", "probesCount": 5}}]}
JSON
cat >"$W/skip.json" <<JSON
{"GET /v1/limits": [$(lim ip 250 249 3120), $(lim ip 250 0 1800)],
 "POST /v1/measurements": [{"status": 202, "body": {"id": "$ID", "probesCount": 5}}],
 "GET /v1/measurements/$ID": [{"body_file": "done.json"}]}
JSON
lab_https_serve "$W/routes.json" 8443
lab_https_serve "$W/limit.json" 8444
lab_https_serve "$W/token.json" 8445
lab_https_serve "$W/repeat.json" 8446
lab_https_serve "$W/none.json" 8447
lab_https_serve "$W/skip.json" 8448

PT_OUT=$W/live.json
env -u GLOBALPING_TOKEN PT_GLOBALPING_URL=https://127.0.0.1:8443 PT_GLOBALPING_POLL_MS=300 \
	"$PROG" --globalping --gp-from DE --gp-limit 5 --ca-file "$W/ca/ca.pem" --expect "$NEW" \
	--once --format json example.test MX >"$PT_OUT" 2>"$W/live.err"
t_eq "--globalping: exit 1 (the fixture's verdicts)" "$?" 1
"$PROG" --globalping-results "$FIX/measurement.json" --expect "$NEW" --once --format json \
	example.test MX >"$W/off.json" 2>/dev/null
same() {
	/usr/bin/python3 - "$1" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["resolvers"]:
    print(r["label"], r["status"], r["answer"], r["ttl"], r["country"], r["asn"], r["resolver"])
PY
}
t_eq "--globalping: the rows of the same measurement read offline" "$(same "$PT_OUT")" \
	"$(same "$W/off.json")"
t_check "--globalping: the rate limits are said" grep -q \
	"Globalping: 249 of 250 measurements left (per IP), resets in 52m00s$" "$W/live.err"
t_eq "--globalping: the JSON's globalping_limits (the POST's headers update /v1/limits')" \
	"$(/usr/bin/python3 -c '
import json, sys
l = json.load(open(sys.argv[1]))["globalping_limits"]
print(l["type"], l["limit"], l["remaining"], l["reset_s"], l["credits"], l["reported_at"][:2])' \
		"$PT_OUT")" "ip 250 248 3100 None 20"
/usr/bin/python3 - "$W/8443.log" >"$W/req.txt" <<'PY'
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
post = [r for r in reqs if r["method"] == "POST"]
lims = [r for r in reqs if r["path"] == "/v1/limits"]
gets = [r for r in reqs if r["method"] == "GET" and r not in lims]
b = json.loads(post[0]["body"])
print(len(post), len(gets), [g["path"] for g in gets][0])
print(json.dumps(b, sort_keys=True))
print("Authorization" in post[0]["headers"], post[0]["headers"].get("Content-Type"))
print([g["headers"].get("If-None-Match") for g in gets])
print(all(gets[i + 1]["time"] - gets[i]["time"] >= 0.27 for i in range(len(gets) - 1)),
      gets[0]["time"] - post[0]["time"] >= 0.27)
print(len(lims), reqs.index(lims[0]) < reqs.index(post[0]), "Authorization" in lims[0]["headers"])
PY
t_eq "--globalping: one POST, GETs until finished" "$(sed -n 1p "$W/req.txt")" \
	"1 3 /v1/measurements/$ID"
t_eq "--globalping: the documented request (no resolver: the probe's own)" \
	"$(sed -n 2p "$W/req.txt")" \
	'{"limit": 5, "locations": [{"magic": "DE"}], "measurementOptions": {"port": 53, "protocol": "UDP", "query": {"type": "MX"}}, "target": "example.test", "type": "dns"}'
t_eq "--globalping: anonymous: no Authorization header" "$(sed -n 3p "$W/req.txt")" \
	"False application/json"
t_eq "--globalping: If-None-Match with the ETag" "$(sed -n 4p "$W/req.txt")" \
	"[None, '\"e1\"', '\"e1\"']"
t_eq "--globalping: polled no faster than asked" "$(sed -n 5p "$W/req.txt")" "True True"
t_eq "--globalping: GET /v1/limits once, before the POST, anonymous" \
	"$(sed -n 6p "$W/req.txt")" "1 True False"

# ---- a token; the same probes again ------------------------------------------------------
GLOBALPING_TOKEN=tok-987 PT_GLOBALPING_POLL_MS=100 "$PROG" --globalping \
	--globalping-url https://127.0.0.1:8445 --gp-from "msm:$ID" --ca-file "$W/ca/ca.pem" \
	--expect "$NEW" --once --format json example.test MX >"$W/rerun.json" 2>"$W/rerun.err"
t_eq "--gp-from msm:ID: exit 1" "$?" 1
t_eq "--gp-from msm:ID: locations is the earlier id; the token as Bearer, /v1/limits too" \
	"$(/usr/bin/python3 -c '
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
p = [r for r in reqs if r["method"] == "POST"][0]
l = [r for r in reqs if r["path"] == "/v1/limits"][0]
print(json.loads(p["body"])["locations"], p["headers"].get("Authorization"),
      l["headers"].get("Authorization"))' "$W/8445.log")" \
	"$ID Bearer tok-987 Bearer tok-987"
t_check "--gp-from msm:ID: a token's limits are per user, with its credits" grep -q \
	"Globalping: 999 of 1000 measurements left (per user), resets in 10m00s; 1000 credits" \
	"$W/rerun.err"
t_eq "--gp-from msm:ID: the token is in no output" \
	"$(cat "$W/rerun.json" "$W/rerun.err" | grep -c tok-987)" 0

# ---- watching: the measurement repeated on the same probes, paced by --gp-every ----------
env -u GLOBALPING_TOKEN PT_GLOBALPING_URL=https://127.0.0.1:8446 PT_GLOBALPING_POLL_MS=100 \
	"$PROG" --globalping --gp-from DE --gp-limit 5 --gp-every 2s --ca-file "$W/ca/ca.pem" \
	--expect "$NEW" --until-converged --max-wait 5s --format json example.test MX \
	>"$W/rep.json" 2>"$W/rep.err"
t_eq "--gp-every: exit 1 (not converged within --max-wait)" "$?" 1
t_check "--gp-every: each repeat is said" \
	grep -q "Globalping repeat 1: measurement $ID2 on the probes of $ID" "$W/rep.err"
/usr/bin/python3 - "$W/8446.log" "$W/rep.json" "$ID2" >"$W/rep.txt" <<'PY'
import json, sys
post = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["method"] == "POST"]
b0, b1 = json.loads(post[0]["body"]), json.loads(post[1]["body"])
print(len(post) >= 2, b0["locations"], b1["locations"], b0["target"] == b1["target"],
      b0["measurementOptions"] == b1["measurementOptions"])
print(all(post[i + 1]["time"] - post[i]["time"] >= 1.9 for i in range(len(post) - 1)))
rows = [r for r in json.load(open(sys.argv[2]))["resolvers"] if r.get("source") == "globalping"]
print(len(rows), sorted({r["measurement_id"] for r in rows}) == [sys.argv[3]])
PY
t_eq "--gp-every: the repeat's locations is the first measurement's id" \
	"$(sed -n 1p "$W/rep.txt")" "True [{'magic': 'DE'}] $ID True True"
t_eq "--gp-every: repeats no more often than asked" "$(sed -n 2p "$W/rep.txt")" True
t_eq "--gp-every: the same rows, now showing the repeat's measurement" \
	"$(sed -n 3p "$W/rep.txt")" "$(same "$W/off.json" | grep -c .) True"

# ---- the rate limit ----------------------------------------------------------------------
"$PROG" --globalping --globalping-url https://127.0.0.1:8447 --ca-file "$W/ca/ca.pem" \
	--expect "$NEW" --once example.test MX >/dev/null 2>"$W/e0"
t_eq "none left: exit 2" "$?" 2
t_check "none left: said, with when it resets" grep -q \
	"proptrack: --globalping: no measurement left within the rate limit; it resets in 30m00s: try again then" \
	"$W/e0"
t_eq "none left: no POST reached the API" "$(grep -c '"POST"' "$W/8447.log")" 0
# with --atlas too, Globalping's rate limit is asked before the Atlas measurement is created:
# its refusal spends no Atlas credits (the same fixture stands for both APIs and logs any POST)
RIPE_ATLAS_KEY=atlas-key-1 "$PROG" --atlas --atlas-url https://127.0.0.1:8447 --globalping \
	--globalping-url https://127.0.0.1:8447 --ca-file "$W/ca/ca.pem" --expect "$NEW" --once \
	example.test MX >/dev/null 2>"$W/e0a"
t_eq "--atlas and --globalping, none left at Globalping: exit 2" "$?" 2
t_check "--atlas and --globalping, none left: said" grep -q \
	"proptrack: --globalping: no measurement left within the rate limit" "$W/e0a"
t_eq "--atlas and --globalping, none left: no measurement created at either API (no POST)" \
	"$(grep -c '"POST"' "$W/8447.log")" 0
env -u GLOBALPING_TOKEN PT_GLOBALPING_URL=https://127.0.0.1:8448 PT_GLOBALPING_POLL_MS=100 \
	"$PROG" --globalping --gp-from DE --gp-limit 5 --gp-every 1s --ca-file "$W/ca/ca.pem" \
	--expect "$NEW" --until-converged --max-wait 3s --format json example.test MX \
	>"$W/skip.out" 2>"$W/skip.err"
t_eq "--gp-every, none left: exit 1 (the first measurement's verdicts)" "$?" 1
t_check "--gp-every, none left: the repeat is skipped and said" grep -q \
	"Globalping repeat 1 skipped: no measurement left within the rate limit; it resets in 30m00s" \
	"$W/skip.err"
t_eq "--gp-every, none left: one POST, limits asked again before the repeat" \
	"$(/usr/bin/python3 -c '
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
print(sum(r["method"] == "POST" for r in reqs), sum(r["path"] == "/v1/limits" for r in reqs))' \
		"$W/8448.log")" "1 2"
"$PROG" --globalping --globalping-url https://127.0.0.1:8444 --ca-file "$W/ca/ca.pem" \
	--expect "$NEW" --once example.test MX >/dev/null 2>"$W/e1"
t_eq "429: exit 2" "$?" 2
t_check "a hostile /v1/limits answer: said, and the measurement goes ahead" grep -q \
	"Globalping: the rate limits are not known (https://127.0.0.1:8444/v1/limits: limit, remaining and reset are not all counts); going ahead" \
	"$W/e1"
t_check "429: the API's message and when the limit resets" grep -q \
	"the measurement was refused: too_many_requests: Too many requests. Please retry in 1800 seconds. (rate limit; reset in 1800 s)" "$W/e1"
t_check "429: the limit is shown" grep -q "Globalping: 0 of 250 measurements left, resets in 30m00s" "$W/e1"
t_finish
