#!/bin/bash
# End-to-end test of bad input and faults (issue 13), against the loopback lab:
# - strict TYPE parsing: TYPE-1, TYPE+5, "TYPE 1" are usage errors (ldns read them as
#   TYPE65535, CNAME and A);
# - --rate below 1 query per second is raised with a warning: --rate 1e-9 does not hang --once;
# - -r /dev/zero stops at 64 MiB with a message (memory capped at 1 GB, but under ASan);
# - an IDN domain is sent as its A-label (xn--...), an invalid one is refused with a message;
# - [::ffff:127.53.1.1] is the same resolver as 127.53.1.1;
# - --log on a full device says that its lines are lost (the device is a node made in the
#   test's own directory, never /dev/full);
# - --write refuses a device node, a FIFO and a symbolic link (each left as it was) and
#   keeps the mode and owner of another user's 0600 file;
# - SIGHUP ends the NDJSON watch with its end event.
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

lab_start 1 || t_fatal "lab_start"
W=$LAB_DIR/t_faults
mkdir -p "$W"
R1=${LAB_RESOLVERS[0]}
FAST=(--timeout 500 --retries 0)

# ---- strict TYPE parsing ------------------------------------------------------------
for t in TYPE-1 TYPE+5 "TYPE 1" "MX " TYPE; do
	"$PROG" --once "${FAST[@]}" -s "$R1" example.test "$t" >/dev/null 2>"$W/type.err"
	rc=$?
	t_eq "type '$t': usage error" "$rc" 2
	t_check "type '$t': named in the message" grep -qF "unknown record type '$t'" "$W/type.err"
done
"$PROG" --once --format json "${FAST[@]}" -s "$R1" --auth "$LAB_PRIMARY" example.test TYPE15 \
	>"$W/type15.json" 2>/dev/null
t_eq "TYPE15 is MX" "$("$LAB_PYTHON" "$here/jget.py" "$W/type15.json" 'd["type"]')" MX

# ---- --rate far below one query per second ---------------------------------------------
t0=$(lab_now_ms)
timeout 20 "$PROG" --once --format json "${FAST[@]}" --rate 1e-9 -s "$R1" --auth "$LAB_PRIMARY" \
	example.test MX >"$W/rate.json" 2>"$W/rate.err"
rc=$?
took=$(($(lab_now_ms) - t0))
t_eq "--rate 1e-9 --once: ends converged" "$rc" 0
t_check "--rate 1e-9: a warning names the rate used" \
	grep -qF -- "--rate 1e-9 is below the lowest rate (1 per second); using 1" "$W/rate.err"
t_le "--rate 1e-9 --once: two queries at 1 per second (${took} ms)" "$took" 3000
timeout 20 "$PROG" --once "${FAST[@]}" --rate 4e-11 -s "$R1" --auth "$LAB_PRIMARY" \
	example.test MX >/dev/null 2>"$W/rate2.err"
t_eq "--rate 4e-11 (overflowed before): ends converged" "$?" 0

# ---- -r /dev/zero ----------------------------------------------------------------------
# the address space is capped at 1 GB, unless the binary cannot start so (ASan reserves more)
vcap=1000000
(ulimit -v "$vcap" && "$PROG" --version) >/dev/null 2>&1 || vcap=unlimited
t0=$(lab_now_ms)
(ulimit -v "$vcap"; timeout 20 "$PROG" --once -r /dev/zero example.test >/dev/null 2>"$W/zero.err")
rc=$?
took=$(($(lab_now_ms) - t0))
t_eq "-r /dev/zero: input error" "$rc" 2
t_check "-r /dev/zero: says why" grep -qF "/dev/zero: more than 64 MiB: not a resolver list" \
	"$W/zero.err"
t_le "-r /dev/zero: stops at once (${took} ms)" "$took" 3000

# ---- IDN -----------------------------------------------------------------------------------
"$PROG" --once --format json "${FAST[@]}" -s "$R1" --auth "$LAB_PRIMARY" 'bücher.example.test' \
	>"$W/idn.json" 2>/dev/null
t_eq "bücher.example.test is asked as its A-label" \
	"$("$LAB_PYTHON" "$here/jget.py" "$W/idn.json" 'd["domain"]')" "xn--bcher-kva.example.test."
"$PROG" --once "${FAST[@]}" -s "$R1" $'a\xff.example.test' >/dev/null 2>"$W/idn.err"
t_eq "invalid UTF-8 in the domain: input error" "$?" 2
t_check "invalid UTF-8: refused with a message" grep -q "cannot convert the international name" \
	"$W/idn.err"

