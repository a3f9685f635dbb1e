#!/usr/bin/env bats
# policy.escalation: prompt: a refused connect or name becomes a request a
# human decides (runac approvals, approve, deny); an approval reaches the
# running container at once, through the egress programs' maps or the
# monitor's resolver. The container joins a network namespace of the
# test's own (network.bash) with listeners and a DNS server that log what
# reaches them; grants and the log go to directories of the test's own.

bats_require_minimum_version 1.5.0
load ../lib/helpers
load network

POLICY='{"capabilities": {"network": {"egress": [{"host": "api.test", "port": 8080}]}},
         "policy": {"escalation": "prompt"}}'

setup() {
	netns_setup 192.0.2.53/32 192.0.2.10/32 192.0.2.20/32 192.0.2.30/32
	echo "nameserver 192.0.2.53" >rootfs/etc/resolv.conf
	DNS_LOG=$BATS_TEST_TMPDIR/dns.log
	in_netns_background "$DNS_LOG" /usr/bin/python3 "$BATS_TEST_DIRNAME/dns_server.py" "$DNS_LOG" 192.0.2.53 \
		api.test=A:192.0.2.10 pypi.test=A:192.0.2.30
	LOG=$BATS_TEST_TMPDIR/listeners.log
	in_netns_background "$LOG" /usr/bin/python3 "$BATS_TEST_DIRNAME/listeners.py" "$LOG" \
		tcp:192.0.2.10:8080 tcp:192.0.2.20:8080 tcp:192.0.2.20:9090 tcp:192.0.2.30:443
	AUDIT=$BATS_TEST_TMPDIR/audit/$CID.jsonl
	GRANTS=$BATS_TEST_TMPDIR/grants/$CID.json
	printf 'audit-dir = "%s"\ngrant-dir = "%s"\napproval-timeout = "%s"\n' "$BATS_TEST_TMPDIR/audit" \
		"$BATS_TEST_TMPDIR/grants" 5m >"$BATS_TEST_TMPDIR/runac.conf"
	with_policy
	set_cmd 'sleep 60'
}

teardown() { netns_teardown; }

arunac() { runac --config "$BATS_TEST_TMPDIR/runac.conf" "$@"; }
started() { arunac create "$CID" && arunac start "$CID"; }
attempt() { run arunac exec "$CID" escape "$@"; }
# requests: the approvals table without its header, one line per request.
requests() { run arunac approvals "$CID"; echo "$output"; [ "$status" -eq 0 ]; lines=("${lines[@]:1}"); }
records() { jq -c "select(.event == \"$1\")" "$AUDIT"; }
# approve_refused MESSAGE ARGS...: `runac approve ARGS` fails, saying MESSAGE.
approve_refused() {
	local want=$1
	shift
	run arunac approve "$@"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"$want"* ]]
}

@test "a refused connect becomes a request; approve lets the running container connect" {
	started
	attempt tcp 192.0.2.20 8080
	[ "$output" = "tcp: refused (EPERM)" ]
	attempt tcp 192.0.2.20 8080
	requests
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} =~ ^${CID:0:12}\ +1\ +pending\ +[0-9]+s\ +2\ +escape\ +\+\ network.egress\ \{\"host\":\"192.0.2.20\",\"port\":8080\}$ ]]
	run arunac approve "$CID" 1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = 'request 1 approved: + network.egress {"host":"192.0.2.20","port":8080}' ]
	# The same container, no restart: that port of that address, nothing more.
	attempt tcp 192.0.2.20 8080
	[ "$output" = "tcp: ALLOWED" ]
	attempt tcp 192.0.2.20 9090
	[ "$output" = "tcp: refused (EPERM)" ]
	expect_logged "$LOG" "tcp 192.0.2.20 8080"
	# Asked and decided, in the log; a decided request is not asked again.
	records approval-request | jq -se 'length == 2 and .[0].request == 1 and .[0].state == "pending" and
		.[0].command == "escape" and (.[0].pid > 0) and .[0].diff == "+ network.egress {\"host\":\"192.0.2.20\",\"port\":8080}"'
	records approval | jq -se 'length == 1 and .[0].request == 1 and .[0].state == "approved" and .[0].persist == false'
	approve_refused "request 1 is approved already" "$CID" 1
	arunac audit verify "$AUDIT"
	[ ! -e "$GRANTS" ]
	arunac delete --force "$CID"
}

