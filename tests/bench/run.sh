#!/bin/bash
# make bench: sweep times as ratios against a baseline measured in the same run, so a noisy
# machine moves both. Loopback only: silent sockets (tests/e2e/silent.py) and the lab.
#   silent-1000 / silent-1   one sweep of 1,000 silent resolvers vs one silent resolver, both
#                            --timeout 500 --retries 0: ~1.0 means the sweep is parallel
#   silent-10000 / silent-1  the same with 10,000 (more than the in-flight cap of 8192 when
#                            the fd limit allows it: two rounds, so ~2.0 is expected)
#   lab-sweep / lab-1        the real lab: every resolver vs one resolver (truth included)
#   dashboard idle CPU       the dashboard watching 1,000 answering resolvers (TTL 30 s) in
#                            tmux: CPU time / wall time over 20 s, after a 5 s warm-up (target
#                            under 2% of a core), and queries per resolver per TTL period
set -u
PROG=$(readlink -f "${1:-./proptrack}")
HERE=$(cd "$(dirname "$0")" && pwd)
E2E=$HERE/../e2e
PY=/usr/bin/python3
RUNS=${BENCH_RUNS:-3}
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (the lab binds port 53)"; exit 1; }

source "$E2E/lab.sh"
lab_isolate "$@"
lab_trap
tmp=$(mktemp -d)
pids=()
cleanup_bench() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap 'cleanup_bench; lab_stop' EXIT

silent() { # ADDR PORT COUNT
	"$PY" "$E2E/silent.py" "$1" "$2" "$3" --ready "$tmp/ready.$1" &
	pids+=($!)
	for _ in $(seq 200); do [ -e "$tmp/ready.$1" ] && return 0; sleep 0.05; done
	echo "bench: silent.py on $1 did not start"; exit 1
}

# Median wall time in seconds of RUNS runs of the command.
timeit() {
	local t=() s e
	for _ in $(seq "$RUNS"); do
		s=$EPOCHREALTIME
		"$@" >/dev/null 2>&1
		e=$EPOCHREALTIME
		t+=("$(echo "$e - $s" | bc -l)")
	done
	printf '%s\n' "${t[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}

ratio() { echo "scale=2; $1 / $2" | bc -l; }

silent 127.55.0.1 20000 1
silent 127.55.0.2 20000 1000
# 10,000 in five processes: each socket pair costs two fds, and the hard fd limit of a
# process may be as low as 20,000 here.
for i in 3 4 5 6 7; do silent 127.55.0.$i 20000 2000; done
seq 20000 20999 | sed 's/^/127.55.0.2:/' >"$tmp/s1000"
for i in 3 4 5 6 7; do seq 20000 21999 | sed "s/^/127.55.0.$i:/"; done >"$tmp/s10000"
opts=(--once --timeout 500 --retries 0 --format json --auth 127.55.0.1:20000 bench.test)

b1=$(timeit "$PROG" "${opts[@]}" -s 127.55.0.1:20000)
b1k=$(timeit "$PROG" "${opts[@]}" -r "$tmp/s1000")
b10k=$(timeit "$PROG" "${opts[@]}" -r "$tmp/s10000")
printf 'silent-1      %6.3fs  (baseline)\n' "$b1"
printf 'silent-1000   %6.3fs  ratio %s\n' "$b1k" "$(ratio "$b1k" "$b1")"
printf 'silent-10000  %6.3fs  ratio %s\n' "$b10k" "$(ratio "$b10k" "$b1")"

LAB_MX_TTL=60 lab_start 8 >/dev/null || exit 1
lab_resolvers_file "$tmp/lab.txt"
l1=$(timeit "$PROG" --once --format json "$LAB_ZONE" -s "${LAB_RESOLVERS[0]}")
lall=$(timeit "$PROG" --once --format json "$LAB_ZONE" -r "$tmp/lab.txt")
printf 'lab-1         %6.3fs  (baseline)\n' "$l1"
printf 'lab-sweep     %6.3fs  ratio %s  (%s resolvers)\n' "$lall" "$(ratio "$lall" "$l1")" \
	"$(grep -c '^127' "$tmp/lab.txt")"

# Idle cost of watching: 1,000 resolvers that answer (answerer.py, TTL 30 s) on a dashboard.
"$PY" "$HERE/answerer.py" 127.56.0.1 20000 1000 30 --ready "$tmp/ans.ready" &
pids+=($!)
for _ in $(seq 200); do [ -e "$tmp/ans.ready" ] && break; sleep 0.05; done
seq 20000 20999 | sed 's/^/127.56.0.1:/' >"$tmp/a1000"
sock=$tmp/tmux.sock
tmux -S "$sock" new-session -d -x 120 -y 40 \
	"$PROG -r $tmp/a1000 --expect '10 mx.example.test.' example.test; sleep 5"
sleep 5
pid=$(pgrep -f "^$PROG -r $tmp/a1000" | head -1)
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks)
s=$EPOCHREALTIME
sleep 20
t1=$(ticks)
e=$EPOCHREALTIME
q=$(tmux -S "$sock" capture-pane -p | grep -o '[0-9]* queries' | head -1)
tmux -S "$sock" send-keys q
sleep 0.5
tmux -S "$sock" kill-server 2>/dev/null
cpu=$(echo "scale=2; 100 * ($t1 - $t0) / $hz / ($e - $s)" | bc -l)
printf 'dashboard-1000 idle CPU %s%% of one core over 20 s; %s in 25 s (1,000 resolvers, TTL 30 s)\n' \
	"$cpu" "${q:-? queries}"
