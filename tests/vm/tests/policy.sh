# The agent policy on the guest kernel (6.1, booted with BPF LSM and
# AppArmor): `policy explain` must see what the host lacks. The host's
# counterpart is tests/integration/policy.bats ("policy explain on this
# host: ..."), which asserts BPF LSM refused and no AppArmor there.

test_explain_shows_bpf_lsm_and_apparmor_available() {
	printf '%s' '{"secrets": {"T": {"provider": "env", "allowedTools": ["git"]}}}' >"$TEST_TMP/p.json"
	rc=0
	runac policy explain "$TEST_TMP/p.json" >"$TEST_TMP/explain" 2>&1 || rc=$?
	cat "$TEST_TMP/explain"
	expect_eq "$rc" 0 "exit status of policy explain"
	grep '^  bpf-lsm: \|^  apparmor: \|^  memfd-noexec: \|^  landlock: ' "$TEST_TMP/explain" | while read -r line; do diag "$line"; done
	grep -q '^  bpf-lsm: available (lsm/file_open attaches, lsm_cgroup loads)$' "$TEST_TMP/explain" || fail "bpf-lsm not available"
	grep -q '^  apparmor: available (enabled)$' "$TEST_TMP/explain" || fail "apparmor not available"
	grep -q '^  landlock: available (ABI [0-9]*)$' "$TEST_TMP/explain" || fail "landlock not available"
	# 6.1 has no vm.memfd_noexec: the memfd rule falls to BPF LSM here.
	grep -q '^  memfd-noexec: unavailable (' "$TEST_TMP/explain" || fail "memfd-noexec should be missing on 6.1"
	grep -q '^  memfd-exec \[.*\]: enforced$' "$TEST_TMP/explain" || fail "memfd-exec should be enforced"
	grep -q '^    bpf-lsm (alternative, available here, chosen, built)' "$TEST_TMP/explain" ||
		fail "memfd-exec should fall to bpf-lsm"
	grep -q '^  secrets.allowedTools \[per-tool access\]: enforced$' "$TEST_TMP/explain" ||
		fail "secrets.allowedTools should be enforced here"
}

test_strict_policy_refused_leaves_nothing() {
	setup_bundle
	update_config '.annotations["org.agentcontainers.agent"] = "{\"capabilities\": {\"filesystem\": {\"write\": [\"/tmp\"]}}, \"enforcement\": {\"require\": [\"bpf-lsm\", \"memfd-noexec\"]}}"'
	rc=0
	runac create "$CID" >"$TEST_TMP/create.out" 2>&1 || rc=$?
	cat "$TEST_TMP/create.out"
	expect_eq "$rc" 1 "exit status of create"
	grep -q 'enforcement.require: memfd-noexec' "$TEST_TMP/create.out" ||
		fail "refusal: $(cat "$TEST_TMP/create.out")"
	[ -z "$(ls -A "$RUNAC_ROOT" 2>/dev/null)" ] || fail "state left in $RUNAC_ROOT"
	[ ! -e "/sys/fs/cgroup/$CID" ] || fail "cgroup left: /sys/fs/cgroup/$CID"
}

# On 6.1 Landlock has ABI 2 (no TRUNCATE, no IOCTL_DEV, no scopes): the
# degraded ruleset still confines, renames across directories still work,
# and with no vm.memfd_noexec BPF LSM refuses to execute a memfd.
test_strict_filesystem_policy_runs_confined_on_an_older_kernel() {
	setup_bundle
	mkdir -p rootfs/workspace/a rootfs/workspace/b rootfs/root/.ssh
	echo key >rootfs/root/.ssh/id
	update_config '.root.readonly = false | .annotations["org.agentcontainers.agent"] = "{\"capabilities\": {\"filesystem\": {\"write\": [\"/workspace\"], \"deny\": [\"/root/.ssh\"]}}, \"policy\": {\"auditLog\": false}}"'
	set_cmd 'escape write /etc/x; escape read /root/.ssh/id; escape memfd-exec; escape unshare-user
		echo f >/workspace/a/f && mv /workspace/a/f /workspace/b/f && : >/workspace/b/f && echo rename-ok
		grep -E "^(CapEff|NoNewPrivs)" /proc/self/status'
	rc=0
	runac run "$CID" >"$TEST_TMP/out" 2>&1 || rc=$?
	cat "$TEST_TMP/out"
	expect_eq "$rc" 0 "exit status of run"
	expect_eq "$(sed -n 1p "$TEST_TMP/out")" "write: refused (EROFS)" "writing the rootfs"
	expect_eq "$(sed -n 2p "$TEST_TMP/out")" "read: refused (EACCES)" "reading a denied path"
	expect_eq "$(sed -n 3p "$TEST_TMP/out")" "memfd-exec: refused (EACCES)" "executing a memfd"
	expect_eq "$(sed -n 4p "$TEST_TMP/out")" "unshare-user: refused (EPERM)" "unsharing a user namespace"
	expect_eq "$(sed -n 5p "$TEST_TMP/out")" "rename-ok" "renaming across directories"
	grep -q "CapEff:.0000000000000000" "$TEST_TMP/out" || fail "capabilities left"
	grep -q "NoNewPrivs:.1" "$TEST_TMP/out" || fail "noNewPrivileges off"
	[ -z "$(ls -A "$RUNAC_ROOT" 2>/dev/null)" ] || fail "state left in $RUNAC_ROOT"
}