@test "deny keeps a connect refused; a request nobody decides in time is denied" {
	sed -i 's/^approval-timeout = .*/approval-timeout = "2s"/' "$BATS_TEST_TMPDIR/runac.conf"
	started
	attempt tcp 192.0.2.20 8080
	attempt tcp 192.0.2.20 9090
	run arunac deny "$CID" 1
	echo "$output"
	[ "$output" = 'request 1 denied: + network.egress {"host":"192.0.2.20","port":8080}' ]
	attempt tcp 192.0.2.20 8080
	[ "$output" = "tcp: refused (EPERM)" ]
	sleep 2.5
	requests
	[[ ${lines[0]} == *" 1 "*" denied "* && ${lines[1]} == *" 2 "*" timed out "* ]]
	approve_refused "request 2 timed out after 2 s and was denied" "$CID" 2
	attempt tcp 192.0.2.20 9090
	[ "$output" = "tcp: refused (EPERM)" ]
	expect_logged "$LOG"
	records approval | jq -se 'length == 2 and .[0].state == "denied" and .[1].state == "timed out"'
	approve_refused "no request 7" "$CID" 7
	arunac delete --force "$CID"
}

@test "a refused name becomes a request; once approved it resolves and connects" {
	started
	attempt dns 192.0.2.53 pypi.test
	[ "$output" = "dns pypi.test: NXDOMAIN" ]
	requests
	[[ ${lines[0]} == *' 1 '*'pending'*'+ network.egress {"host":"pypi.test"}' ]]
	arunac approve "$CID" 1
	attempt dns 192.0.2.53 pypi.test
	[ "$output" = "dns pypi.test: 192.0.2.30" ]
	attempt tcp 192.0.2.30 443
	[ "$output" = "tcp: ALLOWED" ]
	expect_logged "$LOG" "tcp 192.0.2.30 443"
	# The server was asked only once the name was approved.
	expect_logged "$DNS_LOG" "pypi.test A"
	arunac delete --force "$CID"
}

@test "approve --persist holds for the container's next create; a pinned policy takes no persistent grant" {
	started
	attempt tcp 192.0.2.20 8080
	run arunac approve --persist "$CID" 1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"kept in $GRANTS"* ]]
	[ "$(jq -c . "$GRANTS")" = '[{"host":"192.0.2.20","port":8080}]' ]
	[ "$(stat -c %a "$GRANTS")" = 600 ]
	# The engine's restart: the same id, a new container, allowed from its start.
	arunac delete --force "$CID"
	started
	attempt tcp 192.0.2.20 8080
	[ "$output" = "tcp: ALLOWED" ]
	records create | tail -1 | jq -e '.grants == [{"host": "192.0.2.20", "port": 8080}]'
	arunac delete --force "$CID"
	# Pinned: its document is all it allows, live grants only.
	local policy
	policy=$(jq -r '.annotations["org.agentcontainers.agent"]' config.json)
	update_config '.annotations["org.agentcontainers.agent.sha256"] = "'"$(printf '%s' "$policy" | sha256sum | cut -d' ' -f1)"'"'
	started
	attempt tcp 192.0.2.20 8080
	[ "$output" = "tcp: refused (EPERM)" ]
	approve_refused "approve --persist: the container's policy is pinned by sha256" --persist "$CID" 1
	attempt tcp 192.0.2.20 8080
	[ "$output" = "tcp: refused (EPERM)" ]
	run arunac approve "$CID" 1
	[ "$status" -eq 0 ]
	attempt tcp 192.0.2.20 8080
	[ "$output" = "tcp: ALLOWED" ]
	arunac delete --force "$CID"
}

@test "the control socket is root's alone; with the monitor gone there is nothing to approve" {
	started
	attempt tcp 192.0.2.20 8080
	local socket=$RUNAC_ROOT/$CID/approvals.sock
	[ "$(stat -c '%a %U' "$socket")" = "600 root" ]
	kill -9 "$(monitor_pid)"
	approve_refused "the container's monitor is not running" "$CID" 1
	attempt tcp 192.0.2.20 8080
	[ "$output" = "tcp: refused (EPERM)" ]
	arunac delete --force "$CID"
	no_egress_objects
}

@test "a monitor that cannot start is reported by start, which starts nothing; delete leaves nothing" {
	# The control socket's path is longer than a unix socket address holds.
	local root=$BATS_TEST_TMPDIR/$(printf 'r%.0s' {1..100})
	LEAK_GUARD_ROOTS+=("$RUNAC"$'\t'"$root")
	"$RUNAC" --root "$root" --config "$BATS_TEST_TMPDIR/runac.conf" create "$CID"
	run "$RUNAC" --root "$root" --config "$BATS_TEST_TMPDIR/runac.conf" start "$CID"
	[ "$status" -ne 0 ]
	[[ $output == *"agent policy: monitor: policy.escalation: "* ]]
	run "$RUNAC" --root "$root" state "$CID"
	[[ $output == *'"status": "created"'* ]]
	"$RUNAC" --root "$root" delete --force "$CID"
	no_egress_objects
}
