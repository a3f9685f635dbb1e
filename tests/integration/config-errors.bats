#!/usr/bin/env bats
# A bad config.json gets one line naming the JSON path, a non-zero exit, and
# leaves nothing behind (the leak guard checks state, cgroups, mounts).

load ../lib/helpers

setup() {
	common_setup
	cd "$BUNDLE"
}
teardown() { common_teardown; }

# expect_refusal MESSAGE: create must fail with exactly one line holding
# MESSAGE. (The text log quotes the message as runc's does: inner quotes
# appear escaped, so MESSAGE avoids them.)
expect_refusal() {
	# Output goes to a file: were create to succeed, the parked init would
	# hold a pipe open and `run` would wait for it.
	status=0
	runac create "$CID" >"$BATS_TEST_TMPDIR/create.out" 2>&1 || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/create.out")
	mapfile -t lines <"$BATS_TEST_TMPDIR/create.out"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"$1"* ]]
	[ -z "$(ls -A "$RUNAC_ROOT" 2>/dev/null)" ]
}

@test "bad JSON is refused" {
	echo '{"ociVersion": "1.0.2", ' >"$BUNDLE/config.json"
	expect_refusal "config.json: invalid JSON"
}

@test "a missing config.json is refused" {
	rm "$BUNDLE/config.json"
	expect_refusal "config.json"
}

@test "a missing root is refused naming root" {
	update_config 'del(.root)'
	expect_refusal "root: must be set"
}

@test "a relative rootfs that does not exist is refused naming root.path" {
	update_config '.root.path = "nosuchdir"'
	expect_refusal "root.path: $BUNDLE/nosuchdir is not a directory"
}

@test "an unknown namespace type names its JSON path" {
	update_config '.linux.namespaces += [{"type": "bogus"}]'
	expect_refusal 'linux.namespaces[5].type: unknown namespace type'
}

@test "a wrong type names its JSON path" {
	update_config '.process.args = "sh"'
	expect_refusal "process.args: expected an array, got string"
}

@test "an unknown capability is refused" {
	update_config '.process.capabilities.bounding += ["CAP_BOGUS"]'
	expect_refusal 'process.capabilities.bounding[3]: unknown capability'
}

@test "unknown properties are ignored" {
	update_config '.futureThing = {"x": 1} | .process.futureKey = true'
	run runac run "$CID"
	[ "$status" -eq 0 ]
}

@test "a config that needs a later feature is refused naming the field" {
	update_config '.linux.intelRdt = {"closID": "guaranteed"}'
	expect_refusal "linux.intelRdt: not supported by this version of runac"
}

@test "an rlimit above the hard limit is refused clearly" {
	update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 99999999}]'
	expect_refusal "process.rlimits: setting RLIMIT_NOFILE above the current hard limit needs CAP_SYS_RESOURCE"
}

@test "a sysctl of a namespace joined by path that is the host's own is refused" {
	# /proc/self/ns/net of the test is the host's network namespace.
	update_config ".linux.namespaces |= map(if .type == \"network\" then .path = \"/proc/$$/ns/net\" else . end) |
		.linux.sysctl = {\"net.ipv4.ip_forward\": \"1\"}"
	before=$(cat /proc/sys/net/ipv4/ip_forward)
	expect_refusal "linux.sysctl.net.ipv4.ip_forward: not allowed in the host's network namespace"
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$before" ]
	# A namespace of its own, given by path, is fine.
	local ns=$BATS_TEST_TMPDIR/netns
	touch "$ns" && unshare --net="$ns" true
	update_config ".linux.namespaces |= map(if .type == \"network\" then .path = \"$ns\" else . end) |
		.linux.sysctl = {\"net.ipv4.ip_unprivileged_port_start\": \"80\"}"
	set_cmd 'cat /proc/sys/net/ipv4/ip_unprivileged_port_start'
	run runac run "$CID"
	umount "$ns"
	[ "$status" -eq 0 ]
	[ "$output" = 80 ]
}
