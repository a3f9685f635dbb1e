#!/usr/bin/env bats
# network.egress and network.deny by address: the container joins a network
# namespace of the test's own (network.bash), where listeners of the test's
# own (listeners.py) log every connection and datagram that reaches them. Each
# attempt is made by the tests' static program (escape.cpp); a refusal must
# be the egress programs' EPERM, and the listeners' log must show that
# nothing refused got through.

bats_require_minimum_version 1.5.0
load ../lib/helpers
load network

POLICY='{"capabilities": {"network": {
           "egress": [{"host": "192.0.2.1", "port": 8080}, {"host": "192.0.2.1", "port": 5353, "protocol": "udp"},
                      {"host": "169.254.0.0/16", "port": 80}],
           "deny": ["169.254.169.254"]}},
         "policy": {"auditLog": false}}'

# What the listeners serve, all outside the container's cgroup: the
# loopback one stands for a sidecar or a host service.
LISTENERS=(tcp:192.0.2.1:8080 tcp:192.0.2.1:8081 tcp:192.0.2.2:8080 "tcp:[2001:db8::1]:8080"
	tcp:169.254.169.254:80 udp:192.0.2.1:5353 udp:192.0.2.1:9999 tcp:127.0.0.1:3001)

ATTEMPTS='escape tcp 192.0.2.1 8080; escape tcp 192.0.2.1 8081; escape tcp 192.0.2.2 8080
	escape tcp 2001:db8::1 8080; escape tcp ::ffff:192.0.2.1 8080; escape tcp ::ffff:192.0.2.2 8080
	escape tcp 169.254.169.254 80; escape udp 192.0.2.1 5353; escape udp 192.0.2.1 9999
	escape udp-connect 192.0.2.1 9999; escape tcp 127.0.0.1 3001
	escape serve 127.0.0.1 3000 >/dev/null; escape tcp 127.0.0.1 3000; escape serve ::1 3002 >/dev/null
	escape tcp ::1 3002; escape ping-socket'

# Each attempt's answer under the policy, in order.
CONFINED=("tcp: ALLOWED" "tcp: refused (EPERM)" "tcp: refused (EPERM)" "tcp: refused (EPERM)" "tcp: ALLOWED"
	"tcp: refused (EPERM)" "tcp: refused (EPERM)" "udp: ALLOWED" "udp: refused (EPERM)" "udp-connect: refused (EPERM)"
	"tcp: refused (EPERM)" "tcp: ALLOWED" "tcp: ALLOWED" "ping-socket: refused (EPERM)")
# ... and what reached the listeners (sorted): only what the policy allows.
REACHED=("tcp 192.0.2.1 8080" "tcp 192.0.2.1 8080" "udp 192.0.2.1 5353")

setup() {
	netns_setup 192.0.2.1/32 192.0.2.2/32 169.254.169.254/32 2001:db8::1/128
	# Ping sockets need no capability once the group range allows them:
	# only the sock_create program refuses them then.
	ip netns exec "$NETNS" sysctl -q net.ipv4.ping_group_range="0 2147483647"
	LOG=$BATS_TEST_TMPDIR/listeners.log
	in_netns_background "$LOG" /usr/bin/python3 "$BATS_TEST_DIRNAME/listeners.py" "$LOG" "${LISTENERS[@]}"
	set_cmd "$ATTEMPTS"
}

teardown() {
	netns_teardown
}

expect_reached() { expect_logged "$LOG" "$@"; }

@test "without a policy every listener is reachable (the test's own control)" {
	run runac run "$CID"
	[ "$status" -eq 0 ]
	expect_lines "tcp: ALLOWED" "tcp: ALLOWED" "tcp: ALLOWED" "tcp: ALLOWED" "tcp: ALLOWED" "tcp: ALLOWED" \
		"tcp: ALLOWED" "udp: ALLOWED" "udp: ALLOWED" "udp-connect: ALLOWED" "tcp: ALLOWED" "tcp: ALLOWED" \
		"tcp: ALLOWED" "ping-socket: ALLOWED"
	expect_reached "tcp 127.0.0.1 3001" "tcp 169.254.169.254 80" "tcp 192.0.2.1 8080" "tcp 192.0.2.1 8080" \
		"tcp 192.0.2.1 8081" "tcp 192.0.2.2 8080" "tcp 192.0.2.2 8080" "tcp 2001:db8::1 8080" "udp 192.0.2.1 5353" \
		"udp 192.0.2.1 9999" "udp 192.0.2.1 9999"
}

