#!/bin/bash
# make bench: proptrack side by side with the tools users reach for, on one simulated fleet
# per size (tests/bench/fleet.c: N resolvers on loopback, per-resolver delay, TTL, answer and
# failure drawn from a seed, the expected result of every resolver written down), in one run,
# inside a network namespace of its own (loopback only). Then the cost of watching.
#   the table    bench.py: floor, wall, CPU, max RSS, share correct, ratios (also JSON)
#   watch-N      the dashboard watching N answering resolvers in tmux: CPU time / wall time
#                over 20 s after a warm-up (1,000: under 2% of a core; 100,000: under 10%),
#                and the queries the fleet saw per resolver (about one per TTL period)
# BENCH_SIZES, BENCH_RUNS, BENCH_BEFORE (an older proptrack measured beside this one),
# BENCH_JSON (where the JSON goes; default build/bench/bench.json), BENCH_WATCH (sizes).
set -u
PROG=$(readlink -f "${1:-./proptrack}")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
E2E=$HERE/../e2e
PY=/usr/bin/python3
FLEET=$ROOT/build/bench/fleet
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (a network namespace of its own)"; exit 1; }

source "$E2E/lab.sh"
lab_isolate "$@"
ip link set lo up
ulimit -n "$(ulimit -Hn)" 2>/dev/null
tmp=$(mktemp -d)
pids=()
cleanup_bench() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup_bench EXIT

args=(--prog "$PROG" --fleet "$FLEET" --out "$tmp/sweep" --runs "${BENCH_RUNS:-3}"
	--sizes "${BENCH_SIZES:-1000,10000,30000,100000}"
	--json "${BENCH_JSON:-$ROOT/build/bench/bench.json}")
[ -n "${BENCH_BEFORE:-}" ] && args+=(--before "$(readlink -f "$BENCH_BEFORE")")
"$PY" "$HERE/bench.py" "${args[@]}" || exit 1

# Watching: the dashboard on N answering resolvers (TTL 30-120 s), CPU over 20 s.
watch_cost() { # N WARMUP
	local n=$1 warm=$2 sock=$tmp/tmux.$1 pid t0 t1 s e hz cpu q m o
	rm -f "$tmp/ready.w$n"
	"$FLEET" --count "$n" --seed 7 --port 5301 --ttl-min 30 --ttl-max 120 \
		--list "$tmp/w$n.list" --ready "$tmp/ready.w$n" --stats "$tmp/w$n.stats" &
	local fpid=$!
	pids+=("$fpid")
	for _ in $(seq 400); do [ -e "$tmp/ready.w$n" ] && break; sleep 0.025; done
	tmux -S "$sock" new-session -d -x 120 -y 40 \
		"$PROG -r $tmp/w$n.list --auth 127.19.0.1:5301 bench.test MX; sleep 5"
	sleep "$warm"
	pid=$(pgrep -f "^$PROG -r $tmp/w$n.list" | head -1)
	[ -n "$pid" ] || { echo "watch-$n: the dashboard did not start"; return; }
	hz=$(getconf CLK_TCK)
	ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
	t0=$(ticks)
	s=$EPOCHREALTIME
	sleep 20
	t1=$(ticks)
	e=$EPOCHREALTIME
	tmux -S "$sock" send-keys q
	sleep 1
	tmux -S "$sock" kill-server 2>/dev/null
	kill "$fpid" 2>/dev/null
	wait "$fpid" 2>/dev/null
	cpu=$(echo "scale=2; 100 * ($t1 - $t0) / $hz / ($e - $s)" | bc -l)
	q=$(awk '/^queries/ {print $2}' "$tmp/w$n.stats" 2>/dev/null)
	m=$(awk '/^max_queries_per_resolver/ {print $2}' "$tmp/w$n.stats" 2>/dev/null)
	o=$(awk '/^max_outstanding/ {print $2}' "$tmp/w$n.stats" 2>/dev/null)
	printf 'watch-%s  dashboard CPU %s%% of one core over 20 s after %s s of warm-up; the fleet saw %s queries in %s s, at most %s for one resolver (TTL 30-120 s), at most %s outstanding at one\n' \
		"$n" "$cpu" "$warm" "${q:-?}" "$((warm + 21))" "${m:-?}" "${o:-?}"
}
for n in ${BENCH_WATCH:-1000 100000}; do
	watch_cost "$n" $((n >= 10000 ? 15 : 5))
done
