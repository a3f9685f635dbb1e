# What a container sees of its cgroup on a pure cgroup v2 host.

# Without a cgroup namespace, /proc/self/cgroup names the container's
# cgroupsPath; delete removes that directory.
test_proc_self_cgroup_names_cgroups_path() {
	setup_bundle
	update_config '.linux.namespaces |= map(select(.type != "cgroup")) | .linux.cgroupsPath = "/runac-vm/'"$CID"'"'
	set_cmd 'cat /proc/self/cgroup'
	runac run "$CID" >"$TEST_TMP/out"
	expect_eq "$(cat "$TEST_TMP/out")" "0::/runac-vm/$CID" "/proc/self/cgroup in the container"
	[ ! -e "/sys/fs/cgroup/runac-vm/$CID" ] || fail "delete left /sys/fs/cgroup/runac-vm/$CID"
	# The parent is not the container's: runac leaves it, as runc does.
	rmdir /sys/fs/cgroup/runac-vm
}

# In its own cgroup namespace (the default config), the container sees its
# cgroup as the root, while from outside it is in its own directory.
test_proc_self_cgroup_in_cgroup_namespace() {
	setup_bundle
	update_config '.root.readonly = false'
	set_cmd 'cat /proc/self/cgroup >/tmp/cgroup; sleep 1000'
	runac create "$CID"
	pid=$(state_field "$CID" pid)
	expect_eq "$(cgroup_of "$pid")" "/$CID" "cgroup of the init seen from the host"
	runac start "$CID"
	wait_for_file "$BUNDLE/rootfs/tmp/cgroup"
	sleep 0.1
	expect_eq "$(cat "$BUNDLE/rootfs/tmp/cgroup")" "0::/" "/proc/self/cgroup in the container"
	runac delete --force "$CID"
	[ ! -e "/sys/fs/cgroup/$CID" ] || fail "delete --force left /sys/fs/cgroup/$CID"
}

# The config's "cgroup" mount is cgroup2 on a v2 host, read-only as the
# config asks, rooted at the container's own cgroup (its cgroup namespace),
# with the controllers the host enabled for it.
test_sys_fs_cgroup_in_container() {
	setup_bundle
	set_cmd '
		echo "fstype=$(grep " /sys/fs/cgroup " /proc/self/mounts | cut -d" " -f3)"
		echo "controllers=$(cat /sys/fs/cgroup/cgroup.controllers)"
		echo "mountinfo=$(grep " /sys/fs/cgroup " /proc/self/mountinfo)"
		echo "procs=$(cat /sys/fs/cgroup/cgroup.procs | tr "\n" " ")"
		echo "entries=$(ls /sys/fs/cgroup | grep -v "^cgroup\.\|\." | tr "\n" " ")"
		mkdir /sys/fs/cgroup/x 2>/dev/null && echo "mkdir=worked" || echo "mkdir=refused"'
	runac run "$CID" >"$TEST_TMP/out" 2>&1 || fail "run: $(cat "$TEST_TMP/out")"
	while read -r line; do diag "in the container: $line"; done <"$TEST_TMP/out"
	get() { sed -n "s/^$1=//p" "$TEST_TMP/out"; }
	expect_eq "$(get fstype)" cgroup2 "file system at /sys/fs/cgroup"
	expect_match "$(get mountinfo)" "* / /sys/fs/cgroup ro,*" "mountinfo line of /sys/fs/cgroup"
	expect_eq "$(get mkdir)" refused "mkdir in the read-only /sys/fs/cgroup"
	for c in memory pids; do
		expect_match " $(get controllers) " "* $c *" "cgroup.controllers in the container"
	done
	# Its own cgroup as the root: its own processes only, no child cgroups
	# (the host's tree would show the other cgroups, and this one, as dirs).
	expect_eq "$(get entries)" "" "cgroup directories visible in the container"
	expect_match "$(get procs)" "1 *" "cgroup.procs of the container's /sys/fs/cgroup"
}

# The container's cgroup can use the controllers its host enabled, also
# when cgroupsPath nests it below a directory runac creates.
test_controllers_available_in_container_cgroup() {
	setup_bundle
	update_config '.linux.cgroupsPath = "/runac-vm/'"$CID"'"'
	set_cmd 'sleep 1000'
	runac create "$CID"
	nested=$(cat "/sys/fs/cgroup/runac-vm/$CID/cgroup.controllers")
	diag "controllers of /runac-vm/$CID: $nested"
	runac delete --force "$CID"
	rmdir /sys/fs/cgroup/runac-vm
	for c in memory pids; do
		expect_match " $nested " "* $c *" "cgroup.controllers of /runac-vm/$CID"
	done
}
