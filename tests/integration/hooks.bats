#!/usr/bin/env bats
# OCI hooks: each runs at its moment, in its namespace, with the container's
# state on stdin; failures are handled as runtime-spec says.

load ../lib/helpers

setup() {
	common_setup
	cd "$BUNDLE"
	update_config '.root.readonly = false'
	LOG=$BATS_TEST_TMPDIR/hooks.log
}
teardown() { common_teardown; }

# hook NAME: a hook that appends "NAME STATUS ID PIDOK MNTNS" to $LOG: the
# status and id from the state on its stdin, whether that state has a pid,
# and whether it runs in the host's mount namespace.
hook() {
	local host_mnt
	host_mnt=$(readlink /proc/self/ns/mnt)
	jq -n --arg name "$1" --arg log "$LOG" --arg mnt "$host_mnt" '{path: "/bin/sh", args: ["sh", "-c",
		"s=$(cat); st=$(echo \"$s\" | grep -o \"\\\"status\\\":\\\"[a-z]*\" | cut -d\\\" -f4);
		 id=$(echo \"$s\" | grep -o \"\\\"id\\\":\\\"[^\\\"]*\" | cut -d\\\" -f4);
		 pid=$(echo \"$s\" | grep -o \"\\\"pid\\\":[0-9]*\" | cut -d: -f2);
		 ns=container; [ \"$(readlink /proc/self/ns/mnt)\" = \"$MNT\" ] && ns=host;
		 echo \"$NAME $st $id ${pid:+pid} $ns\" >> $LOG"], env: ["NAME=\($name)", "MNT=\($mnt)"]}' |
		sed "s|\\\$LOG|$LOG|"
}

@test "hooks run in order, in their namespaces, with the state on stdin" {
	set_cmd 'sleep 100'
	update_config ".hooks = {
		\"prestart\": [$(hook prestart)], \"createRuntime\": [$(hook createRuntime)],
		\"createContainer\": [$(hook createContainer)], \"poststart\": [$(hook poststart)],
		\"poststop\": [$(hook poststop)]}"
	runac create "$CID"
	runac start "$CID"
	runac delete --force "$CID"
	cat "$LOG"
	[ "$(cut -d' ' -f1 "$LOG" | tr '\n' ' ')" = "prestart createRuntime createContainer poststart poststop " ]
	grep -q "^prestart creating $CID pid host$" "$LOG"
	grep -q "^createRuntime creating $CID pid host$" "$LOG"
	grep -q "^createContainer creating $CID pid container$" "$LOG"
	grep -q "^poststart running $CID pid host$" "$LOG"
	grep -q "^poststop stopped $CID" "$LOG"
}

@test "a startContainer hook runs inside the container before the program" {
	set_cmd 'cat /tmp/started'
	update_config '.hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "-c", "cat > /tmp/started"]}]'
	run runac run "$CID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .id <<<"$output")" = "$CID" ]
}

# save_state NAME DIR: a hook that saves the state on its stdin as DIR/NAME.json.
save_state() {
	jq -n --arg f "$2/$1.json" '{path: "/bin/sh", args: ["sh", "-c", "cat > \"$F\""], env: ["F=\($f)"]}'
}

@test "every hook receives the whole state, a 64 KiB annotation included, as runc gives it" {
	set_cmd 'sleep 100'
	local out=$BATS_TEST_TMPDIR
	jq --arg big "$(head -c 65536 /dev/zero | tr '\0' a)" '.annotations.big = $big | .annotations.small = "s"' \
		config.json >config.json.new && mv config.json.new config.json
	update_config ".hooks = {
		\"prestart\": [$(save_state prestart "$out")], \"createRuntime\": [$(save_state createRuntime "$out")],
		\"createContainer\": [$(save_state createContainer "$out")],
		\"startContainer\": [$(save_state startContainer /tmp)],
		\"poststart\": [$(save_state poststart "$out")], \"poststop\": [$(save_state poststop "$out")]}"
	runac create "$CID"
	runac state "$CID" >"$out/created.json"
	runac start "$CID"
	wait_for_state "$CID" running
	runac exec "$CID" cat /tmp/startContainer.json >"$out/startContainer.json"
	runac delete --force "$CID"
	local pid
	pid=$(jq .pid "$out/created.json")
	[ "$pid" -gt 0 ]
	# Each hook sees exactly what `runac state` shows, but for status (and
	# pid, once stopped): runc 1.1 gives startContainer "created".
	for hook in prestart:creating createRuntime:creating createContainer:creating startContainer:created \
		poststart:running poststop:stopped; do
		name=${hook%%:*} want=${hook#*:}
		echo "$name"
		[ "$(jq -r .status "$out/$name.json")" = "$want" ]
		[ "$(jq -r '.annotations.big | length' "$out/$name.json")" = 65536 ]
		expected_pid=$pid
		[ "$want" = stopped ] && expected_pid=0
		[ "$(jq .pid "$out/$name.json")" = "$expected_pid" ]
		diff <(jq -S 'del(.status, .pid)' "$out/created.json") <(jq -S 'del(.status, .pid)' "$out/$name.json")
	done
}

@test "an init killed while runac runs its prestart hooks is reported with its step and its signal" {
	update_config '.hooks.prestart = [{"path": "/bin/sh", "args": ["sh", "-c",
		"kill -9 $(sed -n \"s/.*\\\"pid\\\":\\([0-9]*\\).*/\\1/p\")"]}]'
	run runac create "$CID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"container init exited before it was ready (killed by signal 9 (Killed)), after it asked for the prestart and createRuntime hooks"* ]]
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

