# shellcheck shell=bash
# tests/e2e/lab.sh — a throw-away DNS lab on loopback for proptrack's end-to-end tests.
#
# Source this file from bash, then:
#
#   lab_isolate "$@"      # optional, first thing: re-run this script in a private network
#                         # namespace (loopback only), so nothing can ever leave the host
#   lab_trap              # stop every lab server on EXIT/INT/TERM/HUP
#   lab_start [N]         # start the lab with N unbound resolvers (default 4)
#   ...                   # tests
#   lab_stop              # (also done by the trap)
#
# What runs (every process in a fresh directory "$LAB_DIR" under /tmp/proptrack-lab.*):
#   LAB_ROOT       127.53.0.9   nsd serving a local root zone "." that delegates example.test.
#   LAB_PRIMARY    127.53.0.1   nsd, example.test. primary (ns1.example.test.)
#   LAB_SECONDARY  127.53.0.2   nsd, example.test. "secondary" (ns2.example.test.); gets the zone
#                               only through lab_sync_secondary (a file copy), so it can lag
#   LAB_RESOLVERS  127.53.1.1..N  unbound, iterating from LAB_ROOT (never the real root)
#   LAB_REFUSER    127.53.2.1   unbound that REFUSEs everyone
#   LAB_DNSMASQ    127.53.3.1   dnsmasq caching forwarder to LAB_PRIMARY
#   LAB_SILENT     127.53.4.1   silent.py: reads UDP, never answers; TCP never accepted
#
# Zone example.test. (LAB_ZONE): SOA (serial LAB_SERIAL0, MINIMUM and SOA TTL = LAB_NEG_TTL),
# NS ns1/ns2, MX "10 mx-old.example.test." with TTL LAB_MX_TTL (default 4 s), A for
# mx-old/mx-new/www/aonly, AAAA and TXT, alias CNAME www. LAB_NODATA_NAME has only an A
# record (NODATA for MX); LAB_NX_NAME does not exist (NXDOMAIN).
#
# Helpers: lab_set_mx, lab_add_record, lab_sync_secondary, lab_pause, lab_resume, lab_resolvers_file, lab_prime, lab_wait_serial,
# lab_dig, lab_rcode, lab_answer, lab_ttl, lab_serial, lab_start_silent, lab_pids,
# lab_leftovers. Each is documented where it is defined.
#
# Tunables (environment, read by lab_start): LAB_MX_TTL (4), LAB_TTL (30, other records),
# LAB_NEG_TTL (5), LAB_KEEP=1 keeps "$LAB_DIR" after lab_stop, LAB_VERBOSE=1 logs progress,
# LAB_NETNS=0 makes lab_isolate a no-op, LAB_START_TIMEOUT (10 s), LAB_UNBOUND_LOG_QUERIES=1
# logs every query and reply an unbound resolver gets (in $LAB_DIR/NAME.log).
#
# Safety: unbound gets root hints naming only 127.53.0.9, do-ip6: no, and
# outgoing-interface set to its own 127.x address; dnsmasq forwards only to 127.53.0.1.
# With lab_isolate the whole test also runs in a network namespace that has nothing but lo.

# Variables for the callers (shellcheck cannot see their uses from here).
# shellcheck disable=SC2034
{
LAB_E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_ZONE=example.test.
LAB_PRIMARY=127.53.0.1
LAB_SECONDARY=127.53.0.2
LAB_ROOT=127.53.0.9
LAB_REFUSER=127.53.2.1
LAB_DNSMASQ=127.53.3.1
LAB_SILENT=127.53.4.1
LAB_NX_NAME=nxdomain.example.test.
LAB_NODATA_NAME=aonly.example.test.
LAB_MX_OLD="10 mx-old.example.test."
LAB_MX_NEW="10 mx-new.example.test."
LAB_SERIAL0=2026112801
LAB_RESOLVERS=()
LAB_DIR=""
LAB_PYTHON=${LAB_PYTHON:-/usr/bin/python3}
LAB__MARK=/tmp/proptrack-lab.
LAB_SERIAL=$LAB_SERIAL0
}

# ---------------------------------------------------------------------------------------
# small utilities

lab__log() { [ "${LAB_VERBOSE:-0}" = 1 ] && printf 'lab: %s\n' "$*" >&2; return 0; }
lab__err() { printf 'lab: ERROR: %s\n' "$*" >&2; }

# Milliseconds since the epoch.
lab_now_ms() { local t=${EPOCHREALTIME/./}; echo $(( t / 1000 )); }

