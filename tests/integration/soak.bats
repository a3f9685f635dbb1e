#!/usr/bin/env bats
# Many lifecycles and many execs, as a node sees in a day: a runtime that
# leaks one mount, cgroup, BPF object or file descriptor per thousand
# breaks nodes. The leak guard compares the host before and after each
# test; the tests compare the file descriptors of the long-lived processes
# (the caller, the container's init, its monitor) and the container's own
# mount table.
#
# CI runs 30 of each; RUNAC_TEST_LONG=1 runs 1000.

bats_require_minimum_version 1.5.0
load ../lib/helpers

POLICY='{"capabilities": {"filesystem": {"write": ["/tmp"]},
           "network": {"egress": [{"host": "example.com", "port": 443}]}},
         "policy": {"escalation": "prompt"}}'

setup() {
	common_setup
	cd "$BUNDLE"
	T=$BATS_TEST_TMPDIR
	printf 'audit-dir = "%s/audit"\n' "$T" >"$T/runac.conf"
	N=30
	if [ -n "${RUNAC_TEST_LONG:-}" ]; then N=1000; fi
}
teardown() { common_teardown; }

srunac() { runac --config "$T/runac.conf" "$@"; }
fds() { ls "/proc/$1/fd" | wc -l; }

# cycles: N times create, start, delete of $CID, checking each started.
cycles() {
	local i
	for i in $(seq "$N"); do
		srunac create "$CID" >"$T/out" 2>&1 3>&-
		srunac start "$CID"
		srunac delete --force "$CID"
	done
}

@test "create, start and delete many times, without and with a policy: the host and the caller end as they began" {
	set_cmd 'true'
	local before
	before=$(fds $$)
	cycles
	annotate org.agentcontainers.agent "$POLICY"
	update_config '.root.readonly = false'
	cycles
	echo "# $N cycles each, caller's fds: $before before, $(fds $$) after" >&3
	[ "$(fds $$)" -eq "$before" ]
	# Each audit log holds whole lifecycles.
	[ "$(grep -c '"event":"delete"' "$T/audit/$CID.jsonl")" -eq "$N" ]
}

@test "exec many times into one policy container: its init's and monitor's descriptors and its mounts stay as they were" {
	annotate org.agentcontainers.agent "$POLICY"
	update_config '.root.readonly = false'
	set_cmd 'sleep 1000'
	srunac run -d "$CID" >/dev/null
	local init monitor state i
	state=$(cat "$RUNAC_ROOT/$CID/state.json")
	init=$(jq -r .pid <<<"$state")
	monitor=$(monitor_pid)
	[ "$monitor" -gt 0 ]
	srunac exec "$CID" true # the first exec's one-time work done
	local init_fds monitor_fds mounts caller_fds
	init_fds=$(fds "$init") monitor_fds=$(fds "$monitor") caller_fds=$(fds $$)
	mounts=$(wc -l <"/proc/$init/mountinfo")
	for i in $(seq "$N"); do
		srunac exec "$CID" sh -c 'echo ok >/tmp/exec' 3>&-
	done
	echo "# $N execs; fds of init $init_fds -> $(fds "$init"), monitor $monitor_fds -> $(fds "$monitor")" >&3
	[ "$(fds "$init")" -eq "$init_fds" ]
	[ "$(fds "$monitor")" -eq "$monitor_fds" ]
	[ "$(fds $$)" -eq "$caller_fds" ]
	[ "$(wc -l <"/proc/$init/mountinfo")" -eq "$mounts" ]
	# Only the container's own processes are left in it.
	[ "$(srunac ps "$CID" | tail -n +2 | wc -l)" -eq 1 ]
	srunac delete --force "$CID"
}
