# The BPF LSM layer (bpf/lsm.bpf.c) on the guest kernel, booted with
# lsm=...,bpf: the rules only an LSM decides well, and nothing of it left
# after delete. The container rootfs has git, jq and their dynamic loader
# besides busybox (build-initramfs.sh). The host refuses BPF LSM programs;
# its side of these policies is tests/integration/policy.bats (strict
# refused naming bpf-lsm, best-effort run with the rule reported).

# agent_policy JSON: the container's org.agentcontainers.agent annotation
# (the root writable as an engine leaves it: the policy makes it read-only).
agent_policy() {
	_p=$1
	jq --arg p "$_p" '.root.readonly = false | .annotations["org.agentcontainers.agent"] = $p' "$BUNDLE/config.json" \
		>"$BUNDLE/config.json.new"
	mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# run_policy_container: runs the bundle's container to its end; its output
# in $TEST_TMP/out (shown on failure), its exit status checked.
run_policy_container() {
	rc=0
	runac run "$CID" >"$TEST_TMP/out" 2>&1 </dev/null || rc=$?
	cat "$TEST_TMP/out"
	expect_eq "$rc" 0 "exit status of run"
}

# line N: line N of the container's output.
line() { sed -n "$1p" "$TEST_TMP/out"; }

# no_lsm_program_left: the programs go with the container's cgroup, which
# the kernel releases a moment after delete.
no_lsm_program_left() {
	_n=100
	while bpftool prog show 2>/dev/null | grep -q 'runac_file_open\|runac_bprm_chec\|runac_mmap_file\|runac_file_mpro'; do
		_n=$((_n - 1))
		[ $_n -gt 0 ] || fail "BPF LSM programs left after delete: $(bpftool prog show | grep runac_)"
		sleep 0.1
	done
}

test_a_secret_opens_only_for_its_tool() {
	setup_bundle
	mkdir -p /etc/runac/secrets
	printf 's3cret' >/etc/runac/secrets/lsm-token
	agent_policy '{"secrets": {"GITHUB_TOKEN": {"provider": "file", "path": "/etc/runac/secrets/lsm-token", "allowedTools": ["git"]}},
		"policy": {"auditLog": false}, "enforcement": {"require": ["bpf-lsm"]}}'
	set_cmd 'git hash-object /run/secrets/GITHUB_TOKEN; escape read /run/secrets/GITHUB_TOKEN
		cat /run/secrets/GITHUB_TOKEN || echo cat refused; escape read /etc/passwd'
	run_policy_container
	rm /etc/runac/secrets/lsm-token
	# git's object id of the blob "s3cret"
	expect_eq "$(line 1)" "$(printf 'blob 6\0s3cret' | sha1sum | cut -d' ' -f1)" "git reading the token"
	expect_eq "$(line 2)" "read: refused (EACCES)" "another program reading the token"
	expect_match "$(line 3)" "*Permission denied" "cat reading the token"
	expect_eq "$(line 4)" "cat refused" "cat's exit status"
	expect_eq "$(line 5)" "read: ALLOWED" "reading a file that is no secret"
	no_lsm_program_left
}

test_the_loader_runs_no_binary_that_is_not_allowed() {
	setup_bundle
	[ -e rootfs/lib64/ld-linux-x86-64.so.2 ] || fail "no dynamic loader in the rootfs"
	agent_policy '{"capabilities": {"shell": {"commands": ["git", "escape"]}}, "policy": {"auditLog": false}}'
	set_cmd 'git --version >/dev/null && echo git ran; escape exec /usr/bin/jq
		/lib64/ld-linux-x86-64.so.2 /usr/bin/jq --version || echo loader refused
		/lib64/ld-linux-x86-64.so.2 /usr/bin/git --version || echo loader refused for git too'
	run_policy_container
	expect_eq "$(line 1)" "git ran" "an allowed dynamically linked binary"
	expect_eq "$(line 2)" "exec: refused (EACCES)" "a binary that is not allowed"
	expect_match "$(line 3)" "*Permission denied" "the loader running it"
	expect_eq "$(line 4)" "loader refused" "the loader's exit status"
	expect_eq "$(line 6)" "loader refused for git too" "the loader as a command"
	no_lsm_program_left
}

