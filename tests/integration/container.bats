#!/usr/bin/env bats
# What the process inside a runac container sees: its namespaces, root,
# mounts, devices, identity, limits and cgroups.

load ../lib/helpers

setup() {
	common_setup
	cd "$BUNDLE"
}
teardown() { common_teardown; }

@test "the process is pid 1 in new pid, mount, uts, ipc and network namespaces" {
	set_cmd 'echo pid=$$; for ns in pid mnt uts ipc net; do echo $ns=$(readlink /proc/self/ns/$ns); done'
	run runac run "$CID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"pid=1"* ]]
	for ns in pid mnt uts ipc net; do
		inside=$(grep "^$ns=" <<<"$output" | cut -d= -f2)
		[ -n "$inside" ]
		[ "$inside" != "$(readlink /proc/self/ns/$ns)" ]
	done
}

@test "a namespace given by path is joined" {
	# A namespace file of the test's own (`ip netns add` would mount
	# /run/netns on the host the first time it runs, which the guard sees).
	local ns=$BATS_TEST_TMPDIR/netns
	touch "$ns" && unshare --net="$ns" true
	set_cmd 'readlink /proc/self/ns/net'
	update_config ".linux.namespaces |= map(if .type == \"network\" then .path = \"$ns\" else . end)"
	run runac run "$CID"
	want=$(nsenter --net="$ns" readlink /proc/self/ns/net)
	umount "$ns"
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
}

@test "the root is the bundle's rootfs, read-only when asked" {
	set_cmd 'cat /etc/hostname; touch /x 2>&1; echo rc=$?'
	echo from-the-image >"$BUNDLE/rootfs/etc/hostname"
	run runac run "$CID"
	[ "${lines[0]}" = from-the-image ]
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *"rc=1"* ]]
}

@test "hostname, cwd, env, uid and gids come from the config" {
	update_config '.hostname = "box" | .process.cwd = "/tmp/work" | .process.env += ["FOO=bar"] |
		.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [5, 7]}'
	set_cmd 'hostname; pwd; echo $FOO; id -u; id -g; id -G'
	run runac run "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = box ]
	[ "${lines[1]}" = /tmp/work ]
	[ "${lines[2]}" = bar ]
	[ "${lines[3]}" = 1000 ]
	[ "${lines[4]}" = 1000 ]
	[ "${lines[5]}" = "1000 5 7" ]
}

@test "HOME comes from the image's /etc/passwd when the config does not set it" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	set_cmd 'echo $HOME'
	run runac run "$CID"
	[ "$output" = "$(awk -F: '$3 == 1000 { print $6 }' "$BUNDLE/rootfs/etc/passwd")" ]
}

@test "capabilities are exactly the config's sets" {
	set_cmd 'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb)" /proc/self/status'
	run runac run "$CID"
	# CAP_AUDIT_WRITE(29), CAP_KILL(5), CAP_NET_BIND_SERVICE(10)
	[[ "$output" == *"CapPrm:	0000000020000420"* ]]
	[[ "$output" == *"CapEff:	0000000020000420"* ]]
	[[ "$output" == *"CapBnd:	0000000020000420"* ]]
	[[ "$output" == *"CapInh:	0000000000000000"* ]]
}

@test "a non-root user keeps across exec exactly the ambient capabilities" {
	# Without file capabilities, execve as a non-root uid keeps only the
	# ambient set (which must also be inheritable); the bounding set stays.
	update_config '.process.user = {"uid": 1000, "gid": 1000} |
		.process.capabilities.inheritable = ["CAP_KILL"] | .process.capabilities.ambient = ["CAP_KILL"]'
	set_cmd 'grep -E "^Cap(Eff|Amb|Bnd)" /proc/self/status'
	run runac run "$CID"
	[[ "$output" == *"CapEff:	0000000000000020"* ]]
	[[ "$output" == *"CapAmb:	0000000000000020"* ]]
	[[ "$output" == *"CapBnd:	0000000020000420"* ]]
}

@test "noNewPrivileges is set when asked, and only then" {
	set_cmd 'grep NoNewPrivs /proc/self/status'
	run runac run "$CID"
	[[ "$output" == *"NoNewPrivs:	1"* ]]
	update_config '.process.noNewPrivileges = false'
	run runac run "$CID"
	[[ "$output" == *"NoNewPrivs:	0"* ]]
}

@test "rlimits are applied" {
	update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 768}, {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]'
	set_cmd 'ulimit -n; ulimit -Hn; ulimit -c'
	run runac run "$CID"
	[ "$(echo $output)" = "512 768 0" ]
}

