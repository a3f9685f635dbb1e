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
	grep -q '^  bpf-lsm: available (lsm/file_open loads and attaches)$' "$TEST_TMP/explain" || fail "bpf-lsm not available"
	grep -q '^  apparmor: available (enabled)$' "$TEST_TMP/explain" || fail "apparmor not available"
	grep -q '^  landlock: available (ABI [0-9]*)$' "$TEST_TMP/explain" || fail "landlock not available"
	# 6.1 has no vm.memfd_noexec: the memfd rule falls to BPF LSM here.
	grep -q '^  memfd-noexec: unavailable (' "$TEST_TMP/explain" || fail "memfd-noexec should be missing on 6.1"
	grep -q '^  memfd-exec \[.*\]: not enforced by this build (would be enforced here by: bpf-lsm)$' "$TEST_TMP/explain" ||
		fail "memfd-exec should fall to bpf-lsm"
	grep -q '^  secrets.allowedTools \[per-tool access\]: not enforced by this build (would be enforced here by: bpf-lsm)$' \
		"$TEST_TMP/explain" || fail "secrets.allowedTools should be enforceable here"
}

test_strict_policy_refused_leaves_nothing() {
	setup_bundle
	update_config '.annotations["org.agentcontainers.agent"] = "{\"capabilities\": {\"filesystem\": {\"write\": [\"/tmp\"]}}}"'
	rc=0
	runac create "$CID" >"$TEST_TMP/create.out" 2>&1 || rc=$?
	cat "$TEST_TMP/create.out"
	expect_eq "$rc" 1 "exit status of create"
	grep -q 'not enforced by this build: baseline, filesystem.write, memfd-exec, policy.auditLog' "$TEST_TMP/create.out" ||
		fail "refusal: $(cat "$TEST_TMP/create.out")"
	[ -z "$(ls -A "$RUNAC_ROOT" 2>/dev/null)" ] || fail "state left in $RUNAC_ROOT"
	[ ! -e "/sys/fs/cgroup/$CID" ] || fail "cgroup left: /sys/fs/cgroup/$CID"
}
