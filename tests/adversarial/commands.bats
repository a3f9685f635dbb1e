#!/usr/bin/env bats
# shell.commands: only the listed binaries, the entrypoint and what each
# needs to run (its ELF loader, its #! interpreter) may be executed; what
# the agent writes runs only below filesystem.exec; `runac exec` checks the
# arguments too. The attempts are made by the tests' static program
# (escape.cpp): `escape exec FILE` reports the kernel's answer to execve.

bats_require_minimum_version 1.5.0
load ../lib/helpers

POLICY='{"capabilities": {"filesystem": {"write": ["/workspace", "/tmp"], "exec": ["/workspace/bin"], "deny": ["/workspace/.env"]},
           "shell": {"commands": ["dyntrue", "tool", {"binary": "escape", "subcommands": ["ran", "exec", "memfd-exec", "read"], "denyArgs": ["--evil"]}]}},
         "secrets": {"TOKEN": "env://TOKEN"},
         "policy": {"auditLog": false}}'

setup() {
	common_setup
	cd "$BUNDLE"
	[ -x "${ESCAPE:-}" ]
	cp "$ESCAPE" rootfs/usr/bin/escape
	cp "$ESCAPE" rootfs/usr/bin/other      # the same program, not listed
	cp "$ESCAPE" rootfs/usr/bin/interp     # not listed: only tool's #! names it
	printf '#!/usr/bin/interp ran\n' >rootfs/usr/bin/tool
	chmod 755 rootfs/usr/bin/tool
	# A dynamically linked program: its loader must be executable too.
	mkdir -p rootfs/lib64 rootfs/lib/x86_64-linux-gnu
	cp -L /lib64/ld-linux-x86-64.so.2 rootfs/lib64/
	cp -L /lib/x86_64-linux-gnu/libc.so.6 rootfs/lib/x86_64-linux-gnu/
	cp /usr/bin/true rootfs/usr/bin/dyntrue
	mkdir -p rootfs/workspace/bin
	echo SECRET=1 >rootfs/workspace/.env
	local cfg=$BUNDLE/config.json
	jq --arg p "$POLICY" '.root.readonly = false | .annotations["org.agentcontainers.agent"] = $p |
		.process.env += ["TOKEN=tok-5e1b"]' "$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
}
teardown() { common_teardown; }

ATTEMPTS='escape exec /usr/bin/escape; escape exec /usr/bin/other; escape exec /usr/bin/tool; dyntrue && echo dyntrue: ALLOWED
	cp /usr/bin/escape /tmp/e; escape exec /tmp/e; cp /usr/bin/escape /workspace/e; escape exec /workspace/e
	cp /usr/bin/escape /workspace/bin/e; escape exec /workspace/bin/e; escape memfd-exec; escape read /workspace/.env
	cat /run/secrets/TOKEN; echo; grep -E " /(tmp|workspace) " /proc/self/mountinfo | cut -d" " -f5,6 | sort'

expect_confined() {
	echo "$output"
	local want=("exec: ALLOWED" "exec: refused (EACCES)" "/usr/bin/tool: ALLOWED" "dyntrue: ALLOWED"
		"exec: refused (EACCES)" "exec: refused (EACCES)" "exec: ALLOWED" "memfd-exec: refused (EACCES)"
		"read: refused (EACCES)" "tok-5e1b" "/tmp rw,nosuid,nodev,noexec,relatime" "/workspace rw,nosuid,nodev,noexec,relatime")
	local i
	for i in "${!want[@]}"; do
		[ "${lines[$i]}" = "${want[$i]}" ] || { echo "line $i: expected '${want[$i]}', got '${lines[$i]}'"; return 1; }
	done
	[ "${#lines[@]}" -eq "${#want[@]}" ]
}

@test "a strict policy with write, deny, exec, commands and secrets starts, and only what it lists runs" {
	set_cmd "$ATTEMPTS"
	run runac run "$CID"
	[ "$status" -eq 0 ]
	expect_confined
}

@test "a process that runac exec starts gets the same: listed binaries and their loaders only" {
	set_cmd 'sleep 100'
	runac run -d "$CID"
	run runac exec "$CID" sh -c "$ATTEMPTS"
	[ "$status" -eq 0 ]
	expect_confined
	runac delete --force "$CID"
}

@test "policy explain --container lists what the init allowed to execute" {
	set_cmd 'sleep 100'
	runac run -d "$CID"
	run runac policy explain --container "$CID"
	echo "$output"
	[[ $output == *"executable (shell.commands): /usr/bin/tool"* ]]
	[[ $output == *"executable (shell.commands): /usr/bin/interp"* ]]
	[[ $output == *"executable (shell.commands): /lib64/ld-linux-x86-64.so.2"* ]]
	[[ $output != *"executable (shell.commands): /usr/bin/other"* ]]
	runac delete --force "$CID"
}

@test "runac exec refuses an unlisted binary, a subcommand and a denied argument before anything starts" {
	set_cmd 'sleep 100'
	runac run -d "$CID"
	run runac exec "$CID" other ran x
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"agent policy: shell.commands: other is not an allowed command"* ]]
	[[ $output != *"x: ALLOWED"* ]]
	run runac exec "$CID" escape write /workspace/x
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"agent policy: shell.commands: escape: subcommand write is not one of ran, exec, memfd-exec, read"* ]]
	[ ! -e rootfs/workspace/x ]
	run runac exec "$CID" escape ran --evil=1
	[[ $output == *"escape: argument --evil=1 is refused (denyArgs --evil)"* ]]
	run runac exec "$CID" escape ran fine
	[ "$status" -eq 0 ]
	[ "$output" = "fine: ALLOWED" ]
	# The container's own program (sh here) runs as it is; any other is refused.
	run runac exec "$CID" sh -c 'echo entrypoint'
	[ "$output" = entrypoint ]
	run runac exec "$CID" sleep 0
	[[ $output == *"agent policy: shell.commands: sleep is not an allowed command"* ]]
	runac delete --force "$CID"
}

@test "an exec tree that is not a directory of the image is refused naming filesystem.exec" {
	rmdir rootfs/workspace/bin
	refused_create "agent policy: filesystem.exec: /workspace/bin"
}
