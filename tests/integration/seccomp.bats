#!/usr/bin/env bats
# linux.seccomp: the filter the process runs under, each action, argument
# conditions, and the SCMP_ACT_NOTIFY listener.

load ../lib/helpers

setup() {
	common_setup
	cd "$BUNDLE"
	update_config '.root.readonly = false'
}
teardown() { common_teardown; }

@test "a rule's errnoRet is what the syscall returns" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]}'
	set_cmd 'grep Seccomp: /proc/self/status; mkdir /tmp/d; echo rc=$?'
	run runac run "$CID"
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"No space left on device"* ]]
	[[ "$output" == *"rc=1"* ]]
}

@test "SCMP_ACT_ERRNO without errnoRet returns EPERM" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
	set_cmd 'mkdir /tmp/d; echo rc=$?'
	run runac run "$CID"
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "argument conditions select which calls a rule matches" {
	# personality(0xffffffff) queries; anything else is refused.
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
		              "args": [{"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}]}]}'
	set_cmd 'sleep 10 & p=$!; kill -USR1 $p; echo usr1=$?; kill -TERM $p; echo term=$?'
	run runac run "$CID"
	[[ "$output" == *"usr1=1"* ]]
	[[ "$output" == *"term=0"* ]]
}

@test "SCMP_ACT_KILL_PROCESS and SCMP_ACT_KILL_THREAD kill the (single-threaded) caller" {
	for action in SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL_THREAD; do
		update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
			"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "'$action'"}]}'
		set_cmd 'mkdir /tmp/d'
		run runac run "$CID"
		[ "$status" -eq $((128 + 31)) ]
	done
}

@test "SCMP_ACT_TRACE without a tracer fails the call with ENOSYS" {
	# The kernel answers ENOSYS when no ptrace(2) tracer takes the event.
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_TRACE"}]}'
	set_cmd 'mkdir /tmp/d; echo rc=$?'
	run runac run "$CID"
	[[ "$output" == *"Function not implemented"* ]]
	[[ "$output" == *"rc=1"* ]]
}

@test "SCMP_ACT_NOTIFY hands the listener fd and the container state to listenerPath" {
	[ -x "${SECCOMP_LISTENER:-}" ]
	sock=$BATS_TEST_TMPDIR/listener.sock
	"$SECCOMP_LISTENER" "$sock" "$BATS_TEST_TMPDIR/state.json" &
	listener=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.02; done
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "'"$sock"'",
		"listenerMetadata": "test-meta",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}'
	set_cmd 'mkdir /tmp/d; echo rc=$?'
	run runac run "$CID"
	wait $listener
	[[ "$output" == *"Invalid cross-device link"* ]]
	[ "$(jq -r .metadata "$BATS_TEST_TMPDIR/state.json")" = test-meta ]
	[ "$(jq -r '.fds[0]' "$BATS_TEST_TMPDIR/state.json")" = seccompFd ]
	[ "$(jq -r .state.id "$BATS_TEST_TMPDIR/state.json")" = "$CID" ]
	[ "$(jq -r .state.status "$BATS_TEST_TMPDIR/state.json")" = creating ]
	[ "$(jq -r .pid "$BATS_TEST_TMPDIR/state.json")" -gt 0 ]
}

# use_default_profile: linux.seccomp as an engine derives it from Podman's
# default profile (Docker's rules) for the config's capabilities.
use_default_profile() {
	local profile=/usr/share/containers/seccomp.json
	[ -f "$profile" ]
	jq --slurpfile p <(jq --argjson caps "$(jq .process.capabilities.bounding config.json)" \
		-f "$BATS_TEST_DIRNAME/../lib/seccomp-profile.jq" "$profile") '.linux.seccomp = $p[0]' config.json >config.new
	mv config.new config.json
}

@test "the default profile (Docker's rules) runs a container and refuses what it must" {
	use_default_profile
	set_cmd 'echo hello; unshare -m true; echo unshare=$?; grep Seccomp: /proc/self/status'
	run runac run "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hello ]
	[[ "$output" == *"unshare=1"* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
}

@test "the default action answers defaultErrnoRet" {
	use_default_profile
	# Without its allow rule, mkdir(2) falls to the default action, which
	# answers with the profile's ENOSYS.
	update_config '.linux.seccomp.syscalls |= map(.names -= ["mkdir", "mkdirat"])'
	set_cmd 'mkdir /tmp/d 2>&1; echo rc=$?'
	run runac run "$CID"
	[[ "$output" == *"Function not implemented"* ]]
}

@test "an unknown seccomp action is refused naming its path" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_MAYBE"}]}'
	run runac create "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"linux.seccomp.syscalls[0].action: unknown seccomp action"* ]]
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

@test "NOTIFY without a listenerPath is refused" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
	run runac create "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"linux.seccomp.listenerPath: must be set"* ]]
}

@test "NOTIFY as the default action or on write is refused, as runc refuses it (the runtime would wait on itself)" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/nonexistent"}'
	run timeout 10 "$RUNAC" --root "$RUNAC_ROOT" create "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be used as default action"* ]]
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/nonexistent",
		"syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_NOTIFY"}]}'
	run timeout 10 "$RUNAC" --root "$RUNAC_ROOT" create "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"linux.seccomp.syscalls[0].names: SCMP_ACT_NOTIFY cannot be used for the write syscall"* ]]
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

