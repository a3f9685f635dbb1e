#!/usr/bin/env bats
# Self-test of the harness: the leak guard must see each kind of leak (and
# repair it, so the test's own teardown passes), and must stay quiet on a
# clean container lifecycle. Run with any runtime: RUNAC=runc bats tests/lib

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

@test "rootfs fixture has busybox applets and the test users" {
	[ -x "$BUNDLE/rootfs/bin/busybox" ]
	[ "$(readlink -f "$BUNDLE/rootfs/bin/sh")" = "$BUNDLE/rootfs/bin/busybox" ]
	[ "$(readlink "$BUNDLE/rootfs/usr/bin/env")" = ../../bin/busybox ]
	grep -q '^agent:x:1000:1000:' "$BUNDLE/rootfs/etc/passwd"
	grep -q '^nobody:x:65534:65534:' "$BUNDLE/rootfs/etc/passwd"
	[ "$(jq -r .process.terminal "$BUNDLE/config.json")" = false ]
}

@test "leak guard is quiet after create, start, wait and delete" {
	set_cmd 'sleep 0.2'
	runac create --bundle "$BUNDLE" "$CID"
	runac start "$CID"
	wait_for_state "$CID" stopped
	runac delete "$CID"
	leak_guard_check
}

@test "leak guard reports and force-deletes a container left in the state root" {
	set_cmd 'sleep 100'
	runac create --bundle "$BUNDLE" "$CID"
	runac start "$CID"
	run leak_guard_check
	[ "$status" -eq 1 ]
	[[ $output == *"container left in $RUNAC_ROOT: $CID"* ]]
	run runac state "$CID"
	[ "$status" -ne 0 ]
}

@test "leak guard reports a container process and cgroups the runtime lost track of" {
	set_cmd 'sleep 100'
	runac create --bundle "$BUNDLE" "$CID"
	runac start "$CID"
	rm -rf "${RUNAC_ROOT:?}/$CID"
	run leak_guard_check
	[ "$status" -eq 1 ]
	[[ $output == *"> process "*"sleep 100 ("* ]]
	[[ $output == *"> cgroup "*"/$CID"* ]]
}

# These tests undo their own damage before asserting: a broken guard must
# not leave the host changed.

@test "leak guard reports and restores a changed host device node" {
	orig=$(stat -c %a /dev/full)
	chmod 600 /dev/full
	run leak_guard_check
	now=$(stat -c %a /dev/full)
	chmod "$orig" /dev/full
	[ "$status" -eq 1 ]
	[[ $output == *"> device /dev/full 0:0 600 "* ]]
	[ "$now" = "$orig" ]
}

@test "leak guard reports a mount left on the host" {
	mkdir "$BATS_TEST_TMPDIR/m"
	mount -t tmpfs none "$BATS_TEST_TMPDIR/m"
	run leak_guard_check
	! mountpoint -q "$BATS_TEST_TMPDIR/m" || { umount -l "$BATS_TEST_TMPDIR/m"; false; }
	[ "$status" -eq 1 ]
	[[ $output == *"> mount $BATS_TEST_TMPDIR/m tmpfs"* ]]
}

@test "leak guard reports a cgroup left on the host" {
	mkdir "/sys/fs/cgroup/pids/$CID-leak"
	run leak_guard_check
	[ ! -d "/sys/fs/cgroup/pids/$CID-leak" ] || { rmdir "/sys/fs/cgroup/pids/$CID-leak"; false; }
	[ "$status" -eq 1 ]
	[[ $output == *"> cgroup /sys/fs/cgroup/pids /$CID-leak"* ]]
}

@test "leak guard reports a process naming the test's temp dir that outlives the test" {
	# fd 3 closed: bats waits for every holder of fd 3 before it finishes.
	# One process whose argv[0] names the temp dir (a stray helper, say).
	bash -c 'exec -a "sleeper $0" sleep 100' "$BATS_TEST_TMPDIR" </dev/null >/dev/null 2>&1 3>&- &
	pid=$!
	sleep 0.2
	run leak_guard_check
	! kill -0 "$pid" 2>/dev/null || { kill -9 "$pid"; false; }
	[ "$status" -eq 1 ]
	[[ $output == *"> process $pid sleeper $BATS_TEST_TMPDIR 100"* ]]
}

@test "leak guard ignores the cgroups of another test run" {
	mkdir /sys/fs/cgroup/pids/t-ZZZZZZ-1
	run leak_guard_check
	rmdir /sys/fs/cgroup/pids/t-ZZZZZZ-1
	[ "$status" -eq 0 ]
}
