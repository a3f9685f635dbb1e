# Guest tests of the harness self-test (tests/vm/selftest.sh), named
# selftest/*: in the VM only with RUNAC_VM_INJECT=fail. One passes, one is
# broken on purpose, and the host side must report the run as failed.

test_passes() {
	setup_bundle
	runac run "$CID"
}

# Written wrong on purpose: the container exits 1, the test wants 0.
test_deliberately_broken() {
	setup_bundle
	set_cmd 'echo "deliberately broken" >&2; exit 1'
	rc=0
	runac run "$CID" || rc=$?
	expect_eq "$rc" 0 "exit status of the container"
}
