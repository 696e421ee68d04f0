#!/bin/bash
# End-to-end test of several Extended DNS Errors in one reply (issue 15, RFC 8914 allows
# any number): a real unbound resolving from the lab adds five EDE options to every reply
# it sends, through its own Python module interface (python3-unbound's unboundmodule,
# register_inplace_cb_reply*; nothing in unbound itself sends more than one here). One
# EXTRA-TEXT is hostile (a terminal escape and an invalid UTF-8 byte). proptrack keeps the
# first four in reply order and counts the fifth (ede_more), in the JSON, the CSV, the
# NDJSON answer events and back from the log with --replay.
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
PYMOD=/usr/lib/python3/dist-packages
[ -r "$PYMOD/unboundmodule.py" ] ||
	t_fatal "unbound's Python module is missing (python3-unbound; make deps installs it)"
lab_start 1 || t_fatal "lab_start"
W=$LAB_DIR/t_ede
mkdir -p "$W"
EDES=127.53.8.1

# the module: every reply (resolved, from cache, local) gets the same five EDE options
cat >"$W/edes.py" <<'EOF'
EDES = ((22, b"lab: first"), (0, b"lab:\x1b[2J second\xff"), (17, b""), (18, b"x"),
        (20, b"five"))


def add_edes(qinfo, qstate, rep, rcode, edns, opt_list_out, region, **kwargs):
    for code, text in EDES:
        if not edns_opt_list_append(opt_list_out, 15,
                                    bytearray(code.to_bytes(2, "big") + text), region):
            return False
    return True


def init_standard(id, env):
    return (register_inplace_cb_reply(add_edes, env, id)
            and register_inplace_cb_reply_cache(add_edes, env, id)
            and register_inplace_cb_reply_local(add_edes, env, id))


def deinit(id):
    return True


def inform_super(id, qstate, superqstate, qdata):
    return True


def operate(id, event, qstate, qdata):
    if event in (MODULE_EVENT_NEW, MODULE_EVENT_PASS):
        qstate.ext_state[id] = MODULE_WAIT_MODULE
    else:
        qstate.ext_state[id] = MODULE_FINISHED
    return True
EOF
lab__unbound_conf edes "$EDES" allow
cat >>"$LAB_DIR/edes/unbound.conf" <<EOF
server:
  module-config: "python iterator"
  ede: yes
python:
  python-script: "$W/edes.py"
EOF
# unbound's embedded interpreter does not look in dist-packages by itself
lab__spawn edes env PYTHONPATH="$PYMOD" unbound -d -c "$LAB_DIR/edes/unbound.conf"
lab__wait_ready edes "$EDES" TXT version.server CH || t_fatal "unbound with the EDE module did not start"

j() { /usr/bin/python3 "$here/jget.py" "$1" "${@:2}"; }
echo "$EDES edes" >"$W/list.txt"

timeout 20 "$PROG" --once --format json -r "$W/list.txt" --auth "$LAB_PRIMARY" \
	--log "$W/once.log" example.test MX >"$W/once.json" 2>"$W/once.err"
t_eq "--once: exit 0 (the EDEs do not change the verdict)" "$?" 0
t_eq "JSON: the first four EDEs in reply order, the fifth counted" \
	"$(j "$W/once.json" '[e["code"] for e in res("'$EDES'")["ede"]]' 'res("'$EDES'")["ede_more"]')" \
	"$(printf '[22, 0, 17, 18]\n1')"
t_eq "JSON: a name, a text, an empty text as null" \
	"$(j "$W/once.json" '[e["name"] for e in res("'$EDES'")["ede"]][0]' \
		'res("'$EDES'")["ede"][0]["text"]' 'res("'$EDES'")["ede"][2]["text"]')" \
	"$(printf 'No Reachable Authority\nlab: first\nnull')"
t_eq "JSON: the hostile EXTRA-TEXT is cleaned (escape as ?, the bad byte as U+FFFD)" \
	"$(j "$W/once.json" 'res("'$EDES'")["ede"][1]["text"] == "lab:?[2J second\ufffd"')" true
t_check "JSON: no raw escape anywhere" bash -c "! grep -q \$'\\x1b' '$W/once.json'"
t_eq "not stale: no EDE 3 among them" "$(j "$W/once.json" 'res("'$EDES'")["stale"]')" false

timeout 20 "$PROG" --once --format csv -r "$W/list.txt" --auth "$LAB_PRIMARY" \
	example.test MX >"$W/once.csv" 2>>"$W/once.err"
t_check "CSV: every kept EDE in the ede column, joined, the rest counted" \
	grep -qF '22 (No Reachable Authority): lab: first | 0 (Other Error): lab:?[2J second' "$W/once.csv"
t_check "CSV: ... | 17 (Filtered) | 18 (Prohibited): x | 1 more" \
	grep -qF ' | 17 (Filtered) | 18 (Prohibited): x | 1 more,' "$W/once.csv"

# the NDJSON answer events (written by the event log) and --replay of that log
t_eq "NDJSON (--log): the answer event has all four and ede_more" \
	"$(/usr/bin/python3 - "$W/once.log" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event") == "answer":
        print([x["code"] for x in e.get("ede", [])], e.get("ede_more"))
        break
EOF
)" "[22, 0, 17, 18] 1"
timeout 10 "$PROG" --replay "$W/once.log" --format json >"$W/replay.json" 2>>"$W/once.err"
t_eq "--replay: the EDEs come back, in order, with the count" \
	"$(j "$W/replay.json" '[e["code"] for e in res("'$EDES'")["ede"]]' 'res("'$EDES'")["ede_more"]' \
		'res("'$EDES'")["ede"][0]["text"]')" \
	"$(printf '[22, 0, 17, 18]\n1\nlab: first')"

t_finish