# policy.escalation: prompt: the refused execute becomes a request, and its
# approval puts the file in the programs' allowlist: the agent's next try
# runs it, in the same session.
test_an_approved_execute_runs_without_a_restart() {
	setup_bundle
	agent_policy '{"capabilities": {"shell": {"commands": ["git"]}}, "policy": {"auditLog": false, "escalation": "prompt"}}'
	set_cmd 'until jq --version; do sleep 0.2; done; echo approved-ran; sleep 1000'
	runac run -d "$CID" >"$TEST_TMP/out" 2>&1 </dev/null
	n=0
	until runac approvals "$CID" 2>&1 | grep -q '+ shell.commands "jq"'; do
		n=$((n + 1))
		[ $n -lt 100 ] || fail "no request: $(runac approvals "$CID" 2>&1); output: $(cat "$TEST_TMP/out")"
		sleep 0.1
	done
	grep -q 'jq: Permission denied' "$TEST_TMP/out" || fail "jq ran before the approval: $(cat "$TEST_TMP/out")"
	! grep -q approved-ran "$TEST_TMP/out" || fail "jq ran before the approval"
	expect_eq "$(runac approve "$CID" 1)" 'request 1 approved: + shell.commands "jq"' "approve's answer"
	n=0
	until grep -q approved-ran "$TEST_TMP/out"; do
		n=$((n + 1))
		[ $n -lt 100 ] || fail "jq did not run after the approval: $(cat "$TEST_TMP/out")"
		sleep 0.1
	done
	grep -q '^jq-' "$TEST_TMP/out" || fail "no jq output: $(cat "$TEST_TMP/out")"
	# Another binary that is not allowed stays refused.
	rc=0
	runac exec "$CID" sh -c 'escape read /etc/passwd' >"$TEST_TMP/exec" 2>&1 || rc=$?
	expect_match "$(cat "$TEST_TMP/exec")" "*escape: Permission denied*" "a binary nobody approved"
	runac delete --force "$CID"
	no_lsm_program_left
}

test_a_denied_file_is_refused_by_any_name_and_a_denied_path_made_later() {
	setup_bundle
	mkdir -p rootfs/workspace rootfs/root/.ssh
	echo key >rootfs/root/.ssh/id
	ln rootfs/root/.ssh/id rootfs/workspace/id-link
	agent_policy '{"capabilities": {"filesystem": {"write": ["/workspace"], "deny": ["/root/.ssh/id", "/workspace/later"]}},
		"policy": {"auditLog": false}}'
	set_cmd 'escape read /root/.ssh/id; escape read /workspace/id-link
		mkdir /workspace/later && echo made; escape write /workspace/later/f; escape read /workspace/later
		escape write /workspace/other && echo other'
	run_policy_container
	expect_eq "$(line 1)" "read: refused (EACCES)" "the denied file"
	expect_eq "$(line 2)" "read: refused (EACCES)" "a hard link to it the image had"
	expect_eq "$(line 3)" "made" "making the denied directory"
	expect_eq "$(line 4)" "write: refused (EACCES)" "a file made below it after start"
	expect_eq "$(line 5)" "read: refused (EACCES)" "the directory made after start"
	expect_eq "$(line 6)" "write: ALLOWED" "another file of the write path"
	no_lsm_program_left
}

test_no_memfd_is_executed_or_mapped_executable() {
	setup_bundle
	agent_policy '{"policy": {"auditLog": false}}'
	set_cmd 'escape memfd-exec; escape memfd-mmap'
	run_policy_container
	# 6.1 has no vm.memfd_noexec: memfd_create is allowed, executing is not.
	expect_eq "$(line 1)" "memfd-exec: refused (EACCES)" "executing a memfd"
	expect_eq "$(line 2)" "memfd-mmap: refused (EACCES)" "mapping a memfd executable"
	no_lsm_program_left
}

test_the_programs_are_on_the_containers_cgroup_until_delete() {
	setup_bundle
	agent_policy '{"policy": {"auditLog": false}}'
	set_cmd 'sleep 1000'
	runac run -d "$CID" >"$TEST_TMP/out" 2>&1 </dev/null
	bpftool cgroup show "/sys/fs/cgroup/$CID" >"$TEST_TMP/attached"
	cat "$TEST_TMP/attached"
	for p in runac_bprm_check runac_mmap_file runac_file_mprotect; do
		grep -q "lsm_cgroup .* $p " "$TEST_TMP/attached" || fail "$p is not on the container's cgroup"
	done
	# Only what the policy uses: no deny, secret or tool here.
	! grep -q runac_file_open "$TEST_TMP/attached" || fail "file_open attached for a policy without its rules"
	runac delete --force "$CID"
	no_lsm_program_left
}

# A create that fails after the BPF LSM programs are attached and the
# AppArmor profile is loaded (here: its --pid-file cannot be written, the
# last step) leaves neither, nor the container.
test_a_create_that_fails_late_leaves_no_program_and_no_profile() {
	setup_bundle
	agent_policy '{"capabilities": {"filesystem": {"deny": ["/etc/shadow"]}, "shell": {"commands": ["git"]}},
		"policy": {"auditLog": false}}'
	rc=0
	runac create --pid-file /nonexistent/dir/pid "$CID" >"$TEST_TMP/out" 2>&1 </dev/null || rc=$?
	cat "$TEST_TMP/out"
	[ $rc -ne 0 ] || fail "create with an unwritable pid file succeeded"
	grep -q 'nonexistent' "$TEST_TMP/out" || fail "the error names no pid file: $(cat "$TEST_TMP/out")"
	no_lsm_program_left
	! grep -q "^runac-agent-$CID " /sys/kernel/security/apparmor/profiles || fail "the AppArmor profile is left"
	[ ! -e "/sys/fs/cgroup/$CID" ] || fail "cgroup left: /sys/fs/cgroup/$CID"
	rc=0
	runac state "$CID" >/dev/null 2>&1 || rc=$?
	[ $rc -ne 0 ] || fail "the refused container exists"
}