@test "oomScoreAdj and umask are applied" {
	update_config '.process.oomScoreAdj = 123 | .process.user.umask = 63'
	set_cmd 'cat /proc/self/oom_score_adj; umask'
	run runac run "$CID"
	[ "${lines[0]}" = 123 ]
	[ "${lines[1]}" = 0077 ]
}

@test "the default mounts are there with their options" {
	set_cmd 'cat /proc/self/mountinfo'
	run runac run "$CID"
	mi=$output
	grep -qE ' / ro,relatime ' <<<"$mi"
	grep -qE ' /proc rw[^ ]* - proc ' <<<"$mi"
	grep -qE ' /dev rw,nosuid - tmpfs .*mode=755' <<<"$mi"
	grep -qE ' /dev/pts rw,nosuid,noexec,relatime - devpts .*gid=5,mode=620,ptmxmode=666' <<<"$mi"
	grep -qE ' /dev/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm' <<<"$mi"
	grep -qE ' /dev/mqueue rw,nosuid,nodev,noexec,relatime - mqueue ' <<<"$mi"
	grep -qE ' /sys ro,nosuid,nodev,noexec,relatime - sysfs ' <<<"$mi"
}

@test "the default devices exist with their numbers and modes, and the /dev links" {
	set_cmd 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T %a" /dev/$d; done; for l in fd stdin stdout stderr ptmx; do echo $l=$(readlink /dev/$l); done'
	run runac run "$CID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/dev/null character special file 1:3 666"* ]]
	[[ "$output" == *"/dev/zero character special file 1:5 666"* ]]
	[[ "$output" == *"/dev/full character special file 1:7 666"* ]]
	[[ "$output" == *"/dev/random character special file 1:8 666"* ]]
	[[ "$output" == *"/dev/urandom character special file 1:9 666"* ]]
	[[ "$output" == *"/dev/tty character special file 5:0 666"* ]]
	[[ "$output" == *"fd=/proc/self/fd"* ]]
	[[ "$output" == *"ptmx=pts/ptmx"* ]]
}

@test "the devices cgroup refuses a device the config does not allow" {
	update_config '.root.readonly = false | .linux.resources.devices = [{"allow": false, "access": "rwm"}] |
		.process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"] |
		.process.capabilities.permitted += ["CAP_MKNOD"]'
	set_cmd 'mknod /tmp/sda b 8 0 && head -c1 /tmp/sda; echo rc=$?; echo x > /dev/null && echo null-ok'
	run runac run "$CID"
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" == *"null-ok"* ]]
}

@test "masked paths read as empty and read-only paths refuse writes" {
	set_cmd 'wc -c < /proc/timer_list; ls /sys/firmware | wc -l; echo 1 > /proc/sys/kernel/domainname 2>&1; echo rc=$?'
	run runac run "$CID"
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
	[[ "$output" == *"Read-only file system"* ]]
}

@test "the container is in its own cgroup in every hierarchy, removed at delete" {
	set_cmd 'cat /proc/self/cgroup; sleep 100'
	update_config '.linux.cgroupsPath = "/runac-test/'"$CID"'"'
	runac run -d "$CID"
	pid=$(runac state "$CID" | jq -r .pid)
	n=0
	while IFS=: read -r _ ctrl path; do
		[ "$path" = "/runac-test/$CID" ]
		n=$((n + 1))
	done <"/proc/$pid/cgroup"
	[ "$n" -eq "$(wc -l </proc/self/cgroup)" ]
	for mnt in $(awk '$3 ~ /^cgroup2?$/ { print $2 }' /proc/self/mounts); do
		[ -d "$mnt/runac-test/$CID" ]
	done
	runac delete --force "$CID"
	for mnt in $(awk '$3 ~ /^cgroup2?$/ { print $2 }' /proc/self/mounts); do
		[ ! -d "$mnt/runac-test/$CID" ]
		rmdir "$mnt/runac-test"
	done
}

@test "a sysctl of the container's own namespace is set" {
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmax": "123456"}'
	set_cmd 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax'
	run runac run "$CID"
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "1 123456" ]
}

