# shellcheck shell=bash
# tests/e2e/diaglab.sh — the loopback lab for proptrack's MX diagnosis (--diagnose) tests.
#
# Source from bash, then: diaglab_isolate "$@"; diaglab_trap; diaglab_start; ...; diaglab_stop.
#
# Addresses: 127.54.x.x only (the main lab, tests/e2e/lab.sh, uses 127.53.x.x). With
# diaglab_isolate the test runs in a private network namespace holding only loopback, so no
# packet can leave the host whatever the configuration says; without one (no unshare) the
# servers still only know 127.54.x.x addresses: unbound's root hints name 127.54.0.9 only.
#
#   127.54.0.9:53   nsd  root zone "." (a.root.lab., ns1-4.lab. glue), delegating each fault
#                        zone NAME.diag.test. (tests/e2e/diag-zones/NAME.zone)
#   127.54.0.1:53   nsd  ns1.lab.: primary, serves every zone file
#   127.54.0.2:53   nsd  ns2.lab.: serves the same files, except lagging.diag.test., where it
#                        serves lagging-old.zone (serial one lower, old MX): the lagging secondary
#   127.54.0.3:53   nsd  ns3.lab.: listed in lame.diag.test.'s NS set but does not serve it
#                        (NSD answers REFUSED): the lame server
#   127.54.0.4:53   diag-zones/cnamedns.py: ns4.lab., the only server of apex-cname.diag.test.
#                        NSD refuses to load a CNAME next to SOA/NS/MX ("CNAME and other data at
#                        the same name"), so this small standard-library responder serves it
#   127.54.1.1:53   unbound, iterating from 127.54.0.9 (module-config "iterator", do-ip6: no);
#                        stub-zones send lagging. and lame.diag.test. to ns1 only, so what the
#                        resolver caches is deterministic
#   127.54.1.2:53   unbound, validating (module-config "validator iterator"), same root hints,
#                        with static trust anchors (the DS of each signed zone's KSK, made at
#                        lab start) at signed.diag.test. and bogus.diag.test.: the lab's root
#                        is unsigned, so validation starts at those anchors (RFC 4035 §4.4)
#   127.54.25.1/.2:2525  aiosmtpd (Debian python3-aiosmtpd via /usr/bin/python3): real SMTP
#   127.54.25.3:2525     nothing listens: connection refused
#   127.54.25.4:2525     silent.py: accepts TCP in the kernel, never sends a greeting (timeout)
# Port 2525 rather than 25 keeps the lab clear of a local MTA; tests pass --smtp-port 2525.
#
# DNSSEC: signed.diag.test. and bogus.diag.test. (diag-zones/NAME.zone, unsigned sources) are
# signed by diaglab_start with fresh ECDSAP256SHA256 keys (KSK + ZSK, ldns-keygen) in the lab
# directory (ldns-signzone): signed.diag.test. with signatures valid from a day ago for 30 days,
# bogus.diag.test. with signatures that expired in 2020 (inception 20200101000000, expiration
# 20200201000000), so the validating resolver answers SERVFAIL for it, and the MX with CD set.
# ns1 and ns2 serve the signed files; the root holds no DS (it is not signed).
#
# Zone MX targets have 127.54.x addresses, except private-address.diag.test. (10.1.2.3 and
# 2001:db8::25), which tests diagnose with --no-smtp.

DIAGLAB_E2E=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIAGLAB_ZONES="$DIAGLAB_E2E/diag-zones"
DIAGLAB_RESOLVER=127.54.1.1
DIAGLAB_VALIDATOR=127.54.1.2
DIAGLAB_PY=${DIAGLAB_PY:-/usr/bin/python3}
DIAGLAB_DIR=""
DIAGLAB_PIDS=()
DIAGLAB_FAULTS="good cname-target ip-literal dangling no-address private-address null-mx
null-mixed lagging lame single high-ttl smtp-refused smtp-timeout"
# signed at lab start (diaglab__sign): NAME -> $DIAGLAB_DIR/dnssec/NAME.zone.signed
DIAGLAB_DNSSEC="signed bogus"

