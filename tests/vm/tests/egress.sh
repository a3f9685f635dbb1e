# network.egress on the guest kernel (6.1, pure cgroup v2): the egress
# programs load, attach to the container's cgroup and decide there as on
# the host (tests/adversarial/egress.bats, names.bats). The container shares
# the guest's network namespace, whose lo carries the destinations; the
# guest has no DNS server, so names are checked up to the resolver's own
# answers: a name the policy does not allow gets NXDOMAIN from it, an
# allowed one SERVFAIL when no upstream answers. The refusals reach the
# audit log.

EGRESS_POLICY='{"capabilities": {"network": {"egress": [{"host": "192.0.2.1", "port": 8080}, {"host": "api.test"}]}}}'
EGRESS_ATTEMPTS='escape tcp 192.0.2.1 8080; escape tcp 192.0.2.1 8081; escape tcp ::ffff:192.0.2.1 8081
	escape udp 192.0.2.1 9999; escape ping-socket; escape serve 127.0.0.1 3000 >/dev/null; escape tcp 127.0.0.1 3000
	escape dns 192.0.2.53 other.test; escape dns 192.0.2.53 api.test'

egress_setup() {
	setup_bundle
	ip addr add 192.0.2.1/32 dev lo 2>/dev/null || true
	# Ping sockets for everyone: only the sock_create program refuses them.
	echo "0 2147483647" >/proc/sys/net/ipv4/ping_group_range
	# Listeners of the guest's, outside the container (accepting for 10 s).
	rootfs/usr/bin/escape serve 192.0.2.1 8080 >/dev/null
	rootfs/usr/bin/escape serve 192.0.2.1 8081 >/dev/null
	echo "nameserver 192.0.2.53" >rootfs/etc/resolv.conf
	update_config '.linux.namespaces |= map(select(.type != "network"))'
	set_cmd "$EGRESS_ATTEMPTS"
	trap egress_teardown EXIT
}

egress_teardown() {
	pkill -f 'escape serve' 2>/dev/null || true
	ip addr del 192.0.2.1/32 dev lo 2>/dev/null || true
}

test_egress_programs_decide_on_an_older_kernel() {
	egress_setup
	rc=0
	runac run "$CID" >"$TEST_TMP/plain" 2>&1 || rc=$?
	cat "$TEST_TMP/plain"
	expect_eq "$rc" 0 "exit status without a policy"
	expect_eq "$(sed -n 2p "$TEST_TMP/plain")" "tcp: ALLOWED" "another port without a policy (control)"
	expect_eq "$(sed -n 5p "$TEST_TMP/plain")" "ping-socket: ALLOWED" "a ping socket without a policy (control)"
	update_config ".annotations[\"org.agentcontainers.agent\"] = $(printf '%s' "$EGRESS_POLICY" | jq -Rs .)"
	rc=0
	printf 'audit-dir = "%s"\n' "$TEST_TMP/audit" >"$TEST_TMP/runac.conf"
	runac --config "$TEST_TMP/runac.conf" run "$CID" >"$TEST_TMP/out" 2>&1 || rc=$?
	cat "$TEST_TMP/out"
	expect_eq "$rc" 0 "exit status with the policy"
	expect_eq "$(sed -n 1p "$TEST_TMP/out")" "tcp: ALLOWED" "the allowed address and port"
	expect_eq "$(sed -n 2p "$TEST_TMP/out")" "tcp: refused (EPERM)" "another port"
	expect_eq "$(sed -n 3p "$TEST_TMP/out")" "tcp: refused (EPERM)" "another port, v4-mapped"
	expect_eq "$(sed -n 4p "$TEST_TMP/out")" "udp: refused (EPERM)" "UDP"
	expect_eq "$(sed -n 5p "$TEST_TMP/out")" "ping-socket: refused (EPERM)" "a ping socket"
	expect_eq "$(sed -n 6p "$TEST_TMP/out")" "tcp: ALLOWED" "the container's own loopback listener"
	expect_eq "$(sed -n 7p "$TEST_TMP/out")" "dns other.test: NXDOMAIN" "a name the policy does not allow"
	# Asked upstream, which is not there: SERVFAIL, no address.
	expect_eq "$(sed -n 8p "$TEST_TMP/out")" "dns api.test: no address" "an allowed name"
	# The refusals reached the audit log through the programs' ring buffer.
	sleep 0.3
	grep -q '"event":"denied".*"rule":"network.egress".*"port":8081' "$TEST_TMP/audit/$CID.jsonl" ||
		fail "no denied record: $(cat "$TEST_TMP/audit/$CID.jsonl")"
	grep -q '"event":"dns".*"name":"other.test"' "$TEST_TMP/audit/$CID.jsonl" || fail "no dns record"
	runac audit verify "$TEST_TMP/audit/$CID.jsonl" || fail "the log's chain"
	[ -z "$(ls -A "$RUNAC_ROOT" 2>/dev/null)" ] || fail "state left in $RUNAC_ROOT"
	for p in $(pgrep runac-monitor); do
		[ "$(cut -d' ' -f3 "/proc/$p/stat")" = Z ] || fail "a monitor outlived its container"
	done
}