@test "NOTIFY with no listener at listenerPath fails create with runc's words" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "'"$BATS_TEST_TMPDIR"'/none.sock",
		"syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
	run timeout 10 "$RUNAC" --root "$RUNAC_ROOT" create "$CID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"linux.seccomp.listenerPath: failed to connect with seccomp agent: connect $BATS_TEST_TMPDIR/none.sock: No such file or directory"* ]]
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

@test "a compiled filter is cached root-only and reused by the next container" {
	# An empty cache (deleting it is always safe, docs/runtime.md): a random
	# profile could otherwise already be there from an earlier run.
	rm -rf /run/runac-cache/seccomp
	errno=$((RANDOM % 100 + 1000))
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}, {"names": ["acct"], "action": "SCMP_ACT_ERRNO", "errnoRet": '"$errno"'}]}'
	set_cmd 'mkdir /tmp/d 2>&1; echo rc=$?'
	run runac run "$CID"
	[[ "$output" == *"No space left on device"* ]]
	after=$(ls /run/runac-cache/seccomp | wc -l)
	[ "$after" -eq 1 ]
	[ "$(stat -c %a /run/runac-cache/seccomp)" = 700 ]
	run runac run "$CID"
	[[ "$output" == *"No space left on device"* ]]
	[ "$(ls /run/runac-cache/seccomp | wc -l)" -eq "$after" ]
}

# The handshake's error paths, injected deterministically: the container's
# own filter kills the init at its next sendmsg(2), the message that would
# have said it is ready. (The same filter would kill a container's init
# before any exec could join it, so exec's twin path is not injected here.)
KILL_AT_SENDMSG='{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["sendmsg"], "action": "SCMP_ACT_KILL_PROCESS"}]}'

@test "an init that dies at its last handshake step is reported with its signal and its step" {
	update_config ".process.noNewPrivileges = true | .linux.seccomp = $KILL_AT_SENDMSG"
	runac create "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1 && false
	cat "$BATS_TEST_TMPDIR/out"
	grep -q 'container init exited before it was ready (killed by signal 31 (Bad system call)), after runac sent it go' \
		"$BATS_TEST_TMPDIR/out"
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

@test "an init that dies after it sent its console says so" {
	update_config ".process.terminal = true | .process.noNewPrivileges = true | .linux.seccomp = $KILL_AT_SENDMSG"
	[ -x "${CONSOLE_RECEIVER:-}" ]
	"$CONSOLE_RECEIVER" "$BATS_TEST_TMPDIR/console.sock" '' >/dev/null 2>&1 &
	local receiver=$!
	for _ in $(seq 100); do [ -S "$BATS_TEST_TMPDIR/console.sock" ] && break; sleep 0.02; done
	runac create --console-socket "$BATS_TEST_TMPDIR/console.sock" "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1 && false
	cat "$BATS_TEST_TMPDIR/out"
	kill "$receiver" 2>/dev/null || true
	grep -q '(killed by signal 31 (Bad system call)), after it sent its console' "$BATS_TEST_TMPDIR/out"
}
