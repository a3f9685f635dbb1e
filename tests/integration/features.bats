#!/usr/bin/env bats
# runac features: valid JSON, and every claim in it honoured by a container
# (the hooks, seccomp NOTIFY, cgroups and AppArmor have tests of their own:
# hooks.bats, seccomp.bats, container.bats, the VM tier).

load ../lib/helpers

setup() {
	common_setup
	cd "$BUNDLE"
	runac features >"$BATS_TEST_TMPDIR/features.json"
}
teardown() { common_teardown; }

feature() { jq -r "$1" "$BATS_TEST_TMPDIR/features.json"; }

# runs_ok: a foreground run of the current bundle exits 0.
runs_ok() {
	runac run "$CID" >"$BATS_TEST_TMPDIR/run.out" 2>&1 </dev/null || {
		echo "run failed for: $1" >&2
		cat "$BATS_TEST_TMPDIR/run.out" >&2
		return 1
	}
}

@test "features is runtime-spec's document for this version" {
	[ "$(feature .ociVersionMin)" = 1.0.0 ]
	[ "$(feature .ociVersionMax)" = 1.2.0 ]
	[ "$(feature '.hooks | join(",")')" = prestart,createRuntime,createContainer,startContainer,poststart,poststop ]
	[ "$(feature '.annotations["io.runac.version"]')" = "$(runac --version | awk 'NR == 1 { print $3 }')" ]
	[ "$(feature '.annotations["io.github.seccomp.libseccomp.version"]')" = \
		"$(dpkg-query -W -f '${Version}' libseccomp2 | cut -d- -f1)" ]
	[ "$(feature .linux.cgroup.systemd)" = true ]
	[ "$(feature .linux.cgroup.systemdUser)" = false ]
	# The agent layers this host offers (TESTING.md: BPF LSM programs are
	# refused here although "bpf" is in the LSM list; no AppArmor). The VM
	# tier checks a kernel that has both.
	layers=",$(feature '.annotations["io.runac.agent.layers"]'),"
	for l in landlock seccomp cgroup-bpf; do [[ $layers == *",$l,"* ]]; done
	for l in bpf-lsm apparmor; do [[ $layers != *",$l,"* ]]; done
	# The same verdicts as `policy explain` gives.
	"$RUNAC" policy explain - <<<'{}' >"$BATS_TEST_TMPDIR/explain.txt" 2>&1
	for l in landlock seccomp cgroup-bpf bpf-lsm apparmor memfd-noexec; do
		if [[ $layers == *",$l,"* ]]; then want=available; else want=unavailable; fi
		grep -q "^  $l: $want " "$BATS_TEST_TMPDIR/explain.txt"
	done
	[ "$(feature .linux.selinux.enabled)" = false ]
}

@test "every namespace listed can be created at once" {
	update_config '.linux.namespaces = [] | .hostname = null'
	for ns in $(feature '.linux.namespaces[]'); do
		update_config ".linux.namespaces += [{\"type\": \"$ns\"}]"
	done
	[ "$(feature '.linux.namespaces | sort | join(",")')" = cgroup,ipc,mount,network,pid,time,user,uts ]
	userns_bundle  # adds a second "user": take it out again
	update_config '.linux.namespaces |= unique_by(.type)'
	set_cmd 'for ns in cgroup ipc mnt net pid time user uts; do readlink /proc/self/ns/$ns; done'
	runs_ok "namespaces $(feature '.linux.namespaces | join(",")')"
	for ns in cgroup ipc mnt net pid time user uts; do
		grep -q "^$ns:" "$BATS_TEST_TMPDIR/run.out"
		run ! grep -qxF "$(readlink /proc/self/ns/$ns)" "$BATS_TEST_TMPDIR/run.out"
	done
}

@test "every mount option listed is accepted on a mount" {
	local opt
	for opt in $(feature '.mountOptions[]'); do
		setup_bundle
		case $opt in
		bind | rbind) update_config ".mounts += [{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$BUNDLE/rootfs/etc\", \"options\": [\"$opt\"]}]" ;;
		idmap | ridmap) update_config ".mounts += [{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$BUNDLE/rootfs/etc\", \"options\": [\"rbind\", \"$opt\"],
			\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}], \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]}]" ;;
		remount) update_config ".mounts += [{\"destination\": \"/mnt\", \"type\": \"bind\", \"source\": \"$BUNDLE/rootfs/etc\", \"options\": [\"rbind\", \"$opt\", \"ro\"]}]" ;;
		*) update_config ".mounts += [{\"destination\": \"/mnt\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"$opt\"]}]" ;;
		esac
		set_cmd 'grep " /mnt " /proc/self/mountinfo'
		runs_ok "mount option $opt"
	done
}

@test "every capability listed can be kept in the bounding set" {
	caps=$(feature '.linux.capabilities')
	[ "$(jq length <<<"$caps")" -ge 38 ]
	update_config ".process.capabilities.bounding = $caps"
	set_cmd 'grep CapBnd /proc/self/status'
	runs_ok "all capabilities"
	# All of them but what this host's own bounding set lacks.
	[ "$(awk '{ print $2 }' "$BATS_TEST_TMPDIR/run.out")" = "$(awk '/CapBnd/ { print $2 }' /proc/self/status)" ]
}

@test "every seccomp action, operator, architecture and supported flag listed builds a filter" {
	local a
	for a in $(feature '.linux.seccomp.actions[]'); do
		[ "$a" = SCMP_ACT_NOTIFY ] && continue  # needs a listener: seccomp.bats
		update_config ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\",
			\"syscalls\": [{\"names\": [\"syncfs\"], \"action\": \"$a\"}]}"
		set_cmd 'true'
		runs_ok "seccomp action $a"
	done
	for a in $(feature '.linux.seccomp.operators[]'); do
		update_config ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"syncfs\"],
			\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"valueTwo\": 1, \"op\": \"$a\"}]}]}"
		runs_ok "seccomp operator $a"
	done
	archs=$(feature '.linux.seccomp.archs')
	[ "$(jq 'index("SCMP_ARCH_X86_64")' <<<"$archs")" != null ]
	update_config ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": $archs,
		\"syscalls\": [{\"names\": [\"syncfs\"], \"action\": \"SCMP_ACT_ERRNO\"}]}"
	runs_ok "seccomp architectures $archs"
	for a in $(feature '.linux.seccomp.supportedFlags[]'); do
		update_config ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"$a\"],
			\"syscalls\": [{\"names\": [\"syncfs\"], \"action\": \"SCMP_ACT_ERRNO\"}]}"
		runs_ok "seccomp flag $a"
	done
	# A known flag that is not supported is refused by name.
	for a in $(feature '.linux.seccomp.knownFlags - .linux.seccomp.supportedFlags | .[]'); do
		update_config ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"$a\"]}"
		runac create "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1 && false
		grep -q "$a" "$BATS_TEST_TMPDIR/out"
	done
}