@test "only the allowed address, port and protocol are reached; deny wins; IPv6 and v4-mapped obey the rules" {
	with_policy
	run runac run "$CID"
	[ "$status" -eq 0 ]
	expect_lines "${CONFINED[@]}"
	expect_reached "${REACHED[@]}"
}

@test "runac exec is confined by the same programs" {
	with_policy
	set_cmd 'sleep 30'
	runac create "$CID"
	runac start "$CID"
	run runac exec "$CID" sh -c "$ATTEMPTS"
	[ "$status" -eq 0 ]
	expect_lines "${CONFINED[@]}"
	expect_reached "${REACHED[@]}"
	runac delete --force "$CID"
}

@test "two containers share the programs and keep their own rules and listeners" {
	# In one network namespace, as in a pod: A may reach 192.0.2.1:8080, B
	# 192.0.2.2:8080; A's listener is its own, not B's.
	POLICY='{"capabilities": {"network": {"egress": [{"host": "192.0.2.1", "port": 8080}]}}, "policy": {"auditLog": false}}'
	with_policy
	set_cmd 'escape serve 127.0.0.1 3000 >/dev/null; sleep 30'
	runac create "$CID"
	runac start "$CID"
	POLICY='{"capabilities": {"network": {"egress": [{"host": "192.0.2.2", "port": 8080}]}}, "policy": {"auditLog": false}}'
	with_policy
	set_cmd 'sleep 30'
	runac create "$CID-b"
	runac start "$CID-b"
	local try='escape tcp 192.0.2.1 8080; escape tcp 192.0.2.2 8080; escape tcp 127.0.0.1 3000'
	run runac exec "$CID" sh -c "$try"
	expect_lines "tcp: ALLOWED" "tcp: refused (EPERM)" "tcp: ALLOWED"
	run runac exec "$CID-b" sh -c "$try"
	expect_lines "tcp: refused (EPERM)" "tcp: ALLOWED" "tcp: refused (EPERM)"
	expect_reached "tcp 192.0.2.1 8080" "tcp 192.0.2.2 8080"
	runac delete --force "$CID-b"
	# A keeps its rules once B's maps are gone.
	run runac exec "$CID" sh -c "$try"
	expect_lines "tcp: ALLOWED" "tcp: refused (EPERM)" "tcp: ALLOWED"
	runac delete --force "$CID"
	no_egress_objects
}

@test "the programs are attached to the container's cgroup before its process runs, and go at delete" {
	with_policy
	set_cmd 'sleep 30'
	runac create "$CID"
	local dir
	dir=$(jq -r '.cgroupPaths[] | select(startswith("/sys/fs/cgroup/unified/") or (test("/sys/fs/cgroup/[a-z_,]+/") | not))' \
		"$RUNAC_ROOT/$CID/state.json")
	[ -n "$dir" ]
	run bpftool cgroup show "$dir"
	echo "$output"
	for p in runac_connect4 runac_connect6 runac_sendmsg4 runac_sendmsg6 runac_sock runac_bind4 runac_bind6; do
		[[ $output == *"$p"* ]]
	done
	run runac policy explain --container "$CID"
	echo "$output"
	[[ $output == *$'  network.egress [192.0.2.1:8080/tcp, 192.0.2.1:5353/udp, 169.254.0.0/16:80/tcp]: enforced\n    cgroup-bpf (required, available here, built)'* ]]
	[[ $output == *$'  network.deny [169.254.169.254]: enforced\n'* ]]
	runac delete --force "$CID"
	no_egress_objects
}

@test "a create that fails once the programs are attached leaves none of them, nor their maps" {
	with_policy
	update_config '.process.args = ["/no/such/program"]'
	run runac create "$CID"
	[ "$status" -ne 0 ]
	[[ $output == *"/no/such/program"* ]]
	no_egress_objects
}
