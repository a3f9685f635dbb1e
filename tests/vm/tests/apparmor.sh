# process.apparmorProfile on a kernel with AppArmor: the program (the init's
# and an exec'd one) runs confined by the profile from its first instruction.

# load_test_profile: a profile that allows everything but writes under
# /tmp/forbidden, so that a test can see it enforced, not just named.
load_test_profile() {
	cat >"$TEST_TMP/profile" <<-'PROFILE'
		profile runac-test flags=(attach_disconnected,mediate_deleted) {
		  file,
		  capability,
		  network,
		  signal,
		  ptrace,
		  unix,
		  mount,
		  umount,
		  pivot_root,
		  deny /tmp/forbidden/** w,
		}
	PROFILE
	apparmor_parser -r "$TEST_TMP/profile" || fail "apparmor_parser could not load the test profile"
}
unload_test_profile() { apparmor_parser -R "$TEST_TMP/profile" >/dev/null 2>&1 || true; }

test_the_profile_confines_the_init_and_exec() {
	load_test_profile
	setup_bundle
	update_config '.root.readonly = false | .process.apparmorProfile = "runac-test"'
	mkdir -p "$BUNDLE/rootfs/tmp/forbidden"
	set_cmd 'cat /proc/self/attr/current; touch /tmp/allowed && echo allowed; touch /tmp/forbidden/x || echo refused; sleep 1000'
	runac run -d "$CID" >"$TEST_TMP/out" 2>&1 </dev/null
	wait_for_file "$BUNDLE/rootfs/tmp/allowed"
	n=0
	while ! grep -q refused "$TEST_TMP/out" && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
	out=$(cat "$TEST_TMP/out")
	expect_match "$out" "runac-test (enforce)*" "the init's AppArmor label"
	expect_match "$out" "*refused*" "a write the profile denies"
	[ ! -e "$BUNDLE/rootfs/tmp/forbidden/x" ] || fail "the denied write happened"
	# An exec'd process gets the container's profile, and --apparmor names another.
	label=$(runac exec "$CID" cat /proc/self/attr/current)
	expect_eq "$label" "runac-test (enforce)" "an exec'd process's label"
	label=$(runac exec --apparmor unconfined "$CID" cat /proc/self/attr/current)
	expect_eq "$label" "unconfined" "exec --apparmor unconfined"
	runac delete --force "$CID"
	unload_test_profile
}

test_an_unknown_profile_is_refused_at_create() {
	setup_bundle
	update_config '.process.apparmorProfile = "no-such-profile"'
	rc=0
	runac create "$CID" >"$TEST_TMP/out" 2>&1 </dev/null || rc=$?
	[ $rc -ne 0 ] || fail "create with an unknown AppArmor profile succeeded"
	expect_match "$(cat "$TEST_TMP/out")" "*process.apparmorProfile*no-such-profile*" "the error line"
	rc=0
	runac state "$CID" >/dev/null 2>&1 || rc=$?
	[ $rc -ne 0 ] || fail "the refused container exists"
}

# agent_policy JSON: the bundle's org.agentcontainers.agent annotation.
agent_policy() {
	jq --arg p "$1" '.root.readonly = false | .annotations["org.agentcontainers.agent"] = $p' "$BUNDLE/config.json" \
		>"$BUNDLE/config.json.new"
	mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

profile_loaded() { grep -q "^$1 " /sys/kernel/security/apparmor/profiles; }

# The engine named no profile: runac generates one from the policy. Its
# deny rules hold by path, also for a path whose parent does not exist at
# create (which neither the over-mount nor BPF LSM covers, and Landlock
# allows below a write path): that refusal is AppArmor's alone.
test_a_policy_container_runs_under_a_profile_generated_from_its_policy() {
	setup_bundle
	mkdir -p rootfs/workspace rootfs/root/.ssh
	echo key >rootfs/root/.ssh/id
	agent_policy '{"capabilities": {"filesystem": {"write": ["/workspace"], "deny": ["/root/.ssh", "/workspace/later/secret"]}},
		"policy": {"auditLog": false}, "enforcement": {"require": ["apparmor"]}}'
	set_cmd 'cat /proc/self/attr/current; mkdir -p /workspace/later && echo made; escape write /workspace/later/secret
		escape write /workspace/later/other; escape read /root/.ssh/id; echo done; sleep 1000'
	runac run -d "$CID" >"$TEST_TMP/out" 2>&1 </dev/null
	n=0
	while ! grep -q '^done$' "$TEST_TMP/out" && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
	cat "$TEST_TMP/out"
	expect_eq "$(sed -n 1p "$TEST_TMP/out")" "runac-agent-$CID (enforce)" "the init's AppArmor label"
	expect_eq "$(sed -n 2p "$TEST_TMP/out")" "made" "making a directory of the write path"
	expect_eq "$(sed -n 3p "$TEST_TMP/out")" "write: refused (EACCES)" "a denied path made after start"
	expect_eq "$(sed -n 4p "$TEST_TMP/out")" "write: ALLOWED" "another file there"
	expect_eq "$(sed -n 5p "$TEST_TMP/out")" "read: refused (EACCES)" "a denied file"
	profile_loaded "runac-agent-$CID" || fail "the profile is not loaded"
	# Every exec'd process gets it, whatever the engine asks.
	expect_eq "$(runac exec "$CID" cat /proc/self/attr/current)" "runac-agent-$CID (enforce)" "an exec'd process's label"
	expect_eq "$(runac exec --apparmor unconfined "$CID" cat /proc/self/attr/current)" "runac-agent-$CID (enforce)" \
		"exec --apparmor unconfined"
	runac policy explain --container "$CID" >"$TEST_TMP/explain"
	grep -q "^apparmor profile: runac-agent-$CID (generated from the policy)$" "$TEST_TMP/explain" ||
		fail "explain: $(cat "$TEST_TMP/explain")"
	runac delete --force "$CID"
	! profile_loaded "runac-agent-$CID" || fail "the profile outlived its container"
}

test_an_engine_profile_stays_in_a_policy_container() {
	load_test_profile
	setup_bundle
	update_config '.process.apparmorProfile = "runac-test"'
	agent_policy '{"policy": {"auditLog": false}}'
	set_cmd 'cat /proc/self/attr/current; sleep 1000'
	runac run -d "$CID" >"$TEST_TMP/out" 2>"$TEST_TMP/err" </dev/null
	n=0
	while ! grep -q enforce "$TEST_TMP/out" && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
	expect_eq "$(cat "$TEST_TMP/out")" "runac-test (enforce)" "the init's AppArmor label"
	grep -q "agent policy: apparmor: the engine's profile runac-test stays; runac generates none" "$TEST_TMP/err" ||
		fail "create's log: $(cat "$TEST_TMP/err")"
	! profile_loaded "runac-agent-$CID" || fail "runac generated a profile beside the engine's"
	runac policy explain --container "$CID" >"$TEST_TMP/explain"
	grep -q "^apparmor profile: runac-test (the engine's; runac generates none)$" "$TEST_TMP/explain" ||
		fail "explain: $(cat "$TEST_TMP/explain")"
	runac delete --force "$CID"
	unload_test_profile
}
