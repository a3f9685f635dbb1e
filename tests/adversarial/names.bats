#!/usr/bin/env bats
# network.egress by name: the container's port-53 traffic goes to the
# monitor's resolver, which answers only the names the policy allows and
# adds their addresses to the egress programs' maps. The container joins a
# network namespace of the test's own (network.bash) with a DNS server of
# the test's own (dns_server.py) that logs every question reaching it, and
# listeners (listeners.py) that log every connection: a refused name must
# never reach the server, and a refused address never a listener.

bats_require_minimum_version 1.5.0
load ../lib/helpers
load network

POLICY='{"capabilities": {"network": {
           "egress": [{"host": "api.test", "port": 8080}, {"host": "*.pkg.test", "port": 8080},
                      {"host": "short.test", "port": 8080}, {"host": "www.test", "port": 8080},
                      {"host": "leak.test", "port": 8080}],
           "deny": ["bad.pkg.test"]}},
         "policy": {"auditLog": false}}'

# The test's zone. short.test has a TTL of 1 s (runac keeps 5 s at least);
# www.test is a CNAME; leak.test a CNAME to a denied name.
ZONE=(api.test=A:192.0.2.10 api.test=AAAA:2001:db8::10 other.test=A:192.0.2.11 a.pkg.test=A:192.0.2.12
	pkg.test=A:192.0.2.13 short.test=A:192.0.2.14/1 www.test=CNAME:edge.cdn.test edge.cdn.test=A:192.0.2.15
	leak.test=CNAME:bad.pkg.test bad.pkg.test=A:192.0.2.16)
LISTENERS=(tcp:192.0.2.10:8080 tcp:192.0.2.10:9999 "tcp:[2001:db8::10]:8080" tcp:192.0.2.11:8080
	tcp:192.0.2.12:8080 tcp:192.0.2.13:8080 tcp:192.0.2.14:8080 tcp:192.0.2.15:8080 tcp:192.0.2.16:8080)

# Each name is asked, then its address tried, as a client would.
ATTEMPTS='escape dns 192.0.2.53 api.test; escape tcp 192.0.2.10 8080; escape tcp 192.0.2.10 9999
	escape dns 192.0.2.53 api.test aaaa; escape tcp 2001:db8::10 8080
	escape dns 192.0.2.53 other.test; escape tcp 192.0.2.11 8080
	escape dns 192.0.2.53 a.pkg.test; escape tcp 192.0.2.12 8080
	escape dns 192.0.2.53 pkg.test; escape tcp 192.0.2.13 8080
	escape dns 192.0.2.53 bad.pkg.test
	escape dns 192.0.2.53 www.test; escape tcp 192.0.2.15 8080
	escape dns 192.0.2.53 leak.test; escape tcp 192.0.2.16 8080
	escape dns 192.0.2.53 api.test a tcp; escape dns 198.51.100.7 api.test; escape dns 2001:db8::53 api.test'
CONFINED=("dns api.test: 192.0.2.10" "tcp: ALLOWED" "tcp: refused (EPERM)"
	"dns api.test: 2001:db8::10" "tcp: ALLOWED"
	"dns other.test: NXDOMAIN" "tcp: refused (EPERM)"
	"dns a.pkg.test: 192.0.2.12" "tcp: ALLOWED"
	"dns pkg.test: NXDOMAIN" "tcp: refused (EPERM)"
	"dns bad.pkg.test: NXDOMAIN"
	"dns www.test: 192.0.2.15" "tcp: ALLOWED"
	"dns leak.test: NXDOMAIN" "tcp: refused (EPERM)"
	"dns api.test: 192.0.2.10" "dns api.test: 192.0.2.10" "dns api.test: 192.0.2.10")
# What the DNS server saw: never other.test, pkg.test or bad.pkg.test. Any
# port-53 destination (198.51.100.7, 2001:db8::53: no server there) is the
# resolver's, which asks the container's own server.
ASKED=("a.pkg.test A" "api.test A" "api.test A" "api.test A" "api.test A" "api.test AAAA" "leak.test A" "www.test A")
REACHED=("tcp 192.0.2.10 8080" "tcp 192.0.2.12 8080" "tcp 192.0.2.15 8080" "tcp 2001:db8::10 8080")

