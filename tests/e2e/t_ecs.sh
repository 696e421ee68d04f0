#!/bin/bash
# End-to-end test of EDNS Client Subnet (issue 15, RFC 7871): --ecs CIDR asks as if from
# that subnet. Behind unbound's subnetcache module, an authoritative server that answers by
# subnet (ecs_auth.py, dnspython) gives one answer per --ecs subnet; a resolver without the
# module ignores the option (no ECS in its reply) and is marked "ecs_ignored". The dashboard
# cycles the subnets with c.
set -u
# shellcheck source-path=SCRIPTDIR
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab.sh
source "$here/lab.sh"
# shellcheck source=assert.sh
source "$here/assert.sh"
lab_isolate "$@"
lab_trap

PROG=${PROG:-$here/../../proptrack}
[ -x "$PROG" ] || t_fatal "proptrack binary '$PROG' is missing"
lab_start 1 || t_fatal "lab_start"
W=$LAB_DIR/t_ecs
mkdir -p "$W"
AUTH=127.53.7.1
SUBNET=127.53.7.2 # unbound with subnetcache, sends ECS to AUTH
PLAIN=127.53.7.3  # unbound without it

lab__spawn ecsauth "$LAB_PYTHON" "$here/ecs_auth.py" "$AUTH" --ready "$LAB_DIR/ecsauth.ready"
for n in subnet:$SUBNET plain:$PLAIN; do
	name=${n%%:*} addr=${n#*:}
	lab__unbound_conf "$name" "$addr" allow
	{
		printf 'server:\n'
		if [ "$name" = subnet ]; then
			printf '  module-config: "subnetcache iterator"\n'
			printf '  send-client-subnet: %s\n' "$AUTH"
			printf '  max-client-subnet-ipv4: 24\n'
		fi
		printf 'stub-zone:\n  name: "ecs.test."\n  stub-addr: %s\n' "$AUTH"
	} >>"$LAB_DIR/$name/unbound.conf"
	lab__spawn "$name" unbound -d -c "$LAB_DIR/$name/unbound.conf"
done
lab__wait_ready ecsauth "$AUTH" file "$LAB_DIR/ecsauth.ready" || t_fatal "ecs_auth.py did not start"
for n in subnet:$SUBNET plain:$PLAIN; do
	lab__wait_ready "${n%%:*}" "${n#*:}" TXT version.server CH || t_fatal "${n%%:*} did not start"
done

j() { /usr/bin/python3 "$here/jget.py" "$1" "${@:2}"; }
printf '%s subnet\n%s plain\n' "$SUBNET" "$PLAIN" >"$W/list.txt"
ask() { # ask OUT ARGS...
	local out=$1
	shift
	timeout 20 "$PROG" --once --format json -r "$W/list.txt" --auth "$AUTH" "$@" ecs.test MX \
		>"$W/$out.json" 2>"$W/$out.err"
}

ask a --ecs 192.0.2.55/24
t_eq "--ecs 192.0.2.0/24: the subnet's answer, scope 24" \
	"$(j "$W/a.json" 'res("'$SUBNET'")["answer"]' 'res("'$SUBNET'")["ecs"]' \
		'res("'$SUBNET'")["ecs_scope"]' 'res("'$SUBNET'")["ecs_ignored"]')" \
	"$(printf '["10 mx-a.ecs.test."]\n192.0.2.0/24\n24\nfalse')"
t_eq "--ecs: a resolver without subnetcache ignores it (marked)" \
	"$(j "$W/a.json" 'res("'$PLAIN'")["answer"]' 'res("'$PLAIN'")["ecs_ignored"]')" \
	"$(printf '["10 mx-default.ecs.test."]\ntrue')"
ask b --ecs 198.51.100.0/24 --ecs 192.0.2.0/24
t_eq "the first --ecs is asked first" "$(j "$W/b.json" 'res("'$SUBNET'")["answer"]')" \
	'["10 mx-b.ecs.test."]'
ask none
t_eq "no --ecs: no ecs members, the default answer" \
	"$(j "$W/none.json" 'res("'$SUBNET'").get("ecs")' 'res("'$SUBNET'")["answer"]')" \
	"$(printf 'null\n["10 mx-default.ecs.test."]')"
timeout 5 "$PROG" --once -r "$W/list.txt" --ecs 192.0.2.0/33 ecs.test MX >/dev/null 2>"$W/bad.err"
t_eq "--ecs with a bad prefix: usage error" "$?" 2
t_check "--ecs error names the value" grep -q "invalid --ecs '192.0.2.0/33'" "$W/bad.err"

# --- the dashboard cycles the subnets with c
if command -v tmux >/dev/null 2>&1; then
	tm() { tmux -L "pt-ecs-$$" "$@"; }
	tm new-session -d -s pt -x 150 -y 30 \
		"$PROG -r $W/list.txt --auth $AUTH --ecs 192.0.2.0/24 --ecs 198.51.100.0/24 ecs.test MX 2>$W/dash.err"
	want() { # want TEXT: wait until the screen shows TEXT
		local i
		for i in $(seq 60); do
			tm capture-pane -p -t pt 2>/dev/null | grep -qF "$1" && return 0
			sleep 0.1
		done
		return 1
	}
	t_check "dashboard: first subnet's answer" want "mx-a.ecs.test."
	tm send-keys -t pt c
	t_check "dashboard: c names the next subnet" want "client subnet: 198.51.100.0/24"
	t_check "dashboard: the next subnet's answer" want "mx-b.ecs.test."
	tm send-keys -t pt c
	t_check "dashboard: then no subnet" want "no client subnet"
	tm send-keys -t pt q
	sleep 0.3
	tm kill-server 2>/dev/null
else
	t_note "tmux missing: dashboard checks skipped"
fi

t_finish
