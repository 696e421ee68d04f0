#!/bin/bash
# --check-resolvers against the lab: recursive, refusing, authoritative-only and silent
# servers are told apart, and --write keeps only the usable ones (and -r reads it back).
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lab.sh"
source "$here/assert.sh"
lab_isolate "$@"
lab_trap
t_need_prog
lab_start 2 || t_fatal "lab_start"

list=$LAB_DIR/check.txt
cat >"$list" <<EOT
${LAB_RESOLVERS[0]}  Lab unbound 1 [lab]
${LAB_RESOLVERS[1]}  Lab unbound 2
$LAB_REFUSER  refusing unbound
$LAB_ROOT  root server (authoritative only)
$LAB_SILENT  silent
EOT
out=$("$PROG" --check-resolvers --format json --timeout 500 --retries 0 -r "$list")
rc=$?
t_eq "some unusable: exit 1" "$rc" 1
statuses=$(printf '%s' "$out" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(r["address"] + "=" + r["status"] for r in d["resolvers"]))
print(d["counts"]["recursive"], d["counts"]["timeout"])')
t_eq "verdicts" "$statuses" "${LAB_RESOLVERS[0]}=recursive ${LAB_RESOLVERS[1]}=recursive $LAB_REFUSER=refused $LAB_ROOT=not-recursive $LAB_SILENT=timeout
2 1"

good=$LAB_DIR/good.txt
"$PROG" --check-resolvers --timeout 500 --retries 0 -r "$list" --write "$good" >/dev/null 2>&1
t_eq "--write: exit 1 (some unusable)" "$?" 1
t_eq "--write keeps the usable ones with labels" "$(grep -v '^#' "$good" | grep -c .)" 2
t_check "--write keeps label and location" grep -q "Lab unbound 1 \[lab\]" "$good"
"$PROG" --once --format json -r "$good" "$LAB_ZONE" >"$LAB_DIR/once.json"
t_eq "the written list reads back" "$?" 0

"$PROG" --check-resolvers --timeout 500 --retries 0 -s "$LAB_SILENT" >/dev/null
t_eq "none usable: exit 3" "$?" 3
"$PROG" --check-resolvers -s "${LAB_RESOLVERS[0]}" >/dev/null
t_eq "all usable: exit 0" "$?" 0
"$PROG" --check-resolvers -s "${LAB_RESOLVERS[0]}" example.test >/dev/null 2>&1
t_eq "no DOMAIN with --check-resolvers: exit 2" "$?" 2
t_finish