setup() {
	netns_setup 192.0.2.53/32 192.0.2.10/32 192.0.2.11/32 192.0.2.12/32 192.0.2.13/32 192.0.2.14/32 192.0.2.15/32 \
		192.0.2.16/32 2001:db8::10/128
	echo "nameserver 192.0.2.53" >rootfs/etc/resolv.conf
	DNS_LOG=$BATS_TEST_TMPDIR/dns.log
	in_netns_background "$DNS_LOG" /usr/bin/python3 "$BATS_TEST_DIRNAME/dns_server.py" "$DNS_LOG" 192.0.2.53 "${ZONE[@]}"
	LOG=$BATS_TEST_TMPDIR/listeners.log
	in_netns_background "$LOG" /usr/bin/python3 "$BATS_TEST_DIRNAME/listeners.py" "$LOG" "${LISTENERS[@]}"
	set_cmd "$ATTEMPTS"
}

teardown() {
	netns_teardown
}

@test "without a policy the test's DNS server answers every name (the test's own control)" {
	set_cmd 'escape dns 192.0.2.53 other.test; escape dns 192.0.2.53 pkg.test; escape dns 198.51.100.7 api.test'
	run runac run "$CID"
	[ "$status" -eq 0 ]
	expect_lines "dns other.test: 192.0.2.11" "dns pkg.test: 192.0.2.13" "dns api.test: refused (ENETUNREACH)"
	expect_logged "$DNS_LOG" "other.test A" "pkg.test A"
}

@test "allowed names resolve and connect on their ports; other names get NXDOMAIN and never leave the container" {
	with_policy
	run runac run "$CID"
	[ "$status" -eq 0 ]
	expect_lines "${CONFINED[@]}"
	expect_logged "$DNS_LOG" "${ASKED[@]}"
	expect_logged "$LOG" "${REACHED[@]}"
}

@test "runac exec resolves through the same monitor" {
	with_policy
	set_cmd 'sleep 30'
	runac create "$CID"
	runac start "$CID"
	run runac exec "$CID" sh -c "$ATTEMPTS"
	[ "$status" -eq 0 ]
	expect_lines "${CONFINED[@]}"
	expect_logged "$DNS_LOG" "${ASKED[@]}"
	expect_logged "$LOG" "${REACHED[@]}"
	runac delete --force "$CID"
}

@test "an address answered for one container is not allowed to another" {
	# Both in one network namespace: A may name api.test, B other.test only.
	with_policy
	set_cmd 'sleep 30'
	runac create "$CID"
	runac start "$CID"
	POLICY='{"capabilities": {"network": {"egress": [{"host": "other.test", "port": 8080}]}}, "policy": {"auditLog": false}}'
	with_policy
	runac create "$CID-b"
	runac start "$CID-b"
	run runac exec "$CID" sh -c 'escape dns 192.0.2.53 api.test; escape tcp 192.0.2.10 8080'
	expect_lines "dns api.test: 192.0.2.10" "tcp: ALLOWED"
	run runac exec "$CID-b" sh -c 'escape tcp 192.0.2.10 8080; escape dns 192.0.2.53 other.test; escape tcp 192.0.2.11 8080'
	expect_lines "tcp: refused (EPERM)" "dns other.test: 192.0.2.11" "tcp: ALLOWED"
	run runac exec "$CID" sh -c 'escape tcp 192.0.2.11 8080'
	expect_lines "tcp: refused (EPERM)"
	runac delete --force "$CID-b"
	runac delete --force "$CID"
	no_egress_objects
}

