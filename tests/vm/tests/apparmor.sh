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
