#!/usr/bin/env bats
# A container with a new user namespace (container ids 0..65535 on host ids
# 100000..165535) must look the same under runc and under the runtime
# tested: ids, maps, mounts, devices, and what its root may do.

load ../lib/diff

setup() {
	diff_setup
	userns_bundle
	reachable_by_all "$BATS_TEST_TMPDIR/diff-a" "$BATS_TEST_TMPDIR/diff-b"
}
teardown() { diff_teardown; }

@test "userns: ids and id maps match" {
	diff_probe ids 'id; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups'
}

@test "userns: a non-root process user is mapped alike" {
	update_config '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [10]}'
	diff_probe ids 'id; grep -E "^(Uid|Gid|Groups|Cap)" /proc/self/status'
}

@test "userns: mount points, fs types and options match" {
	diff_probe mounts "awk '{ for (i = 7; \$i != \"-\"; i++); print \$5, \$(i+1), \$6, \$(i+3) }' /proc/self/mountinfo | sort"
}

@test "userns: /dev holds the same nodes, modes, owners and major:minor" {
	# runc unshares the IPC namespace between its setresuid(0) and its
	# setresgid(0), so the mqueue's root directory gets the host's gid 0
	# (nogroup inside); runac makes it as the container's root, root:root.
	diff_normalize 's#^(/dev/mqueue directory 1777 root):(nogroup|root) #\1:<GID> #'
	diff_probe dev 'for f in $(find /dev | sort); do
		if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"
		else stat -c "%n %F %a %U:%G %t:%T" "$f"; fi
	done'
}

@test "userns: namespaces and capabilities match" {
	diff_probe ns 'for f in /proc/self/ns/*; do echo "${f##*/} $(readlink "$f")"; done; grep ^Cap /proc/self/status'
}

@test "userns: what the container's root may not do is refused alike" {
	diff_probe refusals 'touch /x 2>&1; mknod /tmp/n c 1 3 2>&1; echo 1 >/proc/sys/kernel/ns_last_pid 2>&1;
		hostname other 2>&1 && hostname; chown 0 /etc/passwd 2>&1; true'
}

@test "userns: a bind source under a directory only the host's root may enter is mounted alike" {
	# runc opens such a source as the host's root, before the user namespace
	# exists; the container's root (host uid 100000) could not reach it.
	local private=$BATS_TEST_TMPDIR/private
	mkdir -m 0700 "$private"
	mkdir -m 0755 "$private/data"
	echo from-host >"$private/data/file"
	update_config ".mounts += [{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$private/data\", \"options\": [\"rbind\", \"ro\"]}]"
	diff_probe bind 'cat /data/file; stat -c "%n %a %U" /data /data/file'
	grep -q from-host "$DIFF_DIR_A/stdout"
}