@test "a sysctl outside the container's namespaces is refused" {
	update_config '.linux.sysctl = {"kernel.panic": "1"}'
	run runac create "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"linux.sysctl.kernel.panic"* ]]
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

@test "--preserve-fds passes exactly the extra fds" {
	set_cmd 'ls /proc/self/fd | sort -n | tr "\n" " "'
	run runac run --preserve-fds 2 "$CID" 3</dev/null 4</dev/null 5</dev/null 6</dev/null 7</dev/null
	[ "$status" -eq 0 ]
	# 0 1 2, the two preserved, and 5: the fd ls itself opens for /proc/self/fd.
	[ "$output" = "0 1 2 3 4 5 " ]
}

@test "--no-pivot runs the container with MS_MOVE and chroot" {
	set_cmd 'cat /etc/hostname; ls / | wc -l'
	echo image >"$BUNDLE/rootfs/etc/hostname"
	run runac run --no-pivot "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = image ]
}

@test "--no-pivot leaves no full procfs of the host visible: a nested user namespace cannot mount /proc" {
	# The kernel lets a user namespace mount a fresh procfs only where a full
	# one is visible in the mount namespace; without pivot_root the host's
	# stays below the chroot unless it is taken away (as runc does). (Mapping
	# root in the new user namespace takes CAP_SETFCAP.)
	local caps='["CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SETFCAP", "CAP_DAC_OVERRIDE", "CAP_CHOWN", "CAP_FOWNER"]'
	update_config ".process.noNewPrivileges = false | .process.capabilities.bounding = $caps |
		.process.capabilities.effective = $caps | .process.capabilities.permitted = $caps"
	set_cmd 'unshare -U -m -p -f --map-root-user sh -c "mount -t proc proc /proc && echo proc-mounted"
		echo "unshare $?"; cat /etc/hostname'
	echo image >"$BUNDLE/rootfs/etc/hostname"
	run runac run --no-pivot "$CID"
	echo "$output"
	[[ $output == *"mount: permission denied"* ]]
	[[ $output != *proc-mounted* ]]
	[[ $output == *$'unshare 1\nimage'* ]]
	# With pivot_root, the same.
	runac delete --force "$CID" 2>/dev/null || true
	run runac run "$CID"
	[[ $output == *"mount: permission denied"* && $output != *proc-mounted* ]]
}

@test "the init's fds do not hold the state lock: state works while created" {
	runac create "$CID"
	run timeout 5 "$RUNAC" --root "$RUNAC_ROOT" state "$CID"
	[ "$status" -eq 0 ]
	runac delete "$CID"
}

@test "process.scheduler sets the policy and nice value" {
	update_config '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 7}'
	# /proc/self/stat: field 19 is nice, 41 the policy (3 = SCHED_BATCH).
	set_cmd 'awk "{print \$19, \$41}" /proc/self/stat'
	run runac run "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = "7 3" ]
}

@test "process.ioPriority sets the I/O class and level" {
	update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 6}'
	set_cmd 'ionice -p $$'
	run runac run "$CID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"best-effort"*"6"* ]]
}

@test "linux.personality LINUX32 makes uname report a 32-bit machine" {
	update_config '.linux.personality = {"domain": "LINUX32"}'
	set_cmd 'uname -m'
	run runac run "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = i686 ]
}

@test "an unknown scheduler policy is refused naming its path" {
	update_config '.process.scheduler = {"policy": "SCHED_FAST"}'
	runac create "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1 && false
	grep -q 'process.scheduler.policy: unknown scheduler policy' "$BATS_TEST_TMPDIR/out"
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

@test "a tmpfs with tmpcopyup starts with the directory's contents, symlinks not followed" {
	mkdir -p "$BUNDLE/rootfs/data/sub"
	echo image-file >"$BUNDLE/rootfs/data/sub/file"
	chmod 0604 "$BUNDLE/rootfs/data/sub/file"
	chown 1000:1000 "$BUNDLE/rootfs/data/sub/file"
	ln -s /etc/shadow "$BUNDLE/rootfs/data/escape"
	mknod "$BUNDLE/rootfs/data/null" c 1 3
	update_config '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs",
		"options": ["nosuid", "nodev", "tmpcopyup"]}]'
	set_cmd 'cat /data/sub/file; stat -c "%a %u:%g" /data/sub/file; readlink /data/escape;
		[ -e /data/null ] && echo null-copied; touch /data/new && echo writable; grep " /data " /proc/self/mountinfo'
	run runac run "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = image-file ]
	[ "${lines[1]}" = "604 1000:1000" ]
	[ "${lines[2]}" = /etc/shadow ]
	[ "${lines[3]}" = writable ]
	[[ "${lines[4]}" == *" - tmpfs "* ]]
	# The image's directory itself is untouched.
	[ ! -e "$BUNDLE/rootfs/data/new" ]
}
