#!/usr/bin/env bats
# runac exec: a new process in a running container, in its namespaces and
# cgroups, confined as the init is, with runc's flags and exit codes.

load ../lib/helpers

setup() {
	common_setup
	cd "$BUNDLE"
	set_cmd 'sleep 60'
}
teardown() { common_teardown; }

# start_container: the default bundle's container, running `sleep 60`.
start_container() {
	runac run -d "$CID" </dev/null >/dev/null 2>&1
	wait_for_state "$CID" running
}

init_pid() { runac state "$CID" | jq -r .pid; }

@test "exec runs a command in the container and passes its exit status through" {
	start_container
	run runac exec "$CID" sh -c 'echo pid=$$; hostname; exit 7'
	[ "$status" -eq 7 ]
	[[ "${lines[0]}" == pid=* ]]
	[ "${lines[0]}" != pid=1 ]
	[ "${lines[1]}" = runc ]
	run runac exec "$CID" sh -c 'kill -TERM $$'
	[ "$status" -eq $((128 + 15)) ]
	runac delete --force "$CID"
}

@test "the exec'd process is in every namespace and cgroup of the init" {
	update_config '.linux.namespaces += [{"type": "cgroup"}]'
	start_container
	runac exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$CID" sleep 30
	pid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	init=$(init_pid)
	[ "$pid" != "$init" ]
	for ns in pid mnt uts ipc net cgroup; do
		[ "$(readlink /proc/$pid/ns/$ns)" = "$(readlink /proc/$init/ns/$ns)" ]
	done
	[ "$(cat /proc/$pid/cgroup)" = "$(cat /proc/$init/cgroup)" ]
	[ "$(readlink /proc/$pid/root)" = "$(readlink /proc/$init/root)" ]
	# The pid file holds the process's pid in runac's namespace: the container's `sleep 30`.
	[ "$(tr '\0' ' ' </proc/$pid/cmdline)" = "sleep 30 " ]
	runac delete --force "$CID"
}

@test "exec takes the env, cwd, user and groups of its flags" {
	start_container
	run runac exec --env FOO=bar -e BAZ=qux --cwd /tmp --user 1000:1001 -g 5 -g 7 "$CID" \
		sh -c 'echo $FOO $BAZ; pwd; id -u; id -g; id -G; echo $PATH'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "bar qux" ]
	[ "${lines[1]}" = /tmp ]
	[ "${lines[2]}" = 1000 ]
	[ "${lines[3]}" = 1001 ]
	[ "${lines[4]}" = "1001 5 7" ]
	[[ "${lines[5]}" == */bin* ]]
	runac delete --force "$CID"
}