diaglab_isolate() {
	[ "${DIAGLAB_NETNS:-1}" = 0 ] && return 0
	if [ "${DIAGLAB_IN_NETNS:-0}" = 1 ]; then
		ip link set lo up 2>/dev/null
		return 0
	fi
	[ "$(id -u)" -eq 0 ] || return 0
	if ! unshare --net true 2>/dev/null; then
		echo "diaglab: warning: no network namespace; using the host loopback" >&2
		return 0
	fi
	export DIAGLAB_IN_NETNS=1
	exec unshare --net -- "$BASH" "$0" "$@"
}

diaglab__spawn() {
	local name=$1
	shift
	"$@" >"$DIAGLAB_DIR/$name.out" 2>&1 </dev/null &
	DIAGLAB_PIDS+=("$!")
}

diaglab__nsd_conf() { # NAME ADDR ZONE:FILE...
	local name=$1 addr=$2 d=$DIAGLAB_DIR/$1 zf
	shift 2
	mkdir -p "$d"
	cat >"$d/nsd.conf" <<EOC
server:
  ip-address: $addr
  port: 53
  do-ip6: no
  server-count: 1
  username: ""
  chroot: ""
  zonesdir: "$d"
  database: ""
  zonelistfile: "$d/zone.list"
  xfrdfile: "$d/xfrd.state"
  xfrdir: "$d"
  pidfile: "$d/nsd.pid"
  logfile: "$DIAGLAB_DIR/$name.log"
  verbosity: 1
remote-control:
  control-enable: no
EOC
	for zf in "$@"; do
		printf 'zone:\n  name: "%s"\n  zonefile: "%s"\n' "${zf%%:*}" "${zf#*:}" >>"$d/nsd.conf"
	done
}

diaglab__write_root() {
	local f=$DIAGLAB_DIR/root.zone z
	{
		printf '$TTL 3600\n.\tSOA\ta.root.lab. hostmaster.lab. 2026112801 3600 600 86400 60\n'
		printf '.\tNS\ta.root.lab.\na.root.lab.\tA\t127.54.0.9\n'
		printf 'ns1.lab.\tA\t127.54.0.1\nns2.lab.\tA\t127.54.0.2\n'
		printf 'ns3.lab.\tA\t127.54.0.3\nns4.lab.\tA\t127.54.0.4\n'
		for z in $DIAGLAB_FAULTS $DIAGLAB_DNSSEC; do
			case $z in
			lame) printf '%s.diag.test.\tNS\tns1.lab.\n%s.diag.test.\tNS\tns3.lab.\n' $z $z ;;
			*) printf '%s.diag.test.\tNS\tns1.lab.\n%s.diag.test.\tNS\tns2.lab.\n' $z $z ;;
			esac
		done
		printf 'apex-cname.diag.test.\tNS\tns4.lab.\n'
	} >"$f"
	printf '.\t3600000\tNS\ta.root.lab.\na.root.lab.\t3600000\tA\t127.54.0.9\n' \
		>"$DIAGLAB_DIR/root.hints"
}

# diaglab__unbound_conf NAME ADDR MODULES [SERVER-LINE...]: unbound.conf in $DIAGLAB_DIR/NAME/,
# logging to $DIAGLAB_DIR/NAME.log.
diaglab__unbound_conf() {
	local name=$1 addr=$2 modules=$3 d=$DIAGLAB_DIR/$1 line
	shift 3
	mkdir -p "$d"
	cat >"$d/unbound.conf" <<EOC
server:
  interface: $addr
  port: 53
  outgoing-interface: $addr
  interface-automatic: no
  do-ip6: no
  do-daemonize: no
  chroot: ""
  username: ""
  directory: "$d"
  use-syslog: no
  logfile: "$DIAGLAB_DIR/$name.log"
  pidfile: "$d/unbound.pid"
  verbosity: 1
  root-hints: "$DIAGLAB_DIR/root.hints"
  do-not-query-localhost: no
  module-config: "$modules"
  qname-minimisation: no
  harden-referral-path: no
  target-fetch-policy: "0 0 0 0 0"
  prefetch: no
  num-threads: 1
  so-reuseport: no
  outgoing-range: 64
  access-control: 127.0.0.0/8 allow
  local-zone: "test." nodefault
  local-zone: "127.in-addr.arpa." nodefault
EOC
	for line in "$@"; do
		printf '  %s\n' "$line" >>"$d/unbound.conf"
	done
	cat >>"$d/unbound.conf" <<EOC
stub-zone:
  name: "lagging.diag.test."
  stub-addr: 127.54.0.1
stub-zone:
  name: "lame.diag.test."
  stub-addr: 127.54.0.1
remote-control:
  control-enable: no
EOC
}

