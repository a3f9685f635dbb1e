# What the guest kernel offers a container runtime. Everything found goes
# into the TAP output as diagnostics; the test asserts what the tier relies
# on: Landlock and BPF in the LSM list, a Landlock ABI, and pure cgroup v2
# with the memory and pids controllers enabled for the root's children.

test_kernel_features() {
	lsm=$(cat /sys/kernel/security/lsm)
	diag "lsm: $lsm"
	vm-probe >"$TEST_TMP/probe"
	while read -r line; do diag "$line"; done <"$TEST_TMP/probe"
	controllers=$(cat /sys/fs/cgroup/cgroup.controllers)
	subtree=$(cat /sys/fs/cgroup/cgroup.subtree_control)
	diag "cgroup2 controllers: $controllers"
	diag "cgroup2 root subtree_control: $subtree"

	expect_match ",$lsm," "*,landlock,*" "LSM list"
	expect_match ",$lsm," "*,bpf,*" "LSM list"
	abi=$(sed -n 's/^landlock_abi: //p' "$TEST_TMP/probe")
	expect_match "$abi" "[1-9]*" "Landlock ABI"
	expect_eq "$(fstype_of /sys/fs/cgroup)" cgroup2 "file system at /sys/fs/cgroup"
	[ ! -e /sys/fs/cgroup/unified ] || fail "hybrid layout: /sys/fs/cgroup/unified exists"
	for c in memory pids; do
		expect_match " $controllers " "* $c *" "cgroup.controllers"
		expect_match " $subtree " "* $c *" "cgroup.subtree_control"
	done
}
