#!/bin/bash
# tests/e2e/demo.sh [PROG] — watch an MX change propagate through a lab of real resolvers.
#
# Starts the loopback lab (lab.sh) with 5 unbound resolvers, a dnsmasq, a refusing unbound
# and a silent resolver (8 in all), has each caching resolver cache the MX at a different
# moment, then changes example.test.'s MX (mx-old -> mx-new) on the primary ~5 s later and
# syncs the secondary ~3 s after that. With a terminal, PROG's dashboard shows the resolvers
# flip one by one as their cached copies (TTL DEMO_TTL, default 20 s) expire; press q (or
# Ctrl-C) to quit. Without a terminal it prints `PROG --once` every 2 s until converged.
# Every server it started is stopped on exit. Needs root (port 53).
#
# Environment: DEMO_TTL (20), DEMO_UNBOUND (5), DEMO_STAGGER (seconds between primings, 1),
# DEMO_CHANGE_AFTER (5), DEMO_SYNC_AFTER (3).
set -u
# shellcheck source-path=SCRIPTDIR
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab.sh
source "$here/lab.sh"

PROG=${1:-$here/../../proptrack}
case $PROG in
/*) ;;
*) PROG=$(pwd)/${PROG#./} ;;
esac
if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: run as root: the lab's DNS servers bind port 53 on 127.53.x.x" >&2
	exit 1
fi
if [ ! -x "$PROG" ] || ! "$PROG" --version >/dev/null 2>&1; then
	echo "demo.sh: '$PROG' is missing or does not run (build it with make)" >&2
	exit 1
fi

lab_isolate "$@"

TTL=${DEMO_TTL:-20}
UNBOUND=${DEMO_UNBOUND:-5}
STAGGER=${DEMO_STAGGER:-1}
CHANGE_AFTER=${DEMO_CHANGE_AFTER:-5}
SYNC_AFTER=${DEMO_SYNC_AFTER:-3}
export LAB_MX_TTL=$TTL

changer=""
demo_cleanup() {
	if [ -n "$changer" ]; then
		kill "$changer" 2>/dev/null
		wait "$changer" 2>/dev/null
	fi
	lab_stop
}
trap 'demo_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

cat <<EOF
proptrack demo — an MX change propagating through caching resolvers

  Starting, on loopback only: a local root server (127.53.0.9), the example.test.
  primary (ns1, 127.53.0.1) and secondary (ns2, 127.53.0.2) on NSD, $UNBOUND unbound
  resolvers (127.53.1.x), a dnsmasq (127.53.3.1), an unbound that refuses everyone
  (127.53.2.1) and a resolver that never answers (127.53.4.1).

  example.test. MX is "$LAB_MX_OLD" with a TTL of ${TTL} s. Each caching resolver
  caches it at a different moment. ${CHANGE_AFTER} s after proptrack starts, the primary
  switches to "$LAB_MX_NEW"; the secondary follows ${SYNC_AFTER} s later. Each resolver
  keeps serving the old MX until its cached copy expires, so they flip one by one.
EOF

lab_start "$UNBOUND" || exit 1
LIST=$LAB_DIR/demo-resolvers.txt
lab_resolvers_file "$LIST" --all
echo
echo "  Lab up in ${LAB_START_MS} ms. Resolver list: $LIST"
printf '  Priming the caches %s s apart:' "$STAGGER"
for r in "${LAB_RESOLVERS[@]}" "$LAB_DNSMASQ"; do
	lab_prime "$r" || exit 1
	printf ' %s' "$r"
	sleep "$STAGGER"
done
echo

# The change, in the background; its output goes to a log so it cannot disturb the screen.
change_mx() {
	sleep "$CHANGE_AFTER"
	lab_set_mx "$LAB_MX_NEW" && echo "$(date +%T) primary now serves $LAB_MX_NEW (serial $LAB_SERIAL)"
	sleep "$SYNC_AFTER"
	lab_sync_secondary && echo "$(date +%T) secondary synced"
}

if [ -t 1 ] && [ -t 0 ]; then
	echo "  Starting the dashboard (q quits)..."
	sleep 2
	change_mx >"$LAB_DIR/change.log" 2>&1 &
	changer=$!
	"$PROG" -r "$LIST" example.test MX
	status=$?
	echo "demo: proptrack exited with status $status; change log:"
	sed 's/^/  /' "$LAB_DIR/change.log"
	exit 0
fi

echo "  Not a terminal: printing '$(basename "$PROG") --once' every 2 s until converged."
change_mx &
changer=$!
start=$(lab_now_ms)
limit=$((CHANGE_AFTER + SYNC_AFTER + TTL + UNBOUND * STAGGER + 30))
while :; do
	elapsed=$((($(lab_now_ms) - start) / 1000))
	echo
	echo "=== t+${elapsed}s: proptrack --once -r $LIST example.test"
	serial=$(lab_primary_serial) # read before the run: a change during it must not count
	"$PROG" --once --timeout 500 --retries 0 -r "$LIST" example.test
	rc=$?
	# converged after the change: the primary has moved on and every resolver follows
	if [ "$rc" -eq 0 ] && [ "$serial" -gt "$LAB_SERIAL0" ]; then
		echo
		echo "demo: converged ${elapsed} s after the start."
		exit 0
	fi
	if [ "$elapsed" -gt "$limit" ]; then
		echo "demo: not converged after ${limit} s" >&2
		exit 1
	fi
	sleep 2
done