# diaglab__sign NAME NOW: sign diag-zones/NAME.zone into $DIAGLAB_DIR/dnssec/NAME.zone.signed
# with a new KSK and ZSK, and append the KSK's DS to $DIAGLAB_DIR/dnssec/trust-anchors.ds.
# "bogus" gets signatures that expired long ago; any other zone a window around NOW.
diaglab__sign() {
	local z=$1 now=$2 d=$DIAGLAB_DIR/dnssec ksk zsk window
	mkdir -p "$d"
	if ! ksk=$(cd "$d" && ldns-keygen -r /dev/urandom -a ECDSAP256SHA256 -k "$z.diag.test.") ||
		! zsk=$(cd "$d" && ldns-keygen -r /dev/urandom -a ECDSAP256SHA256 "$z.diag.test."); then
		echo "diaglab: ldns-keygen failed for $z.diag.test." >&2
		return 1
	fi
	case $z in
	bogus) window=(-i 20200101000000 -e 20200201000000) ;;
	*) window=(-i $((now - 86400)) -e $((now + 30 * 86400))) ;;
	esac
	(cd "$d" && ldns-signzone -o "$z.diag.test." -f "$d/$z.zone.signed" "${window[@]}" \
		"$DIAGLAB_ZONES/$z.zone" "$ksk" "$zsk") ||
		{ echo "diaglab: ldns-signzone failed for $z.diag.test." >&2; return 1; }
	grep -q 'DS' "$d/$ksk.ds" ||
		{ echo "diaglab: no DS for $z.diag.test. ($d/$ksk.ds)" >&2; return 1; }
	cat "$d/$ksk.ds" >>"$d/trust-anchors.ds"
}

