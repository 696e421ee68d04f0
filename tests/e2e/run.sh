#!/bin/bash
# tests/e2e/run.sh [PROG] [PATTERN...] — run proptrack's end-to-end tests.
#
# Runs every tests/e2e/t_*.sh (or only those whose name contains a PATTERN) in order, each
# in its own bash with PROG exported (default: ./proptrack at the repository root), prints
# "ok" or "FAIL" per test (with the test's output on failure, or always with E2E_VERBOSE=1)
# and ends with the line "N passed, M failed". Exit status 1 when anything failed.
# Needs root: the lab binds port 53 on 127.53.x.x (see lab.sh). Each test runs in a
# private network namespace when the kernel allows it (lab_isolate).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: the end-to-end tests must run as root (their DNS servers bind port 53)" >&2
	exit 1
fi

PROG=${1:-$root/proptrack}
PROG=${PROG#./}
[ $# -gt 0 ] && shift
case $PROG in
/*) ;;
*) PROG=$(pwd)/$PROG ;;
esac
export PROG

tests=()
for t in "$here"/t_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	if [ $# -gt 0 ]; then
		want=0
		for p in "$@"; do
			case $name in *"$p"*) want=1 ;; esac
		done
		[ "$want" = 1 ] || continue
	fi
	tests+=("$t")
done

if [ ${#tests[@]} -eq 0 ]; then
	echo "run.sh: no tests found" >&2
	echo "0 passed, 0 failed"
	exit 1
fi

passed=0
failed=0
failed_names=()
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	log=$(mktemp /tmp/proptrack-e2e-"$name".XXXXXX)
	start=${EPOCHREALTIME/./}
	timeout --kill-after=10 "${E2E_TEST_TIMEOUT:-300}" /bin/bash "$t" >"$log" 2>&1 </dev/null
	rc=$?
	secs=$(( (${EPOCHREALTIME/./} - start) / 100000 ))
	secs="$((secs / 10)).$((secs % 10))s"
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		printf 'ok    %s (%s)\n' "$name" "$secs"
		[ "${E2E_VERBOSE:-0}" = 1 ] && sed 's/^/      /' "$log"
	else
		failed=$((failed + 1))
		failed_names+=("$name")
		[ "$rc" -eq 124 ] && echo "      (timed out after ${E2E_TEST_TIMEOUT:-300}s)" >>"$log"
		printf 'FAIL  %s (%s, exit %d)\n' "$name" "$secs" "$rc"
		sed 's/^/      /' "$log"
	fi
	rm -f "$log"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
