# The container lifecycle on pure cgroup v2, as engines drive it.

test_create_start_kill_delete() {
	setup_bundle
	set_cmd 'echo started >/tmp/marker; sleep 1000'
	update_config '.root.readonly = false'
	runac create "$CID"
	expect_eq "$(state_field "$CID" status)" created "status after create"
	pid=$(state_field "$CID" pid)
	[ -d "/proc/$pid" ] || fail "init pid $pid from state is not running"
	[ ! -e "$BUNDLE/rootfs/tmp/marker" ] || fail "the process ran before start"
	cg=$(cgroup_of "$pid")
	expect_eq "$cg" "/$CID" "cgroup of the created container's init"
	grep -qx "$pid" "/sys/fs/cgroup$cg/cgroup.procs" || fail "pid $pid not in /sys/fs/cgroup$cg/cgroup.procs"

	runac start "$CID"
	expect_eq "$(state_field "$CID" status)" running "status after start"
	wait_for_file "$BUNDLE/rootfs/tmp/marker"
	expect_eq "$(cat "$BUNDLE/rootfs/tmp/marker")" started "what the container wrote"

	runac kill "$CID" KILL
	wait_for_state "$CID" stopped
	expect_eq "$(state_field "$CID" pid)" 0 "pid of a stopped container"
	[ -d "/sys/fs/cgroup$cg" ] || fail "the cgroup went away before delete"

	runac delete "$CID"
	rc=0
	runac state "$CID" >"$TEST_TMP/state.out" 2>&1 || rc=$?
	[ $rc != 0 ] || fail "state after delete succeeded"
	grep -q "container does not exist" "$TEST_TMP/state.out" || fail "state after delete: $(cat "$TEST_TMP/state.out")"
	[ ! -e "/sys/fs/cgroup$cg" ] || fail "delete left /sys/fs/cgroup$cg"
}

test_run_exit_status() {
	setup_bundle
	set_cmd 'exit 3'
	rc=0
	runac run "$CID" || rc=$?
	expect_eq "$rc" 3 "exit status of run"
	[ ! -e "/sys/fs/cgroup/$CID" ] || fail "run left /sys/fs/cgroup/$CID"
	rc=0
	runac state "$CID" >/dev/null 2>&1 || rc=$?
	[ $rc != 0 ] || fail "run left the container's state"
}

# A foreground run exits 128 + the signal that killed the container.
test_run_killed_by_signal() {
	setup_bundle
	set_cmd 'sleep 1000'
	runac run "$CID" &
	run_pid=$!
	wait_for_state "$CID" running
	runac kill "$CID" KILL
	rc=0
	wait "$run_pid" || rc=$?
	expect_eq "$rc" 137 "exit status of run (128 + SIGKILL)"
	[ ! -e "/sys/fs/cgroup/$CID" ] || fail "run left /sys/fs/cgroup/$CID"
}

test_run_detach_then_delete_force() {
	setup_bundle
	set_cmd 'sleep 1000 & sleep 1000 & wait'
	runac run --detach "$CID"
	expect_eq "$(state_field "$CID" status)" running "status after run --detach"
	cg=/sys/fs/cgroup/$CID
	n=0
	while [ "$(wc -l <"$cg/cgroup.procs")" -lt 3 ]; do
		n=$((n + 1))
		[ $n -lt 200 ] || fail "expected 3 processes in $cg, have: $(cat "$cg/cgroup.procs" | tr '\n' ' ')"
		sleep 0.05
	done
	pids=$(cat "$cg/cgroup.procs")
	runac delete --force "$CID"
	[ ! -e "$cg" ] || fail "delete --force left $cg"
	for p in $pids; do
		[ ! -d "/proc/$p" ] || [ "$(awk '{ print $3 }' "/proc/$p/stat")" = Z ] || fail "process $p outlived delete --force"
	done
}

test_kill_all_reaches_every_process() {
	setup_bundle
	set_cmd 'sleep 1000 & sleep 1000 & trap "" TERM; wait'
	runac run --detach "$CID"
	sleep 0.3
	runac kill --all "$CID" KILL
	wait_for_state "$CID" stopped
	[ -z "$(cat "/sys/fs/cgroup/$CID/cgroup.procs")" ] || fail "processes left: $(cat "/sys/fs/cgroup/$CID/cgroup.procs")"
	runac delete "$CID"
	[ ! -e "/sys/fs/cgroup/$CID" ] || fail "delete left /sys/fs/cgroup/$CID"
}