# diaglab__wait ADDR PORT PROTO: until something listens (udp/tcp), at most 10 s.
diaglab__wait() {
	local i flag=-Hlnt
	[ "$3" = udp ] && flag=-Hlnu
	for ((i = 0; i < 1000; i++)); do
		ss $flag "src $1:$2" 2>/dev/null | grep -q . && return 0
		sleep 0.01
	done
	echo "diaglab: nothing listens on $1:$2/$3 after 10 s" >&2
	tail -n 20 "$DIAGLAB_DIR"/*.log "$DIAGLAB_DIR"/*.out 2>/dev/null >&2
	return 1
}

diaglab_start() {
	local z primary=() secondary=()
	for z in nsd unbound ldns-keygen ldns-signzone "$DIAGLAB_PY"; do
		command -v "$z" >/dev/null || { echo "diaglab: $z not installed" >&2; return 1; }
	done
	"$DIAGLAB_PY" -c 'import aiosmtpd' 2>/dev/null ||
		{ echo "diaglab: $DIAGLAB_PY lacks aiosmtpd (apt-get install python3-aiosmtpd)" >&2; return 1; }
	DIAGLAB_DIR=$(mktemp -d /tmp/proptrack-diaglab.XXXXXX)
	diaglab__write_root
	for z in $DIAGLAB_DNSSEC; do
		diaglab__sign "$z" "$(date +%s)" || return 1
		primary+=("$z.diag.test.:$DIAGLAB_DIR/dnssec/$z.zone.signed")
		secondary+=("$z.diag.test.:$DIAGLAB_DIR/dnssec/$z.zone.signed")
	done
	for z in $DIAGLAB_FAULTS; do
		primary+=("$z.diag.test.:$DIAGLAB_ZONES/$z.zone")
		case $z in
		lagging) secondary+=("$z.diag.test.:$DIAGLAB_ZONES/lagging-old.zone") ;;
		lame) ;;
		*) secondary+=("$z.diag.test.:$DIAGLAB_ZONES/$z.zone") ;;
		esac
	done
	diaglab__nsd_conf root 127.54.0.9 ".:$DIAGLAB_DIR/root.zone"
	diaglab__nsd_conf ns1 127.54.0.1 "${primary[@]}"
	diaglab__nsd_conf ns2 127.54.0.2 "${secondary[@]}"
	diaglab__nsd_conf ns3 127.54.0.3 "good.diag.test.:$DIAGLAB_ZONES/good.zone"
	diaglab__unbound_conf unbound "$DIAGLAB_RESOLVER" "iterator"
	diaglab__unbound_conf validator "$DIAGLAB_VALIDATOR" "validator iterator" \
		"trust-anchor-file: \"$DIAGLAB_DIR/dnssec/trust-anchors.ds\"" \
		"harden-dnssec-stripped: yes" "val-log-level: 2" "trust-anchor-signaling: no"
	diaglab__spawn root nsd -d -c "$DIAGLAB_DIR/root/nsd.conf"
	diaglab__spawn ns1 nsd -d -c "$DIAGLAB_DIR/ns1/nsd.conf"
	diaglab__spawn ns2 nsd -d -c "$DIAGLAB_DIR/ns2/nsd.conf"
	diaglab__spawn ns3 nsd -d -c "$DIAGLAB_DIR/ns3/nsd.conf"
	diaglab__spawn ns4 "$DIAGLAB_PY" "$DIAGLAB_ZONES/cnamedns.py" 127.54.0.4 53 \
		apex-cname.diag.test. good.diag.test. mx1.good.diag.test.
	diaglab__spawn smtp1 "$DIAGLAB_PY" -m aiosmtpd -n -l 127.54.25.1:2525
	diaglab__spawn smtp2 "$DIAGLAB_PY" -m aiosmtpd -n -l 127.54.25.2:2525
	diaglab__spawn silent "$DIAGLAB_PY" "$DIAGLAB_E2E/silent.py" 127.54.25.4 2525
	for z in 127.54.0.9 127.54.0.1 127.54.0.2 127.54.0.3 127.54.0.4; do
		diaglab__wait $z 53 udp || return 1
	done
	diaglab__spawn unbound unbound -d -c "$DIAGLAB_DIR/unbound/unbound.conf"
	diaglab__spawn validator unbound -d -c "$DIAGLAB_DIR/validator/unbound.conf"
	diaglab__wait "$DIAGLAB_RESOLVER" 53 udp && diaglab__wait "$DIAGLAB_VALIDATOR" 53 udp ||
		return 1
	diaglab__wait 127.54.25.1 2525 tcp && diaglab__wait 127.54.25.2 2525 tcp &&
		diaglab__wait 127.54.25.4 2525 tcp || return 1
	printf '%s  diaglab-unbound\n' "$DIAGLAB_RESOLVER" >"$DIAGLAB_DIR/resolvers.txt"
}

# Stop every process this lab started (by PID), remove the directory unless DIAGLAB_KEEP=1.
diaglab_stop() {
	local p
	for p in "${DIAGLAB_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${DIAGLAB_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	DIAGLAB_PIDS=()
	if [ -n "$DIAGLAB_DIR" ] && [ "${DIAGLAB_KEEP:-0}" != 1 ]; then
		rm -rf "$DIAGLAB_DIR"
	fi
	DIAGLAB_DIR=""
}

diaglab_trap() {
	trap 'diaglab_stop' EXIT
	trap 'diaglab_stop; exit 130' INT TERM HUP
}
