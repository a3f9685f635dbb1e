# runac features on a kernel with BPF LSM and AppArmor: its annotation lists
# the agent policy's layers this kernel offers (the host, which has
# neither, is checked by tests/integration/features.bats).

test_features_name_the_layers_this_kernel_offers() {
	layers=",$(runac features | jq -r '.annotations["io.runac.agent.layers"]'),"
	for l in landlock seccomp cgroup-bpf bpf-lsm apparmor; do
		expect_match "$layers" "*,$l,*" "io.runac.agent.layers"
	done
	# 6.1 has no vm.memfd_noexec (Linux 6.3).
	case $layers in *,memfd-noexec,*) fail "memfd-noexec listed on $(uname -r)" ;; esac
	expect_eq "$(runac features | jq -r .linux.apparmor.enabled)" true "linux.apparmor.enabled"
}
