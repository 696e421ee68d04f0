# shellcheck shell=bash
# tests/e2e/movelab.sh — a lab for a move to another DNS provider, with a real delegation
# chain: the root delegates test., test. delegates move.test. to a provider's name servers,
# and the delegation moves from the old provider to the new one while the old one keeps
# serving the zone with its old records. Source after lab.sh (it reuses lab.sh's process,
# configuration and query helpers), then:
#
#   movelab_start [N]     start N unbound resolvers (default 3) and the servers below
#   movelab_delegate old|new   point test.'s delegation of move.test. at that provider
#   lab_stop              (also done by lab_trap)
#
#   MOVE_ROOT     127.60.0.9   nsd: "." delegating test. (a.tld-servers.lab. 127.60.0.8)
#   MOVE_TLD      127.60.0.8   nsd: test., delegating move.test. (NS TTL MOVE_NS_TTL)
#   MOVE_OLD      127.60.1.1   nsd: move.test. at the old provider (ns1.old-dns.test.), serial
#                              MOVE_OLD_SERIAL, MX "10 mx-old.move.test."
#   MOVE_NEW1/2   127.60.2.1/2 nsd: move.test. at the new provider (ns1/ns2.new-dns.test.),
#                              serial MOVE_NEW_SERIAL, MX "10 mx-new.move.test."
#   MOVE_RESOLVERS 127.60.3.1..N unbound, iterating from MOVE_ROOT
#
# Tunables: MOVE_NS_TTL (8 s: the delegation's NS TTL at the parent and in the zones),
# MOVE_MX_TTL (4 s).

# shellcheck disable=SC2034
{
MOVE_ZONE=move.test.
MOVE_ROOT=127.60.0.9
MOVE_TLD=127.60.0.8
MOVE_OLD=127.60.1.1
MOVE_NEW1=127.60.2.1
MOVE_NEW2=127.60.2.2
MOVE_OLD_SERIAL=1
MOVE_NEW_SERIAL=100
MOVE_MX_OLD="10 mx-old.move.test."
MOVE_MX_NEW="10 mx-new.move.test."
MOVE_RESOLVERS=()
}

movelab__root_zone() {
	cat <<EOF
\$TTL 300
.                   IN SOA a.root-servers.lab. hostmaster.lab. 1 1800 900 604800 5
.                   IN NS  a.root-servers.lab.
a.root-servers.lab. IN A   ${MOVE_ROOT}
test.               IN NS  a.tld-servers.lab.
a.tld-servers.lab.  IN A   ${MOVE_TLD}
EOF
}

# movelab__tld_zone SERIAL old|new: test., delegating move.test. to one provider
movelab__tld_zone() {
	local serial=$1 to=$2
	cat <<EOF
\$TTL 300
test.                IN SOA a.tld-servers.lab. hostmaster.lab. ${serial} 1800 900 604800 5
test.                IN NS  a.tld-servers.lab.
ns1.old-dns.test.    IN A   ${MOVE_OLD}
ns1.new-dns.test.    IN A   ${MOVE_NEW1}
ns2.new-dns.test.    IN A   ${MOVE_NEW2}
EOF
	if [ "$to" = old ]; then
		printf 'move.test. %s IN NS ns1.old-dns.test.\n' "$MOVE_NS_TTL"
	else
		printf 'move.test. %s IN NS ns1.new-dns.test.\n' "$MOVE_NS_TTL"
		printf 'move.test. %s IN NS ns2.new-dns.test.\n' "$MOVE_NS_TTL"
	fi
}

# movelab__child_zone old|new: move.test. as one provider serves it
movelab__child_zone() {
	local who=$1 serial mx
	if [ "$who" = old ]; then serial=$MOVE_OLD_SERIAL mx=$MOVE_MX_OLD; else
		serial=$MOVE_NEW_SERIAL mx=$MOVE_MX_NEW; fi
	cat <<EOF
\$ORIGIN move.test.
\$TTL 60
@        5 IN SOA ns1.${who}-dns.test. hostmaster.move.test. ${serial} 10 5 600 5
EOF
	if [ "$who" = old ]; then
		printf '@ %s IN NS ns1.old-dns.test.\n' "$MOVE_NS_TTL"
	else
		printf '@ %s IN NS ns1.new-dns.test.\n@ %s IN NS ns2.new-dns.test.\n' \
			"$MOVE_NS_TTL" "$MOVE_NS_TTL"
	fi
	cat <<EOF
@        ${MOVE_MX_TTL} IN MX ${mx}
mx-old   IN A   127.60.10.1
mx-new   IN A   127.60.10.2
www      IN A   127.60.10.80
EOF
}