@test "exec --process runs a whole process object, with fewer capabilities" {
	start_container
	cat >"$BATS_TEST_TMPDIR/process.json" <<-'JSON'
		{"args": ["sh", "-c", "grep -E '^Cap(Eff|Bnd)' /proc/self/status; grep NoNewPrivs /proc/self/status"],
		 "cwd": "/", "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0},
		 "noNewPrivileges": true,
		 "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]}}
	JSON
	run runac exec --process "$BATS_TEST_TMPDIR/process.json" "$CID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"CapEff:	0000000000000020"* ]]
	[[ "$output" == *"CapBnd:	0000000000000020"* ]]
	[[ "$output" == *"NoNewPrivs:	1"* ]]
	# The same from stdin.
	run runac exec -p - "$CID" <"$BATS_TEST_TMPDIR/process.json"
	[ "$status" -eq 0 ]
	[[ "$output" == *"CapEff:	0000000000000020"* ]]
	runac delete --force "$CID"
}

@test "exec --cap adds a capability to the container's own sets" {
	start_container
	without=$(runac exec "$CID" grep CapBnd /proc/self/status | awk '{ print $2 }')
	[ $((0x$without & 0x200000)) -eq 0 ]
	run runac exec --cap CAP_SYS_ADMIN "$CID" grep -E '^Cap(Bnd|Eff)' /proc/self/status
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	# CAP_SYS_ADMIN is bit 21 (0x200000), on top of the container's own set.
	for line in "${lines[@]}"; do
		mask=0x$(awk '{ print $2 }' <<<"$line")
		[ $((mask & 0x200000)) -ne 0 ]
		[ $((mask & 0x$without)) -eq $((0x$without)) ]
	done
	run runac exec --cap CAP_NOPE "$CID" true
	[ "$status" -eq 255 ]
	[[ "$output" == *'--cap: unknown capability '*CAP_NOPE* ]]
	runac delete --force "$CID"
}

@test "the exec'd process runs under the container's seccomp filter" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18}]}'
	start_container
	run runac exec "$CID" sh -c 'mkdir /tmp/d; grep Seccomp: /proc/self/status'
	[[ "$output" == *"Invalid cross-device link"* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
	runac delete --force "$CID"
}

@test "exec -t under a terminal relays the pty and exits with the status" {
	start_container
	run script -qec "'$RUNAC' --root '$RUNAC_ROOT' exec -t '$CID' sh -c 'tty; echo hello; exit 4'" /dev/null
	[ "$status" -eq 4 ]
	[[ "$output" == *"/dev/pts/"* ]]
	[[ "$output" == *"hello"* ]]
	runac delete --force "$CID"
}

@test "exec -t -d hands a working pty to the console socket" {
	start_container
	sock=$BATS_TEST_TMPDIR/console.sock
	"$CONSOLE_RECEIVER" "$sock" ping >"$BATS_TEST_TMPDIR/tty.out" &
	receiver=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.02; done
	runac exec -t -d --console-socket "$sock" "$CID" sh -c 'read x; echo "got:$x"; tty'
	wait $receiver
	grep -q "got:ping" "$BATS_TEST_TMPDIR/tty.out"
	grep -q "^/dev/pts/" "$BATS_TEST_TMPDIR/tty.out"
	# The container's own console is left alone.
	run runac exec "$CID" sh -c 'stat -c %F /dev/console 2>&1'
	[[ "$output" != *"character special"* ]] || [[ "$output" == *"No such file"* ]]
	runac delete --force "$CID"
}

@test "exec fails with 255 and one clear line, leaving no process behind" {
	run runac exec nosuch true
	[ "$status" -eq 255 ]
	[[ "$output" == *"exec failed: container does not exist"* ]]
	run runac exec "$CID"
	[ "$status" -eq 1 ]
	start_container
	run runac exec "$CID" nosuchprogram
	[ "$status" -eq 255 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *nosuchprogram*'executable file not found in $PATH'* ]]
	run runac exec --cwd /nonexistent "$CID" true
	[ "$status" -eq 255 ]
	[[ "$output" == *"process.cwd: chdir /nonexistent"* ]]
	run runac exec --user root "$CID" true
	[ "$status" -eq 255 ]
	[[ "$output" == *'--user: '*root*' is not a numeric id'* ]]
	run runac exec -t -d "$CID" true
	[ "$status" -eq 255 ]
	[[ "$output" == *"cannot allocate tty if runac will detach without setting console socket"* ]]
	# Only the init is left in the container.
	procs=/sys/fs/cgroup/pids$(grep -E '^[0-9]+:pids:' /proc/"$(init_pid)"/cgroup | cut -d: -f3-)/cgroup.procs
	[ "$(cat "$procs")" = "$(init_pid)" ]
	runac kill "$CID" KILL
	wait_for_state "$CID" stopped
	run runac exec "$CID" true
	[ "$status" -eq 255 ]
	[[ "$output" == *"cannot exec in a stopped container"* ]]
	runac delete "$CID"
}

# freezer_state: the init's v1 freezer cgroup's state file.
freezer_state() {
	echo "/sys/fs/cgroup/freezer$(grep -E '^[0-9]+:freezer:' /proc/"$(init_pid)"/cgroup | cut -d: -f3-)/freezer.state"
}

@test "exec into a paused container is refused unless --ignore-paused" {
	start_container
	f=$(freezer_state)
	[ -f "$f" ]
	echo FROZEN >"$f"
	wait_for_state "$CID" paused
	run runac exec "$CID" true
	[ "$status" -eq 255 ]
	[[ "$output" == *"cannot exec in a paused container (use --ignore-paused to override)"* ]]
	(sleep 1; echo THAWED >"$f") &
	thaw=$!
	run runac exec --ignore-paused "$CID" echo ok
	wait $thaw
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	runac delete --force "$CID"
}