# True when PID is a live (non-zombie) process.
lab__alive() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# Start time of PID (field 22 of /proc/PID/stat), to tell a reused PID from the original.
lab__starttime() {
	local s
	s=$(sed -E 's/^[0-9]+ \(.*\) //' "/proc/$1/stat" 2>/dev/null) || return 1
	# shellcheck disable=SC2086
	set -- $s
	echo "${20}"
}

# Live PIDs whose command line mentions DIR (a lab directory), excluding this shell.
# One grep over every /proc/PID/cmdline (a grep per process is slow with many processes).
lab__pids_mentioning() {
	local dir=$1 f pid
	# The pattern comes from a file so that this grep does not match its own command line.
	grep -laF -f <(printf "%s\n" "$dir") /proc/[0-9]*/cmdline 2>/dev/null | while read -r f; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		[ "$pid" = "$$" ] && continue
		lab__alive "$pid" && echo "$pid"
	done
	return 0
}

# Kill PIDs: TERM, wait up to 3 s, then KILL.
lab__kill_pids() {
	local p left i
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null
	for i in $(seq 60); do
		left=()
		for p in "$@"; do lab__alive "$p" && left+=("$p"); done
		[ ${#left[@]} -eq 0 ] && return 0
		sleep 0.05
	done
	kill -KILL "${left[@]}" 2>/dev/null
	sleep 0.1
	return 0
}

# ---------------------------------------------------------------------------------------
# isolation

# lab_isolate "$@": re-execute the calling script inside a new network namespace whose only
# interface is loopback (unshare --net), unless already inside one or LAB_NETNS=0. Nothing
# started there can reach a non-loopback address, whatever its configuration; concurrent
# runs do not collide either. Falls back to the host's loopback (with a warning) when
# unshare is not permitted. Call it before anything else, with the script's arguments.
lab_isolate() {
	if [ "${LAB_NETNS:-1}" = 0 ]; then
		return 0
	fi
	if [ "${LAB_IN_NETNS:-0}" = 1 ]; then
		ip link set lo up 2>/dev/null
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		return 0 # lab_start will complain
	fi
	if ! unshare --net true 2>/dev/null; then
		printf 'lab: warning: cannot create a network namespace; using the host loopback\n' >&2
		return 0
	fi
	export LAB_IN_NETNS=1
	exec unshare --net -- "$BASH" "$0" "$@"
}

# ---------------------------------------------------------------------------------------
# stale runs

# Kill what a previous run left behind: every /tmp/proptrack-lab.* directory whose owner
# shell is gone has its processes killed (found by PID file and by command line naming the
# directory, never by a broad name) and is removed (kept if it holds a KEEP file).
lab__reap_stale() {
	local d owner ostart pids
	for d in "$LAB__MARK"*; do
		[ -d "$d" ] || continue
		[ "$d" = "$LAB_DIR" ] && continue
		[ -e "$d/REAPED" ] && continue
		if [ -r "$d/owner" ]; then
			owner="" ostart=""
			read -r owner ostart <"$d/owner" || true
			if [ -n "${owner:-}" ] && lab__alive "$owner" &&
				[ "$(lab__starttime "$owner")" = "${ostart:-}" ]; then
				continue # its owner still runs: a concurrent lab, not ours to touch
			fi
		elif [ -z "$(find "$d" -maxdepth 0 -mmin +1 2>/dev/null)" ]; then
			continue # just created by a concurrent lab_start, owner not written yet
		fi
		mapfile -t pids < <(lab__pids_mentioning "$d")
		if [ ${#pids[@]} -gt 0 ]; then
			printf 'lab: killing %d leftover process(es) of %s\n' "${#pids[@]}" "$d" >&2
			lab__kill_pids "${pids[@]}"
		fi
		if [ -e "$d/KEEP" ]; then
			touch "$d/REAPED"
		else
			rm -rf -- "$d"
		fi
	done
}

# On the host loopback (no namespace), something else may hold a lab address.
lab__check_free() {
	local busy
	busy=$(ss -Hlnup 2>/dev/null | grep -E ' 127\.53\.[0-9]+\.[0-9]+:' || true)
	if [ -n "$busy" ]; then
		lab__err "lab addresses already in use (another lab running outside a namespace?):"
		printf '%s\n' "$busy" >&2
		return 1
	fi
}

# ---------------------------------------------------------------------------------------
# zone and configuration files

# lab__zone_text SERIAL MX: the example.test. zone. MX holds records separated by ';'
# (each "PREF TARGET"); empty for no MX RRset.
lab__zone_text() {
	local serial=$1 mx=$2 rec
	cat <<EOF
\$ORIGIN example.test.
\$TTL ${LAB_TTL}
@           ${LAB_NEG_TTL} IN SOA ns1.example.test. hostmaster.example.test. (
                ${serial} ; serial
                10        ; refresh
                5         ; retry
                600       ; expire
                ${LAB_NEG_TTL} )     ; minimum (negative-caching TTL)
@              IN NS    ns1.example.test.
@              IN NS    ns2.example.test.
EOF
	local IFS=';'
	for rec in $mx; do
		rec=$(echo "$rec" | sed -E 's/^ +| +$//g')
		[ -n "$rec" ] && printf '@           %s IN MX    %s\n' "$LAB_MX_TTL" "$rec"
	done
	cat <<EOF
@              IN TXT   "v=spf1 -all"
@              IN TXT   "proptrack lab zone"
ns1            IN A     127.53.0.1
ns2            IN A     127.53.0.2
mx-old         IN A     127.53.10.1
mx-new         IN A     127.53.10.2
mx-backup      IN A     127.53.10.3
www            IN A     127.53.10.80
www            IN AAAA  2001:db8::80
alias          IN CNAME www.example.test.
aonly          IN A     127.53.10.4
mail           IN CNAME mx-new.example.test.
ext            IN CNAME www.other.test.
EOF
	# big.example.test. TXT: 12 records of 200 bytes, over the 1232-byte EDNS buffer, so a
	# UDP reply is truncated and the answer has to come over TCP.
	local i x
	x=$(printf '%0197d' 0 | tr 0 x)
	IFS=' '
	for i in 01 02 03 04 05 06 07 08 09 10 11 12; do
		printf 'big            IN TXT   "%s-%s"\n' "$i" "$x"
	done
	# records added by lab_add_record, one per line
	[ -n "$LAB_DIR" ] && [ -r "$LAB_DIR/zone.extra" ] && cat "$LAB_DIR/zone.extra"
	return 0
}

lab__write_root_zone() {
	cat >"$LAB_DIR/root.zone" <<EOF
\$TTL 300
.                       IN SOA a.root-servers.lab. hostmaster.lab. ${LAB_SERIAL0} 1800 900 604800 5
.                       IN NS  a.root-servers.lab.
a.root-servers.lab.     IN A   ${LAB_ROOT}
example.test.       ${LAB_TTL} IN NS  ns1.example.test.
example.test.       ${LAB_TTL} IN NS  ns2.example.test.
ns1.example.test.   ${LAB_TTL} IN A   ${LAB_PRIMARY}
ns2.example.test.   ${LAB_TTL} IN A   ${LAB_SECONDARY}
other.test.         ${LAB_TTL} IN NS  ns.other.test.
ns.other.test.      ${LAB_TTL} IN A   ${LAB_ROOT}
EOF
	# other.test., served by the root server too: the target zone of ext.example.test.'s
	# CNAME, so a chain can leave example.test. for a zone with other name servers.
	cat >"$LAB_DIR/other.test.zone" <<EOF
\$TTL ${LAB_TTL}
other.test.   IN SOA ns.other.test. hostmaster.other.test. 1 1800 900 604800 ${LAB_NEG_TTL}
other.test.   IN NS  ns.other.test.
ns            IN A   ${LAB_ROOT}
www           IN A   127.53.20.80
EOF
	cat >"$LAB_DIR/root.hints" <<EOF
; The lab's only root server. Never the real root.
.                        3600000      NS    A.ROOT-SERVERS.LAB.
A.ROOT-SERVERS.LAB.      3600000      A     ${LAB_ROOT}
EOF
}

# lab__nsd_conf NAME ADDR ZONE ZONEFILE
lab__nsd_conf() {
	local name=$1 addr=$2 zone=$3 zonefile=$4 d=$LAB_DIR/$1
	mkdir -p "$d"
	cat >"$d/nsd.conf" <<EOF
server:
  ip-address: ${addr}
  port: 53
  do-ip6: no
  server-count: 1
  username: ""
  chroot: ""
  zonesdir: "${d}"
  database: ""
  zonelistfile: "${d}/zone.list"
  xfrdfile: "${d}/xfrd.state"
  xfrdir: "${d}"
  pidfile: "${d}/nsd.pid"
  logfile: "${LAB_DIR}/${name}.log"
  verbosity: 1
  hide-version: no
remote-control:
  control-enable: no
zone:
  name: "${zone}"
  zonefile: "${zonefile}"
EOF
}

# lab__unbound_conf NAME ADDR ACCESS
lab__unbound_conf() {
	local name=$1 addr=$2 access=$3 d=$LAB_DIR/$1
	mkdir -p "$d"
	{
		cat <<EOF
server:
  interface: ${addr}
  port: 53
  outgoing-interface: ${addr}
  interface-automatic: no
  do-ip4: yes
  do-ip6: no
  do-udp: yes
  do-tcp: yes
  do-daemonize: no
  chroot: ""
  username: ""
  directory: "${d}"
  use-syslog: no
  logfile: "${LAB_DIR}/${name}.log"
  pidfile: "${d}/unbound.pid"
  verbosity: ${LAB_UNBOUND_VERBOSITY:-1}
  log-time-ascii: yes
  root-hints: "${LAB_DIR}/root.hints"
  do-not-query-localhost: no
  module-config: "iterator"
  qname-minimisation: no
  harden-referral-path: no
  target-fetch-policy: "0 0 0 0 0"
  prefetch: no
  prefetch-key: no
  cache-min-ttl: 0
  serve-expired: no
  num-threads: 1
  so-reuseport: no
  outgoing-range: 64
  num-queries-per-thread: 32
  msg-cache-size: 1m
  rrset-cache-size: 2m
  local-zone: "test." nodefault
  local-zone: "127.in-addr.arpa." nodefault
EOF
		if [ "${LAB_UNBOUND_LOG_QUERIES:-0}" = 1 ]; then
			printf '  log-queries: yes\n  log-replies: yes\n'
		fi
		if [ "$access" = refuse ]; then
			printf '  access-control: 0.0.0.0/0 refuse\n  access-control: 127.0.0.0/8 refuse\n'
		else
			printf '  access-control: 127.0.0.0/8 allow_snoop\n'
		fi
		printf 'remote-control:\n  control-enable: no\n'
	} >"$d/unbound.conf"
}

# ---------------------------------------------------------------------------------------
# processes

# lab__spawn NAME CMD...: start CMD in the background, stdout/stderr to $LAB_DIR/NAME.out,
# record "NAME PID" in $LAB_DIR/pids.
lab__spawn() {
	local name=$1
	shift
	"$@" >"$LAB_DIR/$name.out" 2>&1 </dev/null &
	local pid=$!
	disown "$pid" 2>/dev/null || true
	echo "$name $pid" >>"$LAB_DIR/pids"
	lab__log "started $name (pid $pid): $*"
}

# lab_pids: PIDs of every lab process still alive (spawned ones and their children).
lab_pids() {
	[ -n "$LAB_DIR" ] || return 0
	local name pid
	{
		if [ -r "$LAB_DIR/pids" ]; then
			while read -r name pid; do
				[ -n "${pid:-}" ] && lab__alive "$pid" && echo "$pid"
			done <"$LAB_DIR/pids"
		fi
		lab__pids_mentioning "$LAB_DIR"
	} | sort -un
}

# PID of the process spawned as NAME.
lab__pid_of() {
	awk -v n="$1" '$1 == n { p = $2 } END { if (p) print p }' "$LAB_DIR/pids" 2>/dev/null
}

# lab_pause NAME / lab_resume NAME: SIGSTOP / SIGCONT the process spawned as NAME and all its
# descendants (NSD answers from child processes: stopping the parent alone changes nothing).
lab_pause() { lab__signal_tree STOP "$(lab__pid_of "$1")"; }
lab_resume() { lab__signal_tree CONT "$(lab__pid_of "$1")"; }
lab__signal_tree() {
	local sig=$1 pid=$2 child
	[ -n "$pid" ] || { lab__err "no such lab process"; return 1; }
	kill -"$sig" "$pid" 2>/dev/null
	for child in $(pgrep -P "$pid"); do
		lab__signal_tree "$sig" "$child"
	done
}

# Print a server's log files (for failures).
lab__dump_logs() {
	local name=$1 f
	for f in "$LAB_DIR/$name.out" "$LAB_DIR/$name.log"; do
		if [ -s "$f" ]; then
			printf -- '----- %s -----\n' "$f" >&2
			tail -n 40 "$f" >&2
		fi
	done
}

# ---------------------------------------------------------------------------------------
# queries (drill, always under a timeout: drill itself waits 5 s per lost packet)

# lab_dig ADDR[:PORT] TYPE NAME [CLASS]: raw drill output. Fails when no reply.
lab_dig() {
	local server=$1 type=$2 name=$3 class=${4:-IN} addr port
	addr=${server%:*}
	port=53
	[ "$addr" != "$server" ] && port=${server##*:}
	timeout "${LAB_DIG_TIMEOUT:-3}" drill -p "$port" "$name" "@$addr" "$type" "$class" 2>&1
}

# lab_rcode ADDR TYPE NAME: NOERROR, NXDOMAIN, REFUSED, SERVFAIL, ... or TIMEOUT.
lab_rcode() {
	local out rc
	out=$(lab_dig "$@")
	rc=$(printf '%s\n' "$out" | sed -nE 's/.*->>HEADER<<-.*rcode: ([A-Z]+).*/\1/p' | head -n1)
	echo "${rc:-TIMEOUT}"
}

# lab_answer ADDR TYPE NAME: the answer's RDATA of type TYPE, sorted, one per line.
lab_answer() {
	lab_dig "$@" | awk -v t="$2" '
		/^;; ANSWER SECTION:/ { a = 1; next }
		a && /^$/ { a = 0 }
		a && !/^;/ && toupper($4) == toupper(t) {
			s = ""; for (i = 5; i <= NF; i++) s = s (i > 5 ? " " : "") $i; print s
		}' | sort
}

# lab_ttl ADDR TYPE NAME: the smallest TTL in the answer section (empty if none).
lab_ttl() {
	lab_dig "$@" | awk '
		/^;; ANSWER SECTION:/ { a = 1; next }
		a && /^$/ { a = 0 }
		a && !/^;/ && NF >= 4 { if (m == "" || $2 + 0 < m) m = $2 + 0 }
		END { if (m != "") print m }'
}

# lab_serial ADDR: example.test.'s SOA serial as ADDR serves it (empty if no answer).
lab_serial() {
	lab_answer "$1" SOA "$LAB_ZONE" | awk '{ print $3; exit }'
}

# lab_wait_serial ADDR SERIAL [TIMEOUT_S]: wait until ADDR serves serial >= SERIAL.
lab_wait_serial() {
	local addr=$1 want=$2 limit=${3:-5} deadline s
	deadline=$(($(lab_now_ms) + limit * 1000))
	while :; do
		s=$(LAB_DIG_TIMEOUT=1 lab_serial "$addr")
		if [ -n "$s" ] && [ "$s" -ge "$want" ]; then
			return 0
		fi
		if [ "$(lab_now_ms)" -gt "$deadline" ]; then
			lab__err "$addr still serves serial '${s}', wanted $want after ${limit}s"
			return 1
		fi
		sleep 0.02
	done
}

# lab_prime ADDR [TYPE] [NAME]: ask a resolver, so it caches the current answer
# (default: example.test. MX). Fails unless it answers NOERROR.
lab_prime() {
	local addr=$1 type=${2:-MX} name=${3:-$LAB_ZONE} rc
	rc=$(lab_rcode "$addr" "$type" "$name")
	if [ "$rc" != NOERROR ]; then
		lab__err "priming $addr $type $name: $rc"
		return 1
	fi
}

# ---------------------------------------------------------------------------------------
# readiness

# lab__wait_ready NAME ADDR PROBE...: wait until the process NAME is alive, its UDP socket
# on ADDR:53 is bound (checked with ss: drill waits 5 s on an unbound port) and a probe query
# gets any reply. PROBE is "TYPE QNAME [CLASS]", or "file PATH" (wait for PATH to exist).
lab__wait_ready() {
	local name=$1 addr=$2 deadline pid
	shift 2
	pid=$(lab__pid_of "$name")
	deadline=$(($(lab_now_ms) + ${LAB_START_TIMEOUT:-10} * 1000))
	while :; do
		if [ -z "$pid" ] || ! lab__alive "$pid"; then
			lab__err "$name ($addr) exited during startup"
			lab__dump_logs "$name"
			return 1
		fi
		if [ "$1" = file ]; then
			[ -e "$2" ] && return 0
		elif ss -Hlnu "src $addr:53" 2>/dev/null | grep -q .; then
			if LAB_DIG_TIMEOUT=2 lab_dig "$addr" "$@" | grep -q 'HEADER<<-'; then
				return 0
			fi
		fi
		if [ "$(lab_now_ms)" -gt "$deadline" ]; then
			lab__err "$name ($addr) not answering after ${LAB_START_TIMEOUT:-10}s"
			lab__dump_logs "$name"
			return 1
		fi
		sleep 0.01
	done
}

# ---------------------------------------------------------------------------------------
# start / stop

# lab_start [N]: start the lab with N (default 4, at most 254) unbound resolvers.
# On failure prints the failing server's log, stops everything and returns 1.
lab_start() {
	local n=${1:-4} i t0 name
	if [ "$(id -u)" -ne 0 ]; then
		lab__err "must run as root (binds port 53)"
		return 1
	fi
	for i in nsd unbound dnsmasq drill ss timeout "$LAB_PYTHON"; do
		command -v "$i" >/dev/null 2>&1 || { lab__err "missing $i"; return 1; }
	done
	if [ -n "$LAB_DIR" ]; then
		lab__err "lab already started ($LAB_DIR)"
		return 1
	fi
	if ! [ "$n" -ge 1 ] 2>/dev/null || [ "$n" -gt 254 ]; then
		lab__err "bad resolver count '$n'"
		return 1
	fi
	t0=$(lab_now_ms)
	LAB_MX_TTL=${LAB_MX_TTL:-4}
	LAB_TTL=${LAB_TTL:-30}
	LAB_NEG_TTL=${LAB_NEG_TTL:-5}
	export LAB_MX_TTL LAB_TTL LAB_NEG_TTL

	lab__reap_stale
	if [ "${LAB_IN_NETNS:-0}" != 1 ]; then
		lab__check_free || return 1
	fi

	LAB_DIR=$(mktemp -d "${LAB__MARK}XXXXXX") || { lab__err "mktemp failed"; return 1; }
	export LAB_DIR
	# The owner is the shell that will call lab_stop; once it is gone, a later
	# lab_start treats this directory's processes as leftovers.
	local owner=${BASHPID:-$$}
	echo "$owner $(lab__starttime "$owner")" >"$LAB_DIR/owner"
	: >"$LAB_DIR/pids"
	LAB_RESOLVERS=()
	for ((i = 1; i <= n; i++)); do LAB_RESOLVERS+=("127.53.1.$i"); done

	# zones
	lab__write_root_zone
	mkdir -p "$LAB_DIR/primary" "$LAB_DIR/secondary"
	lab__zone_text "$LAB_SERIAL0" "$LAB_MX_OLD" >"$LAB_DIR/primary/example.test.zone"
	cp "$LAB_DIR/primary/example.test.zone" "$LAB_DIR/secondary/example.test.zone"
	echo "$LAB_SERIAL0" >"$LAB_DIR/primary.serial"
	echo "$LAB_SERIAL0" >"$LAB_DIR/secondary.serial"
	echo "$LAB_MX_OLD" >"$LAB_DIR/primary.mx"

	lab__nsd_conf root "$LAB_ROOT" . "$LAB_DIR/root.zone"
	printf 'zone:\n  name: "other.test."\n  zonefile: "%s"\n' "$LAB_DIR/other.test.zone" \
		>>"$LAB_DIR/root/nsd.conf"
	lab__nsd_conf primary "$LAB_PRIMARY" "$LAB_ZONE" "$LAB_DIR/primary/example.test.zone"
	lab__nsd_conf secondary "$LAB_SECONDARY" "$LAB_ZONE" "$LAB_DIR/secondary/example.test.zone"
	for ((i = 1; i <= n; i++)); do
		lab__unbound_conf "unbound$i" "127.53.1.$i" allow
	done
	lab__unbound_conf refuser "$LAB_REFUSER" refuse

	# start everything at once, then wait for each
	lab__spawn root nsd -d -c "$LAB_DIR/root/nsd.conf"
	lab__spawn primary nsd -d -c "$LAB_DIR/primary/nsd.conf"
	lab__spawn secondary nsd -d -c "$LAB_DIR/secondary/nsd.conf"
	for ((i = 1; i <= n; i++)); do
		lab__spawn "unbound$i" unbound -d -c "$LAB_DIR/unbound$i/unbound.conf"
	done
	lab__spawn refuser unbound -d -c "$LAB_DIR/refuser/unbound.conf"
	lab__spawn dnsmasq dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--no-resolv --no-hosts --no-poll --server="$LAB_PRIMARY" \
		--bind-interfaces --listen-address="$LAB_DNSMASQ" --port=53 \
		--cache-size=1000 --cache-rr=ANY --user=root \
		--pid-file="$LAB_DIR/dnsmasq.pid" --log-facility="$LAB_DIR/dnsmasq.log" --log-queries
	lab__spawn silent "$LAB_PYTHON" "$LAB_E2E_DIR/silent.py" "$LAB_SILENT" 53 1 \
		--ready "$LAB_DIR/silent.ready"

	if ! {
		lab__wait_ready root "$LAB_ROOT" SOA . &&
			lab__wait_ready primary "$LAB_PRIMARY" SOA "$LAB_ZONE" &&
			lab__wait_ready secondary "$LAB_SECONDARY" SOA "$LAB_ZONE" &&
			lab__wait_ready refuser "$LAB_REFUSER" TXT version.server CH &&
			lab__wait_ready dnsmasq "$LAB_DNSMASQ" TXT version.bind CH &&
			lab__wait_ready silent "$LAB_SILENT" file "$LAB_DIR/silent.ready"
	}; then
		lab_stop
		return 1
	fi
	for ((i = 1; i <= n; i++)); do
		if ! lab__wait_ready "unbound$i" "127.53.1.$i" TXT version.server CH; then
			lab_stop
			return 1
		fi
	done
	name=$(lab_answer "$LAB_PRIMARY" MX "$LAB_ZONE")
	if [ "$name" != "$LAB_MX_OLD" ]; then
		lab__err "primary serves MX '$name', expected '$LAB_MX_OLD'"
		lab__dump_logs primary
		lab_stop
		return 1
	fi
	LAB_START_MS=$(($(lab_now_ms) - t0))
	lab__log "lab up in ${LAB_START_MS} ms: $LAB_DIR"
	return 0
}

# lab_start_silent ADDR FIRST_PORT COUNT: extra silent resolvers on consecutive ports
# (e.g. 127.55.0.1 20000 1000). Waits until they are bound.
lab_start_silent() {
	local addr=$1 port=$2 count=$3 name deadline
	name="silent-$addr-$port"
	lab__spawn "$name" "$LAB_PYTHON" "$LAB_E2E_DIR/silent.py" "$addr" "$port" "$count" \
		--ready "$LAB_DIR/$name.ready"
	deadline=$(($(lab_now_ms) + ${LAB_START_TIMEOUT:-10} * 1000))
	until [ -e "$LAB_DIR/$name.ready" ]; do
		if ! lab__alive "$(lab__pid_of "$name")" || [ "$(lab_now_ms)" -gt "$deadline" ]; then
			lab__err "silent resolvers $addr:$port+$count failed to start"
			lab__dump_logs "$name"
			return 1
		fi
		sleep 0.01
	done
}

# lab_stop: kill every process the lab started (and any child naming the lab directory),
# then remove the directory unless LAB_KEEP=1. Safe to call twice or before lab_start.
lab_stop() {
	[ -n "$LAB_DIR" ] || return 0
	local pids
	mapfile -t pids < <(lab_pids)
	if [ ${#pids[@]} -gt 0 ]; then
		lab__kill_pids "${pids[@]}"
	fi
	mapfile -t pids < <(lab_pids)
	if [ ${#pids[@]} -gt 0 ]; then
		lab__err "could not stop: ${pids[*]}"
	fi
	if [ "${LAB_KEEP:-0}" = 1 ]; then
		touch "$LAB_DIR/KEEP"
		printf 'lab: kept %s\n' "$LAB_DIR" >&2
	else
		rm -rf -- "$LAB_DIR"
	fi
	LAB_LAST_DIR=$LAB_DIR
	LAB_DIR=""
	return 0
}

# lab_leftovers [DIR]: PIDs of live processes that still mention DIR (default: the last lab).
lab_leftovers() {
	local d=${1:-${LAB_DIR:-${LAB_LAST_DIR:-}}}
	[ -n "$d" ] || return 0
	lab__pids_mentioning "$d"
}

# lab_trap: stop the lab on EXIT, INT, TERM and HUP. On a non-zero exit status the lab
# directory is kept (logs) and its path printed. Replaces existing traps on those signals.
lab_trap() {
	trap 'lab__on_exit $?' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

lab__on_exit() {
	local st=$1
	if [ "$st" -ne 0 ] && [ -n "$LAB_DIR" ]; then
		LAB_KEEP=1
	fi
	lab_stop
}

# ---------------------------------------------------------------------------------------
# zone changes

# lab__reload NAME ADDR SERIAL: SIGHUP the nsd NAME (nsd 4 re-reads changed zone files on
# HUP; verified with 4.6.1, also for two changes within one second), wait for SERIAL.
lab__reload() {
	local name=$1 addr=$2 serial=$3 pid
	pid=$(lab__pid_of "$name")
	if [ -z "$pid" ] || ! lab__alive "$pid"; then
		lab__err "$name is not running"
		return 1
	fi
	kill -HUP "$pid"
	if ! lab_wait_serial "$addr" "$serial" 5; then
		lab__dump_logs "$name"
		return 1
	fi
}

# lab_set_mx "PREF TARGET[; PREF TARGET...]" [SERIAL]: replace example.test.'s MX RRset on
# the primary only (TTL LAB_MX_TTL), set the serial (default: current + 1), reload, and
# wait until the primary serves it. An empty first argument removes the MX RRset.
# Sets LAB_SERIAL. Works from subshells (state is kept in files in $LAB_DIR).
lab_set_mx() {
	local mx=$1 serial=${2:-}
	[ -n "$LAB_DIR" ] || { lab__err "lab not started"; return 1; }
	if [ -z "$serial" ]; then
		serial=$(($(cat "$LAB_DIR/primary.serial") + 1))
	fi
	lab__zone_text "$serial" "$mx" >"$LAB_DIR/primary/example.test.zone.new"
	mv "$LAB_DIR/primary/example.test.zone.new" "$LAB_DIR/primary/example.test.zone"
	echo "$serial" >"$LAB_DIR/primary.serial"
	echo "$mx" >"$LAB_DIR/primary.mx"
	lab__reload primary "$LAB_PRIMARY" "$serial" || return 1
	# shellcheck disable=SC2034
	LAB_SERIAL=$serial
}

# lab_add_record "NAME TTL IN TYPE RDATA": add a record to example.test. on the primary only
# (the current MX stays), with the serial bumped; sets LAB_SERIAL like lab_set_mx.
lab_add_record() {
	[ -n "$LAB_DIR" ] || { lab__err "lab not started"; return 1; }
	printf '%s\n' "$1" >>"$LAB_DIR/zone.extra"
	lab_set_mx "$(cat "$LAB_DIR/primary.mx")"
}

# lab_sync_secondary: copy the primary's zone to the secondary, reload, wait for the serial.
lab_sync_secondary() {
	local serial
	[ -n "$LAB_DIR" ] || { lab__err "lab not started"; return 1; }
	serial=$(cat "$LAB_DIR/primary.serial")
	cp "$LAB_DIR/primary/example.test.zone" "$LAB_DIR/secondary/example.test.zone.new"
	mv "$LAB_DIR/secondary/example.test.zone.new" "$LAB_DIR/secondary/example.test.zone"
	echo "$serial" >"$LAB_DIR/secondary.serial"
	lab__reload secondary "$LAB_SECONDARY" "$serial"
}

# lab_primary_serial / lab_secondary_serial: the serial each was last loaded with.
lab_primary_serial() { cat "$LAB_DIR/primary.serial"; }
lab_secondary_serial() { cat "$LAB_DIR/secondary.serial"; }

# ---------------------------------------------------------------------------------------
# resolver lists

# lab_resolvers_file PATH [--refuser] [--dnsmasq] [--silent] [--all] [--no-unbound]:
# write a proptrack resolver list: every LAB_RESOLVERS entry ("127.53.1.1  Lab unbound 1
# [lab]"), plus the optional extras.
lab_resolvers_file() {
	local path=$1 a i=0 refuser=0 dnsmasq=0 silent=0 unb=1
	shift
	for a in "$@"; do
		case $a in
		--refuser) refuser=1 ;;
		--dnsmasq) dnsmasq=1 ;;
		--silent) silent=1 ;;
		--all) refuser=1 dnsmasq=1 silent=1 ;;
		--no-unbound) unb=0 ;;
		*) lab__err "lab_resolvers_file: unknown option $a"; return 1 ;;
		esac
	done
	{
		echo "# proptrack lab resolvers (tests/e2e/lab.sh)"
		if [ "$unb" = 1 ]; then
			for a in "${LAB_RESOLVERS[@]}"; do
				i=$((i + 1))
				printf '%s  Lab unbound %d [lab]\n' "$a" "$i"
			done
		fi
		[ "$dnsmasq" = 1 ] && printf '%s  Lab dnsmasq [lab]\n' "$LAB_DNSMASQ"
		[ "$refuser" = 1 ] && printf '%s  Lab refusing unbound [lab]\n' "$LAB_REFUSER"
		[ "$silent" = 1 ] && printf '%s  Lab silent [lab]\n' "$LAB_SILENT"
	} >"$path"
}

# lab_https_serve ROUTES PORT [CA_DIR]: the HTTPS fixture (https_server.py) on 127.0.0.1:PORT
# with the certificate testca.sh made in CA_DIR (default $W/ca), serving $W/root and the
# routes file ROUTES, its request log in $W/PORT.log; its pid goes to PIDS. Returns once ready.
lab_https_serve() {
	local ca=${3:-$W/ca}
	/usr/bin/python3 "$LAB_E2E_DIR/https_server.py" --addr 127.0.0.1 --port "$2" \
		--cert "$ca/127.0.0.1.pem" --key "$ca/127.0.0.1.key" --root "$W/root" \
		--log "$W/$2.log" --routes "$1" >"$W/$2.ready" 2>"$W/$2.err" &
	PIDS+=($!)
	for _ in $(seq 50); do
		grep -q ready "$W/$2.ready" 2>/dev/null && return 0
		sleep 0.1
	done
	t_fatal "https_server.py on port $2 did not start: $(cat "$W/$2.err")"
}