# movelab_start [N]: the servers above and N unbound resolvers. Fails like lab_start.
movelab_start() {
	local n=${1:-3} i owner
	[ "$(id -u)" -eq 0 ] || { lab__err "must run as root"; return 1; }
	MOVE_NS_TTL=${MOVE_NS_TTL:-8}
	MOVE_MX_TTL=${MOVE_MX_TTL:-4}
	lab__reap_stale
	LAB_DIR=$(mktemp -d "${LAB__MARK}XXXXXX") || return 1
	export LAB_DIR
	# the owner is this shell: BASHPID taken outside the command substitution (inside it,
	# it is the subshell's, gone at once, and a concurrent lab_start would reap this lab)
	local owner=${BASHPID:-$$}
	echo "$owner $(lab__starttime "$owner")" >"$LAB_DIR/owner"
	: >"$LAB_DIR/pids"
	cat >"$LAB_DIR/root.hints" <<EOF
.                        3600000      NS    A.ROOT-SERVERS.LAB.
A.ROOT-SERVERS.LAB.      3600000      A     ${MOVE_ROOT}
EOF
	mkdir -p "$LAB_DIR/zones"
	movelab__root_zone >"$LAB_DIR/zones/root.zone"
	movelab__tld_zone 1 old >"$LAB_DIR/zones/test.zone"
	echo 1 >"$LAB_DIR/tld.serial"
	movelab__child_zone old >"$LAB_DIR/zones/old.zone"
	movelab__child_zone new >"$LAB_DIR/zones/new.zone"
	cp "$LAB_DIR/zones/new.zone" "$LAB_DIR/zones/new2.zone"
	lab__nsd_conf mroot "$MOVE_ROOT" . "$LAB_DIR/zones/root.zone"
	lab__nsd_conf mtld "$MOVE_TLD" test. "$LAB_DIR/zones/test.zone"
	lab__nsd_conf mold "$MOVE_OLD" move.test. "$LAB_DIR/zones/old.zone"
	lab__nsd_conf mnew1 "$MOVE_NEW1" move.test. "$LAB_DIR/zones/new.zone"
	lab__nsd_conf mnew2 "$MOVE_NEW2" move.test. "$LAB_DIR/zones/new2.zone"
	MOVE_RESOLVERS=()
	for ((i = 1; i <= n; i++)); do
		MOVE_RESOLVERS+=("127.60.3.$i")
		lab__unbound_conf "munbound$i" "127.60.3.$i" allow
	done
	for i in mroot mtld mold mnew1 mnew2; do
		lab__spawn "$i" nsd -d -c "$LAB_DIR/$i/nsd.conf"
	done
	for ((i = 1; i <= n; i++)); do
		lab__spawn "munbound$i" unbound -d -c "$LAB_DIR/munbound$i/unbound.conf"
	done
	if ! {
		lab__wait_ready mroot "$MOVE_ROOT" SOA . &&
			lab__wait_ready mtld "$MOVE_TLD" SOA test. &&
			lab__wait_ready mold "$MOVE_OLD" SOA "$MOVE_ZONE" &&
			lab__wait_ready mnew1 "$MOVE_NEW1" SOA "$MOVE_ZONE" &&
			lab__wait_ready mnew2 "$MOVE_NEW2" SOA "$MOVE_ZONE"
	}; then
		lab_stop
		return 1
	fi
	for ((i = 1; i <= n; i++)); do
		lab__wait_ready "munbound$i" "127.60.3.$i" TXT version.server CH || {
			lab_stop
			return 1
		}
	done
}

# movelab_delegate old|new: test. delegates move.test. to that provider (serial + 1, reload,
# wait until the TLD server serves the new delegation).
movelab_delegate() {
	local to=$1 serial deadline s
	serial=$(($(cat "$LAB_DIR/tld.serial") + 1))
	movelab__tld_zone "$serial" "$to" >"$LAB_DIR/zones/test.zone.new"
	mv "$LAB_DIR/zones/test.zone.new" "$LAB_DIR/zones/test.zone"
	echo "$serial" >"$LAB_DIR/tld.serial"
	kill -HUP "$(lab__pid_of mtld)"
	deadline=$(($(lab_now_ms) + 5000))
	while :; do
		s=$(LAB_DIG_TIMEOUT=1 lab_answer "$MOVE_TLD" SOA test. | awk '{ print $3; exit }')
		[ -n "$s" ] && [ "$s" -ge "$serial" ] && return 0
		[ "$(lab_now_ms)" -gt "$deadline" ] && { lab__err "test. still at serial $s"; return 1; }
		sleep 0.02
	done
}