# ---- IPv4-mapped IPv6 is the IPv4 resolver ---------------------------------------------
"$PROG" --once --format json "${FAST[@]}" -s "[::ffff:$R1] $R1 ::ffff:$R1#53" \
	--auth "$LAB_PRIMARY" example.test MX >"$W/mapped.json" 2>/dev/null
t_eq "[::ffff:$R1], $R1 and ::ffff:$R1#53 are one resolver" \
	"$("$LAB_PYTHON" "$here/jget.py" "$W/mapped.json" 'statuses()')" "$R1=match"

# ---- --log on a full device --------------------------------------------------------------
if mknod "$W/full" c 1 7 2>/dev/null; then
	"$PROG" --once "${FAST[@]}" -s "$R1" --auth "$LAB_PRIMARY" --log "$W/full" example.test MX \
		>/dev/null 2>"$W/log.err"
	t_eq "--log on a full device: the verdict's exit status" "$?" 0
	t_check "--log on a full device: the lost lines are reported" \
		grep -qE -- "--log $W/full: [0-9]+ event lines? not written: No space left on device" \
		"$W/log.err"
else
	t_note "mknod not permitted: --log on a full device not tested"
fi

# ---- --write refuses what is not a regular file, keeps mode and owner -------------------
mknod "$W/dev" c 1 7 2>/dev/null || true
mkfifo "$W/fifo"
echo "keep" >"$W/target"
ln -s "$W/target" "$W/link"
echo "theirs" >"$W/theirs"
chmod 600 "$W/theirs"
chown 65534:65534 "$W/theirs"
for f in dev fifo link; do
	[ -e "$W/$f" ] || [ -L "$W/$f" ] || continue
	before=$(stat -c '%F %a %u' "$W/$f")
	"$PROG" --check-resolvers "${FAST[@]}" -s "$R1" --write "$W/$f" >/dev/null 2>"$W/w.err"
	t_eq "--write to a $f: input error" "$?" 2
	t_check "--write to a $f: refused in words" grep -q "refused" "$W/w.err"
	t_eq "--write to a $f: left as it was" "$(stat -c '%F %a %u' "$W/$f")" "$before"
done
t_eq "--write through the symlink did not touch its target" "$(cat "$W/target")" keep
"$PROG" --check-resolvers "${FAST[@]}" -s "$R1" --write "$W/theirs" >/dev/null 2>&1
t_eq "--write over another user's 0600 file: written" "$(grep -c "^$R1" "$W/theirs")" 1
t_eq "--write over another user's 0600 file: mode and owner kept" \
	"$(stat -c '%F %a %u:%g' "$W/theirs")" "regular file 600 65534:65534"
t_eq "--write leaves no temporary file" "$(find "$W" -name '.*.??????' | wc -l)" 0

# ---- SIGHUP ends the NDJSON watch with its end event ---------------------------------------
"$PROG" --format ndjson "${FAST[@]}" -s "$R1" --auth "$LAB_PRIMARY" example.test MX \
	>"$W/hup.ndjson" 2>/dev/null &
pid=$!
for _ in $(seq 100); do
	grep -q '"event": "answer"' "$W/hup.ndjson" 2>/dev/null && break
	sleep 0.05
done
kill -HUP "$pid"
wait "$pid"
t_check "SIGHUP: the NDJSON stream ends with its end event" \
	grep -q '"event": "end"' "$W/hup.ndjson"

# ---- SMTP steps are bounded by --timeout ----------------------------------------------
# a listener that never accepts: the connection completes, the greeting never comes
lab_start_silent 127.53.10.1 2626 1 || t_fatal "silent SMTP listener"
t0=$(lab_now_ms)
timeout 60 "$PROG" --diagnose --format json --smtp-port 2626 --timeout 700 --retries 0 -s "$R1" \
	--auth "$LAB_PRIMARY" example.test >"$W/smtp.json" 2>/dev/null
took=$(($(lab_now_ms) - t0))
t_eq "a greeting that never comes: banner-timeout" "$("$LAB_PYTHON" - "$W/smtp.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(sorted({c["data"].get("result", "?") for c in d["checks"]
                      if c["id"] == "smtp-reachable"})))
PY
)" banner-timeout
t_le "the SMTP probe waits --timeout (700 ms), not 5 s (${took} ms in all)" "$took" 3500

t_finish
