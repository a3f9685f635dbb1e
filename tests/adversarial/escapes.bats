#!/usr/bin/env bats
# An agent inside a strict policy container tries to get out: every attempt
# must meet the kernel's refusal (EROFS, EACCES, EPERM: not "no such file"),
# through the init and through `runac exec` alike, and what an agent needs
# to do its job (write, rename, truncate, link, build and run its own
# programs) must still work. The attempts are made by a static program of
# the tests' own (escape.cpp), not by busybox, whose applets share one inode.

load ../lib/helpers

POLICY='{"capabilities": {"filesystem": {"write": ["/workspace", "/tmp"], "deny": ["/workspace/.env", "/root/.ssh"]}},
         "policy": {"auditLog": false}}'

setup() {
	common_setup
	cd "$BUNDLE"
	[ -x "${ESCAPE:-}" ]
	cp "$ESCAPE" rootfs/usr/bin/escape
	mkdir -p rootfs/workspace/.git rootfs/root/.ssh
	echo TOKEN=hunter2 >rootfs/workspace/.env
	echo KEY >rootfs/root/.ssh/id_ed25519
	echo code >rootfs/workspace/main.c
	# As Docker runs an image: a writable rootfs, which the policy makes read-only.
	jq_config --arg p "$POLICY" '.root.readonly = false | .annotations["org.agentcontainers.agent"] = $p'
}
teardown() {
	[[ -n ${LISTENER:-} ]] && kill "$LISTENER" 2>/dev/null
	common_teardown
}

# jq_config JQ-ARGS...: update_config with jq's own arguments (--arg).
jq_config() {
	local cfg=$BUNDLE/config.json
	jq "$@" "$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
}

ATTEMPTS='escape write /etc/passwd; escape write /newfile; escape read /workspace/.env
	escape read /root/.ssh/id_ed25519; escape read /root/.ssh; escape memfd-exec; escape ptrace; escape mount
	escape unshare-user; escape unshare-mount; escape clone-newuser; escape clone3; escape bpf; escape io_uring
	escape keyctl; escape raw-socket; escape raw6-socket; escape packet-socket; escape personality'

# expect_refusals: every attempt in $output refused with the kernel's word for it.
expect_refusals() {
	echo "$output"
	local want
	for want in "write: refused (EROFS)" "write: refused (EROFS)" "read: refused (EACCES)" \
		"read: refused (EACCES)" "read: refused (EACCES)" "memfd-exec: refused (EACCES)" "ptrace: refused (EPERM)" \
		"mount: refused (EPERM)" "unshare-user: refused (EPERM)" "unshare-mount: refused (EPERM)" \
		"clone-newuser: refused (EPERM)" "clone3: refused (ENOSYS)" "bpf: refused (EPERM)" "io_uring: refused (EPERM)" \
		"keyctl: refused (EPERM)" "raw-socket: refused (EPERM)" "raw6-socket: refused (EPERM)" \
		"packet-socket: refused (EPERM)" "personality: refused (EPERM)"; do
		[ "${lines[0]}" = "$want" ] || { echo "expected '$want', got '${lines[0]}'"; return 1; }
		lines=("${lines[@]:1}")
	done
	[ "${#lines[@]}" -eq 0 ]
}

@test "every escape attempt of the container's own process is refused by the kernel" {
	set_cmd "$ATTEMPTS"
	run runac run "$CID"
	[ "$status" -eq 0 ]
	expect_refusals
}

@test "a process that runac exec starts is refused the same, and gets no capability back" {
	set_cmd 'sleep 100'
	runac run -d "$CID"
	run runac exec "$CID" sh -c "$ATTEMPTS"
	[ "$status" -eq 0 ]
	expect_refusals
	# The engine asks for capabilities and no noNewPrivileges: the policy wins.
	jq -n '{args: ["sh", "-c", "grep -E \"^(CapEff|CapBnd|NoNewPrivs|Seccomp_filters)\" /proc/self/status"], cwd: "/",
		env: ["PATH=/bin:/usr/bin"], user: {uid: 0, gid: 0}, noNewPrivileges: false,
		capabilities: {bounding: ["CAP_SYS_ADMIN", "CAP_NET_RAW"], effective: ["CAP_SYS_ADMIN", "CAP_NET_RAW"],
		permitted: ["CAP_SYS_ADMIN", "CAP_NET_RAW"]}}' >"$BATS_TEST_TMPDIR/process.json"
	run runac exec --process "$BATS_TEST_TMPDIR/process.json" "$CID"
	echo "$output"
	[ "${lines[0]}" = $'CapEff:\t0000000000000000' ]
	[ "${lines[1]}" = $'CapBnd:\t0000000000000000' ]
	[ "${lines[2]}" = $'NoNewPrivs:\t1' ]
	[ "${lines[3]}" = $'Seccomp_filters:\t2' ]  # the agent baseline: its refusals, and clone3's answer
	runac delete --force "$CID"
}