@test "an init killed by a createRuntime hook is reported too, and nothing is left" {
	update_config '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c",
		"kill -9 $(sed -n \"s/.*\\\"pid\\\":\\([0-9]*\\).*/\\1/p\")"]}]'
	run runac create "$CID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"(killed by signal 9 (Killed)), after it asked for the prestart and createRuntime hooks"* ]]
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

@test "a failing prestart hook aborts create, names the hook and leaves nothing" {
	update_config '.hooks.prestart = [{"path": "/bin/sh", "args": ["sh", "-c", "echo no network for you; exit 3"]}]'
	runac create "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1 && false
	cat "$BATS_TEST_TMPDIR/out"
	grep -q 'hooks.prestart\[0\]: error running hook /bin/sh: exit status 3: no network for you' "$BATS_TEST_TMPDIR/out"
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

@test "a failing createContainer hook aborts create" {
	update_config '.hooks.createContainer = [{"path": "/bin/false"}]'
	runac create "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1 && false
	grep -q 'hooks.createContainer\[0\]: error running hook /bin/false: exit status 1' "$BATS_TEST_TMPDIR/out"
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

@test "a hook killed by a signal fails create with runc's words and the signal's name" {
	update_config '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "kill -9 $$"]}]'
	runac create "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1 && false
	cat "$BATS_TEST_TMPDIR/out"
	grep -q 'hooks.createRuntime\[0\]: error running hook /bin/sh: signal: killed' "$BATS_TEST_TMPDIR/out"
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

@test "a hook that outlives its timeout is killed and fails create" {
	update_config '.hooks.createRuntime = [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]'
	SECONDS=0
	runac create "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1 && false
	[ "$SECONDS" -lt 10 ]
	grep -q 'hooks.createRuntime\[0\]: /bin/sleep timed out after 1s' "$BATS_TEST_TMPDIR/out"
}

@test "a failing poststart or poststop hook is a warning; the remaining hooks run, the container runs on" {
	set_cmd 'sleep 100'
	local after=$BATS_TEST_TMPDIR/after
	update_config ".hooks.poststart = [{\"path\": \"/bin/false\"}, {\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo poststart >>$after\"]}] |
		.hooks.poststop = [{\"path\": \"/bin/false\"}, {\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo poststop >>$after\"]}]"
	runac create "$CID"
	run runac start "$CID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"level=warning"*"hooks.poststart[0]"* ]]
	[ "$(runac state "$CID" | jq -r .status)" = running ]
	run runac delete --force "$CID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"level=warning"*"hooks.poststop[0]"* ]]
	[ "$(cat "$after")" = $'poststart\npoststop' ]
}

@test "a createContainer hook runs in the rootfs, a startContainer hook in the process's cwd, as runc" {
	local out=$BATS_TEST_TMPDIR/cwd
	update_config ".process.cwd = \"/tmp\" | .root.readonly = false |
		.hooks.createContainer = [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"pwd >$out\"]}] |
		.hooks.startContainer = [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"pwd >/tmp/start-cwd\"]}]"
	runac run "$CID"
	[ "$(cat "$out")" = "$(cd "$BUNDLE/rootfs" && pwd -P)" ]
	[ "$(cat "$BUNDLE/rootfs/tmp/start-cwd")" = /tmp ]
}

@test "a hook's path must be absolute" {
	update_config '.hooks.prestart = [{"path": "true"}]'
	runac create "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1 && false
	grep -q 'hooks.prestart\[0\].path: must be an absolute path' "$BATS_TEST_TMPDIR/out"
}
