# systemd as pid 1 on its hybrid cgroup layout (run-vm.sh with
# RUNAC_VM_SYSTEMD=hybrid: systemd.unified_cgroup_hierarchy=0): the v1
# controllers, systemd's own name=systemd hierarchy and an empty unified
# one. runac's --systemd-cgroup beside Debian's runc's under it.

# slices, remove_new_slices BEFORE: the system.slice directories made since BEFORE (a list
# of them) in the hierarchies systemd does not manage: a runtime makes the
# parents of the container's cgroup there and leaves them, runc as runac.
slices() { find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -name system.slice -type d | sort; }
remove_new_slices() { slices | grep -vxF -f "$1" | while read -r d; do rmdir "$d"; done; }

# v1_cgroup PID CONTROLLER: the pid's cgroup in that v1 hierarchy.
v1_cgroup() { awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$1/cgroup"; }

test_layout_is_hybrid() {
	expect_eq "$(cat /proc/1/comm)" systemd "/proc/1/comm"
	expect_eq "$(fstype_of /sys/fs/cgroup)" tmpfs "file system at /sys/fs/cgroup"
	expect_eq "$(fstype_of /sys/fs/cgroup/unified)" cgroup2 "file system at /sys/fs/cgroup/unified"
	expect_eq "$(fstype_of /sys/fs/cgroup/memory)" cgroup "file system at /sys/fs/cgroup/memory"
	expect_eq "$(v1_cgroup $$ name=systemd)" /system.slice/runac-vm-tests.service "the tests' cgroup in systemd's hierarchy"
}

# The same container under runac and runc: the scope, and the init in the
# scope's directory of every hierarchy, the same ones for both runtimes;
# nothing of the unit left after delete.
test_runac_scope_like_runc() {
	setup_bundle
	slices >"$TEST_TMP/slices"
	update_config '.process.args = ["sleep", "30"]'
	for rt in runac runc; do
		unit=$rt-vm-$CID.scope
		update_config ".linux.cgroupsPath = \"system.slice:$rt-vm:$CID\""
		run_in_scope $rt "$unit"
		for c in name=systemd memory pids cpu; do
			expect_eq "$(v1_cgroup "$pid" $c)" "/system.slice/$unit" "$rt: the init's cgroup in the $c hierarchy"
		done
		# runc 1.1 predates the misc controller, and on v1 leaves the devices
		# hierarchy to systemd (its rules are systemd's DeviceAllow); runac
		# joins both at the scope, its device rules in the scope's own.
		grep -v ':misc:\|:devices:' "/proc/$pid/cgroup" | sed "s/$rt-vm-$CID/UNIT/" | sort >"$TEST_TMP/$rt.cgroups"
		sd_rt $rt delete -f "$CID"
		expect_unit_gone "$unit" "$rt delete -f"
	done
	remove_new_slices "$TEST_TMP/slices"
	cmp -s "$TEST_TMP/runac.cgroups" "$TEST_TMP/runc.cgroups" ||
		fail "the init's cgroups differ: runac: $(tr '\n' ' ' <"$TEST_TMP/runac.cgroups"); runc: $(tr '\n' ' ' <"$TEST_TMP/runc.cgroups")"
}

# v1 limits as the unit's v1 properties and files; update changes both (a
# daemon-reload keeps them); pause and resume through the v1 freezer;
# events --stats reads the v1 hierarchies. The same under runac and runc.
test_runac_limits_update_pause_like_runc() {
	setup_bundle
	slices >"$TEST_TMP/slices"
	update_config '.process.args = ["sleep", "30"] | .linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 50}, "cpu": {"shares": 512}}'
	for rt in runac runc; do
		update_config ".linux.cgroupsPath = \"system.slice:$rt-vm:$CID\""
		unit=$rt-vm-$CID.scope
		sd_rt $rt run -d "$CID"
		expect_eq "$(unit_prop "$unit" MemoryLimit)" 67108864 "$rt: MemoryLimit at create"
		expect_eq "$(unit_prop "$unit" TasksMax)" 50 "$rt: TasksMax at create"
		expect_eq "$(unit_prop "$unit" CPUShares)" 512 "$rt: CPUShares at create"
		expect_eq "$(cat "/sys/fs/cgroup/memory/system.slice/$unit/memory.limit_in_bytes")" 67108864 "$rt: memory.limit_in_bytes"
		expect_eq "$(cat "/sys/fs/cgroup/cpu/system.slice/$unit/cpu.shares")" 512 "$rt: cpu.shares"
		sd_rt $rt update --memory 48m --pids-limit 20 "$CID"
		expect_eq "$(unit_prop "$unit" MemoryLimit)" 50331648 "$rt: MemoryLimit after update"
		expect_eq "$(unit_prop "$unit" TasksMax)" 20 "$rt: TasksMax after update"
		systemctl daemon-reload
		expect_eq "$(cat "/sys/fs/cgroup/memory/system.slice/$unit/memory.limit_in_bytes")" 50331648 \
			"$rt: memory.limit_in_bytes after update and daemon-reload"
		expect_eq "$(cat "/sys/fs/cgroup/pids/system.slice/$unit/pids.max")" 20 "$rt: pids.max after update and daemon-reload"
		expect_pause_resume_stats $rt "/sys/fs/cgroup/freezer/system.slice/$unit/freezer.state" FROZEN 50331648
		sd_rt $rt delete -f "$CID"
		expect_unit_gone "$unit" "$rt delete -f"
	done
	remove_new_slices "$TEST_TMP/slices"
}