@test "the agent's work still works: write, rename across directories, truncate, link, run what it built" {
	set_cmd 'set -e; cd /workspace
		mkdir -p src build; echo "int main;" >src/a.c; mv src/a.c build/a.c; : >build/a.c; [ ! -s build/a.c ]
		echo ref >.git/HEAD.lock && mv .git/HEAD.lock .git/HEAD; ln -s build/a.c link; rm link; rmdir src
		cp /usr/bin/escape /tmp/built && /tmp/built ran tmp-exec
		cp /usr/bin/escape build/tool && ./build/tool ran workspace-exec
		echo x >/dev/null; echo y >/dev/shm/s; cat /dev/shm/s; cat main.c; ls -a /workspace | tr "\n" " "; echo'
	run runac run "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "tmp-exec: ALLOWED" ]
	[ "${lines[1]}" = "workspace-exec: ALLOWED" ]
	[ "${lines[2]}" = y ]
	[ "${lines[3]}" = code ]
	[ "${lines[4]}" = ". .. .env .git build main.c " ]
	# Written through the bind: the rootfs directory itself holds it.
	[ "$(cat rootfs/workspace/.git/HEAD)" = ref ]
}

@test "with the host's network namespace, the host's abstract unix sockets stay out of reach" {
	update_config '.linux.namespaces |= map(select(.type != "network"))'
	local name=runac-escape-$CID
	/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind("\0" + sys.argv[1]); s.listen(8); time.sleep(60)' "$name" &
	LISTENER=$!
	for _ in $(seq 50); do grep -q "@$name" /proc/net/unix && break; sleep 0.05; done
	"$ESCAPE" abstract-connect "$name" | grep -qx "abstract-connect: ALLOWED"  # the host itself can
	set_cmd "escape abstract-connect $name"
	run runac run "$CID"
	echo "$output"
	[ "$output" = "abstract-connect: refused (EPERM)" ]
}

@test "the rootfs is read-only for the init and an engine's writable mount the policy does not list too" {
	mkdir "$BATS_TEST_TMPDIR/cache"
	jq_config --arg src "$BATS_TEST_TMPDIR/cache" '.mounts += [{"destination": "/cache", "type": "bind", "source": $src, "options": ["rbind"]}]'
	set_cmd 'escape write /cache/x; escape write /workspace/y; grep -E " /(cache|workspace|tmp) " /proc/self/mountinfo | cut -d" " -f5,6'
	run runac run "$CID"
	echo "$output"
	[ "${lines[0]}" = "write: refused (EROFS)" ]
	[ "${lines[1]}" = "write: ALLOWED" ]
	[[ "$output" == *"/cache ro,nosuid,nodev"* ]]
	[[ "$output" == *"/workspace rw,nosuid,nodev"* ]]
	[[ "$output" == *"/tmp rw,nosuid,nodev"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/cache/x" ]
}

@test "a write path that is a symlink in the image is refused, naming it, and nothing is left" {
	rm -rf rootfs/workspace
	ln -s /etc rootfs/workspace
	# To a file: a create that wrongly succeeded would hold bats' pipe.
	runac create "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1 && false
	cat "$BATS_TEST_TMPDIR/out"
	grep -q "agent policy: filesystem.write: /workspace: a symlink in the image; name its target" "$BATS_TEST_TMPDIR/out"
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

@test "a container runtime's socket is refused as a mount, and a policy needs a new pid namespace" {
	mkdir "$BATS_TEST_TMPDIR/run"
	/usr/bin/python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$BATS_TEST_TMPDIR/run/docker.sock"
	jq_config --arg src "$BATS_TEST_TMPDIR/run/docker.sock" '.mounts += [{"destination": "/var/run/docker.sock", "type": "bind", "source": $src, "options": ["rbind"]}]'
	runac create "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1 && false
	grep -q "is a container runtime's socket" "$BATS_TEST_TMPDIR/out"
	update_config '.mounts |= map(select(.destination != "/var/run/docker.sock")) | .linux.namespaces |= map(select(.type != "pid"))'
	runac create "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1 && false
	grep -q "agent policy: linux.namespaces: a policy needs a new pid namespace" "$BATS_TEST_TMPDIR/out"
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

@test "no executable memfd, in the init's pid namespace and every process after" {
	set_cmd 'cat /proc/sys/vm/memfd_noexec; echo 0 >/proc/sys/vm/memfd_noexec 2>&1 || echo lower-refused'
	run runac run "$CID"
	echo "$output"
	[ "${lines[0]}" = 2 ]
	[ "${lines[1]}" != "" ]
	[ "$(cat /proc/sys/vm/memfd_noexec)" = 0 ]  # the host's own is untouched
}

@test "filesystem.read: outside the listed trees nothing can be read, and the listed ones still run programs" {
	jq_config --arg p '{"capabilities": {"filesystem": {"read": ["/bin", "/usr", "/lib"], "write": ["/tmp"]}}, "policy": {"auditLog": false}}' \
		'.annotations["org.agentcontainers.agent"] = $p'
	set_cmd 'escape read /etc/passwd; escape read /usr/bin/escape; escape write /tmp/t; escape read /tmp/t'
	run runac run "$CID"
	echo "$output"
	[ "${lines[0]}" = "read: refused (EACCES)" ]
	[ "${lines[1]}" = "read: ALLOWED" ]
	[ "${lines[2]}" = "write: ALLOWED" ]
	[ "${lines[3]}" = "read: ALLOWED" ]
}
