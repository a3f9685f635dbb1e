#!/usr/bin/env bats
# exec against runc: what the exec'd process sees, its exit status, and
# the error lines engines read when an exec fails.

load ../lib/diff

setup() {
	diff_setup
	set_cmd 'sleep 60'
	diff_cli run -d --bundle @BUNDLE@ @ID@
	diff_wait_state running
	# runc words a failed start "unable to start container process: exec: ...";
	# runac says "exec: ..." (the part engines match: "executable file not
	# found", "no such file or directory", "permission denied").
	diff_normalize 's#unable to start container process: ##'
}
teardown() {
	"$RUNC" --root "$DIFF_DIR_A/root" delete --force "$DIFF_ID_A" >/dev/null 2>&1
	"$RUNAC" --root "$DIFF_DIR_B/root" delete --force "$DIFF_ID_B" >/dev/null 2>&1
	diff_teardown
}

@test "an exec'd process sees the same identity, capabilities, cgroups and namespaces" {
	diff_cli exec @ID@ sh -c 'id; pwd; echo "HOME=$HOME"; grep -E "^(Cap|NoNewPrivs|Seccomp:)" /proc/self/status;
		cat /proc/self/cgroup; for ns in pid mnt uts ipc net; do readlink /proc/self/ns/$ns; done;
		[ "$(readlink /proc/self/ns/pid)" = "$(readlink /proc/1/ns/pid)" ] && echo same-pid-ns'
}

@test "exec flags change the process alike" {
	diff_cli exec --user 1000:1000 -g 5 -g 7 --env FOO=bar --cwd /tmp --cap CAP_SYS_ADMIN @ID@ \
		sh -c 'id; pwd; echo $FOO; grep -E "^Cap" /proc/self/status'
}

@test "exec --no-new-privs sets it alike" {
	update_config '.process.noNewPrivileges = false'
	diff_cli exec --no-new-privs @ID@ grep NoNewPrivs /proc/self/status
}

@test "the exit status of the program is passed through alike" {
	diff_cli exec @ID@ sh -c 'exit 7'
	diff_cli exec @ID@ sh -c 'kill -TERM $$'
}

@test "exec --process runs the same process object" {
	local p=$BATS_TEST_TMPDIR/process.json
	jq '.process | .args = ["sh", "-c", "id; grep -E \"^Cap\" /proc/self/status"] | .user = {"uid": 1000, "gid": 1000} |
		.capabilities = {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]}' \
		"$BUNDLE/config.json" >"$p"
	diff_cli exec --process "$p" @ID@
}

@test "a failing exec exits 255 with the same error lines" {
	diff_normalize 's#No such file or directory#no such file or directory#'
	diff_cli exec @ID@ nosuchprogram
	diff_cli exec @ID@ /nosuch/program
	diff_cli exec nosuchcontainer true
	diff_cli exec -t -d @ID@ true
}