@test "an answered address is refused once its TTL (at least the 5 s floor) has run out" {
	with_policy
	set_cmd 'escape dns 192.0.2.53 short.test; escape tcp 192.0.2.14 8080; sleep 6; escape tcp 192.0.2.14 8080
		escape dns 192.0.2.53 short.test; escape tcp 192.0.2.14 8080'
	run runac run "$CID"
	[ "$status" -eq 0 ]
	expect_lines "dns short.test: 192.0.2.14" "tcp: ALLOWED" "tcp: refused (EPERM)" "dns short.test: 192.0.2.14" \
		"tcp: ALLOWED"
	expect_logged "$LOG" "tcp 192.0.2.14 8080" "tcp 192.0.2.14 8080"
}

@test "the monitor starts outside the container, holds none of create's output, and goes at delete" {
	with_policy
	set_cmd 'sleep 30'
	# create's output on pipes, as a shim gives it: the container's process
	# holds them (as under runc), the monitor must not.
	runac create "$CID" > >(cat >/dev/null) 2> >(cat >&2)
	local pid
	pid=$(monitor_pid)
	[ -n "$pid" ]
	[ "$(cat /proc/"$pid"/comm)" = runac-monitor ]
	# Not in the container's cgroup or pid namespace; in its network namespace.
	run ! grep -q "$CID" /proc/"$pid"/cgroup
	[ "$(readlink /proc/"$pid"/ns/pid)" = "$(readlink /proc/self/ns/pid)" ]
	[ "$(readlink /proc/"$pid"/ns/net)" = "net:[$(stat -L -c %i /var/run/netns/"$NETNS")]" ]
	# Without root's privileges: it parses what the container sends.
	run grep -E '^(Uid|CapEff|NoNewPrivs):' /proc/"$pid"/status
	echo "$output"
	[[ $output == *$'Uid:\t65534\t65534\t65534\t65534'* && $output == *$'CapEff:\t0000000000000000'* ]]
	[[ $output == *$'NoNewPrivs:\t1'* ]]
	# No descriptor but its sockets, the maps, the init's pidfd and /dev/null.
	run ls -l /proc/"$pid"/fd
	echo "$output"
	run ! grep -E "pipe:|$RUNAC_ROOT|$BUNDLE" <<<"$output"
	runac delete --force "$CID"
	run ! alive "$pid"
	no_egress_objects
}

@test "the monitor ends when the container's process does" {
	with_policy
	set_cmd 'sleep 30'
	runac create "$CID"
	runac start "$CID"
	local pid n=40
	pid=$(monitor_pid)
	alive "$pid"
	runac kill "$CID" KILL
	while alive "$pid"; do ((n-- > 0)) || return 1; sleep 0.05; done
	runac delete "$CID"
}

@test "killing the monitor opens nothing: names stop resolving, no query leaves" {
	with_policy
	set_cmd 'sleep 30'
	runac create "$CID"
	runac start "$CID"
	kill -9 "$(monitor_pid)"
	run runac exec "$CID" sh -c 'escape dns 192.0.2.53 api.test; escape dns 192.0.2.53 api.test a tcp
		escape tcp 192.0.2.10 8080'
	expect_lines "dns api.test: refused (ECONNREFUSED)" "dns api.test: refused (ECONNREFUSED)" "tcp: refused (EPERM)"
	expect_logged "$DNS_LOG"
	expect_logged "$LOG"
	runac delete --force "$CID"
}

@test "explain names the resolver and the programs for the names" {
	with_policy
	set_cmd 'sleep 30'
	runac create "$CID"
	run runac policy explain --container "$CID"
	echo "$output"
	[[ $output == *$'  network names [api.test:8080/tcp, *.pkg.test:8080/tcp, short.test:8080/tcp, www.test:8080/tcp, leak.test:8080/tcp, not bad.pkg.test]: enforced\n'* ]]
	[[ $output == *"monitor (required, available here, built)"* ]]
	runac delete --force "$CID"
	no_egress_objects
}

@test "a create that fails after the monitor started leaves no monitor, program or map" {
	with_policy
	set_cmd 'sleep 30'
	# The pid file is written after the monitor started.
	run runac create --pid-file "$BATS_TEST_TMPDIR/no/such/dir/pid" "$CID"
	[ "$status" -ne 0 ]
	echo "$output"
	[[ $output == *"no/such/dir/pid"* ]]
	no_egress_objects
}
