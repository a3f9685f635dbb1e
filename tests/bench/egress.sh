#!/bin/bash
# egress.sh [-n N] [-r ROUNDS]: what an egress policy costs a container's
# network calls. In one run, alternating ROUNDS times (default 5), two
# containers of runac's, one without a policy and one whose policy allows
# the destination by address and the name by DNS-following, each make
# N (default 2000) TCP connects to a listener in their network namespace and
# N DNS lookups of that name (`netloop`). Prints the median µs per connect
# and per lookup of each, the connect ratio (goal: at most 1.05) and the
# lookup's added µs (goal: at most 500).
# Env: RUNAC (runtime under test), NETLOOP (default: build/tests/netloop).
#
# Why it runs the way it does:
# - The network namespace is the benchmark's own, its destinations local
#   addresses on its lo, so nothing but the loop's own traffic is measured
#   and the host's network is not touched.
# - The listener is netloop's own (accept and close), outside the
#   container's cgroup; connects end with a reset, so no TIME_WAIT sockets
#   pile up over the rounds.
# - The DNS server is the tests' (tests/adversarial/dns_server.py): its own
#   time is in both columns, so the difference is what the monitor's
#   resolver adds (the redirect, the policy check, forwarding, the map
#   update before the reply).
# - Only runac runs: runc and crun have no egress layer to compare against;
#   the column without a policy is the kernel's own cost.
set -euo pipefail

n=2000 rounds=5
while getopts n:r:h opt; do
	case $opt in
	n) n=$OPTARG ;;
	r) rounds=$OPTARG ;;
	*) sed -n '2,11s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done

[[ $(id -u) == 0 ]] || { echo "egress.sh: must run as root" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
RUNAC=$(command -v "${RUNAC:-runac}") || { echo "egress.sh: set RUNAC to the runtime" >&2; exit 1; }
NETLOOP=${NETLOOP:-$here/../../build/tests/netloop}
[[ -x $NETLOOP ]] || { echo "egress.sh: $NETLOOP missing (ninja -C build)" >&2; exit 1; }
# The tests' lock: a concurrent test run's leak guard must not see us.
exec {lock}>>"${RUNAC_TEST_LOCK:-/run/lock/runac-tests.lock}"
flock -w 600 "$lock" || { echo "egress.sh: test lock busy" >&2; exit 1; }

tmp=$(mktemp -d /tmp/runac-bench.XXXXXX)
netns=runac-bench-${tmp##*.}
servers=()
cleanup() {
	local id pid
	for id in $("$RUNAC" --root "$tmp/root" list -q 2>/dev/null); do
		"$RUNAC" --root "$tmp/root" delete --force "$id" >/dev/null 2>&1 || true
	done
	for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
	ip netns del "$netns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$netns"
ip -n "$netns" link set lo up
ip -n "$netns" addr add 192.0.2.1/32 dev lo
ip -n "$netns" addr add 192.0.2.53/32 dev lo
ip netns exec "$netns" "$NETLOOP" serve 192.0.2.1 8080 &
servers+=($!)
ip netns exec "$netns" /usr/bin/python3 "$here/../adversarial/dns_server.py" "$tmp/dns.log" 192.0.2.53 \
	api.test=A:192.0.2.1 >/dev/null &
servers+=($!)
for _ in $(seq 100); do grep -qx ready "$tmp/dns.log" 2>/dev/null && break; sleep 0.05; done

"$here/../lib/make-rootfs.sh" "$tmp/bundle/rootfs" >/dev/null
cp "$NETLOOP" "$tmp/bundle/rootfs/usr/bin/netloop"
echo "nameserver 192.0.2.53" >"$tmp/bundle/rootfs/etc/resolv.conf"
(cd "$tmp/bundle" && "$RUNAC" spec)
loop="netloop connect 192.0.2.1 8080 $n; netloop dns 192.0.2.53 api.test $n"
jq --arg loop "$loop" --arg ns "/var/run/netns/$netns" '.process.terminal = false | .process.args = ["sh", "-c", $loop] |
	.linux.namespaces |= map(if .type == "network" then .path = $ns else . end)' \
	"$tmp/bundle/config.json" >"$tmp/plain.json"
policy='{"capabilities": {"network": {"egress": [{"host": "192.0.2.1", "port": 8080}, {"host": "api.test"}]}},
	"policy": {"auditLog": false}}'
jq --arg p "$policy" '.annotations["org.agentcontainers.agent"] = $p' "$tmp/plain.json" >"$tmp/policy.json"

for ((r = 0; r < rounds; r++)); do
	for kind in plain policy; do
		cp "$tmp/$kind.json" "$tmp/bundle/config.json"
		"$RUNAC" --root "$tmp/root" run --bundle "$tmp/bundle" "bench-$kind-$r" >"$tmp/out" ||
			{ echo "egress.sh: the $kind container failed:" >&2; cat "$tmp/out" >&2; exit 1; }
		awk -v k="$kind" '{ print $2 >> ("'"$tmp"'/" k "-" $1) }' "$tmp/out"
	done
done

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '%-10s %14s %14s\n' "" "no policy" "egress policy"
for what in connect dns; do
	printf '%-10s %11.2f µs %11.2f µs\n' "$what" "$(median "$tmp/plain-$what")" "$(median "$tmp/policy-$what")"
done
awk -v a="$(median "$tmp/plain-connect")" -v b="$(median "$tmp/policy-connect")" \
	'BEGIN { printf "connect: policy/no policy = %.3f (goal <= 1.05)\n", b / a }'
awk -v a="$(median "$tmp/plain-dns")" -v b="$(median "$tmp/policy-dns")" \
	'BEGIN { printf "dns: the monitor adds %.1f µs per lookup (goal <= 500)\n", b - a }'
echo "($rounds rounds of $n connects and $n lookups each, medians of the rounds' means)"