@test "exec --cgroup runs the process in an existing sub-cgroup" {
	start_container
	f=$(freezer_state)
	mkdir "${f%/freezer.state}/sub"
	run runac exec --cgroup freezer:sub "$CID" sh -c 'grep freezer /proc/self/cgroup'
	rmdir "${f%/freezer.state}/sub"
	[ "$status" -eq 0 ]
	[[ "$output" == *freezer:*/sub ]]
	run runac exec --cgroup freezer:../escape "$CID" true
	[ "$status" -eq 255 ]
	[[ "$output" == *"is not a sub cgroup path"* ]]
	run runac exec --cgroup nosuch "$CID" true
	[ "$status" -eq 255 ]
	[[ "$output" == *"no such sub-cgroup"* ]]
	runac delete --force "$CID"
}

@test "exec --preserve-fds passes extra fds to the process" {
	start_container
	echo through-fd-3 >"$BATS_TEST_TMPDIR/fd3"
	run runac exec --preserve-fds 1 "$CID" sh -c 'cat <&3; ls /proc/self/fd | wc -l' 3<"$BATS_TEST_TMPDIR/fd3"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = through-fd-3 ]
	runac delete --force "$CID"
}

# The CVE-2019-5736 class: while runac's code runs inside the container's
# namespaces, a process of the container must not get hold of runac's
# executable (/proc/PID/exe), neither to read nor to write it. A seccomp
# listener parks the exec'd process inside runac (in umask, after it joined
# everything and switched to the process's user) while the container's init
# tries both; its own shell, dumpable, is the control that the attempt works.
@test "a container process cannot open runac's executable while an exec is in progress" {
	sock=$BATS_TEST_TMPDIR/listener.sock
	hold=$BATS_TEST_TMPDIR/release
	"$SECCOMP_LISTENER" "$sock" "$BATS_TEST_TMPDIR/states" "$hold" &
	listener=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.02; done
	update_config '.process.noNewPrivileges = false |
		.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "'"$sock"'",
			"syscalls": [{"names": ["umask"], "action": "SCMP_ACT_NOTIFY"}]}'
	set_cmd 'while [ ! -e /attack ]; do sleep 0.05; done; p=$(cat /attack)
		echo "comm=$(cat /proc/$p/comm)"
		head -c1 /proc/$p/exe >/dev/null 2>&1 && echo read=ok || echo read=denied
		( : >>/proc/$p/exe ) 2>/dev/null && echo write=ok || echo write=denied
		head -c1 /proc/$$/exe >/dev/null 2>&1 && echo control=ok || echo control=denied
		echo done; sleep 60'
	runac run -d "$CID" </dev/null >"$BATS_TEST_TMPDIR/attack.out" 2>&1
	runac exec "$CID" true >"$BATS_TEST_TMPDIR/exec.out" 2>&1 &
	execer=$!
	for _ in $(seq 200); do [ "$(wc -l <"$BATS_TEST_TMPDIR/states")" -ge 2 ] && break; sleep 0.05; done
	[ "$(wc -l <"$BATS_TEST_TMPDIR/states")" -eq 2 ]
	child=$(jq -r .pid <(tail -1 "$BATS_TEST_TMPDIR/states"))
	# Its pid as the container sees it, for the attacker.
	grep NSpid "/proc/$child/status" | awk '{ print $NF }' >"$BUNDLE/rootfs/attack.new"
	mv "$BUNDLE/rootfs/attack.new" "$BUNDLE/rootfs/attack"
	for _ in $(seq 100); do grep -q done "$BATS_TEST_TMPDIR/attack.out" && break; sleep 0.05; done
	touch "$hold"
	wait $execer
	cat "$BATS_TEST_TMPDIR/attack.out"
	grep -q "^comm=runac" "$BATS_TEST_TMPDIR/attack.out"
	grep -q "^read=denied" "$BATS_TEST_TMPDIR/attack.out"
	grep -q "^write=denied" "$BATS_TEST_TMPDIR/attack.out"
	grep -q "^control=ok" "$BATS_TEST_TMPDIR/attack.out"
	runac delete --force "$CID"
	wait $listener
}
