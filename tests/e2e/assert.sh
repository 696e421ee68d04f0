# shellcheck shell=bash
# tests/e2e/assert.sh — tiny assertion helpers for the end-to-end tests.
# Each check prints "  ok - ..." or "  FAIL - ..." and the test goes on; t_finish exits
# non-zero when any check failed. Source after lab.sh.

T_PASS=0
T_FAIL=0
T_START_MS=${T_START_MS:-}

t_note() { printf '  # %s\n' "$*"; }

t_ok() {
	T_PASS=$((T_PASS + 1))
	printf '  ok - %s\n' "$1"
}

t_fail() {
	T_FAIL=$((T_FAIL + 1))
	printf '  FAIL - %s\n' "$1"
	shift
	local line
	for line in "$@"; do printf '      %s\n' "$line"; done
}

# t_check DESC CMD...: passes when CMD succeeds.
t_check() {
	local desc=$1
	shift
	if "$@"; then t_ok "$desc"; else t_fail "$desc" "command failed: $*"; fi
}

# t_eq DESC GOT WANT
t_eq() {
	if [ "$2" = "$3" ]; then
		t_ok "$1"
	else
		t_fail "$1" "got:  $(printf '%q' "$2")" "want: $(printf '%q' "$3")"
	fi
}

# t_ne DESC GOT NOT_WANT
t_ne() {
	if [ "$2" != "$3" ]; then
		t_ok "$1"
	else
		t_fail "$1" "got the unwanted value: $(printf '%q' "$2")"
	fi
}

# t_le DESC A B: integer A <= B
t_le() {
	if [ "$2" -le "$3" ] 2>/dev/null; then
		t_ok "$1 ($2 <= $3)"
	else
		t_fail "$1" "$2 is not <= $3"
	fi
}

# t_fatal MSG: a failure the test cannot continue after.
t_fatal() {
	t_fail "$1"
	t_finish
}

# t_need_prog: PROG (exported by run.sh; default ./proptrack at the repository root) must be
# a binary that runs; else the test cannot start.
t_need_prog() {
	PROG=${PROG:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/proptrack}
	if [ ! -x "$PROG" ] || ! timeout 5 "$PROG" --version >/dev/null 2>&1; then
		t_fatal "proptrack binary '$PROG' is missing or does not run (build it with make)"
	fi
}

# wait_file PATH [SECONDS]: wait (default 10 s) until PATH exists; fails quietly when it never does.
wait_file() {
	local deadline=$(($(lab_now_ms) + ${2:-10} * 1000))
	while [ ! -e "$1" ] && [ "$(lab_now_ms)" -lt "$deadline" ]; do
		sleep 0.1
	done
	[ -e "$1" ]
}

# t_finish: summary line for this test file, exit 1 on any failure.
t_finish() {
	printf '  # %d checks passed, %d failed\n' "$T_PASS" "$T_FAIL"
	[ "$T_FAIL" -eq 0 ] && [ "$T_PASS" -gt 0 ] && exit 0
	exit 1
}

# t_sleep_until MS: sleep until lab_now_ms reaches MS (no-op when already past).
t_sleep_until() {
	local now ms
	now=$(lab_now_ms)
	ms=$(($1 - now))
	[ "$ms" -gt 0 ] || return 0
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
}

# Terminal tests (tmux): the caller defines tm() (tmux on its own socket) and runs the program
# in a window named "pt".
# screen_now: the pane's text as it is now.
screen_now() { tm capture-pane -p -t pt 2>/dev/null; }

# wait_screen DESC TIMEOUT_S CMD...: poll the screen until CMD (reading it on stdin) succeeds;
# on failure the last screen is printed.
wait_screen() {
	local desc=$1 secs=$2 deadline
	shift 2
	deadline=$(($(lab_now_ms) + secs * 1000))
	while :; do
		if screen_now | "$@" >/dev/null 2>&1; then
			t_ok "$desc"
			return 0
		fi
		if [ "$(lab_now_ms)" -gt "$deadline" ]; then
			t_fail "$desc" "screen after ${secs}s:"
			screen_now | sed 's/^/      | /'
			return 1
		fi
		sleep 0.2
	done
}
