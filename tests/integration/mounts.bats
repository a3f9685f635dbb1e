#!/usr/bin/env bats
# What the container sees of the config's mounts, devices, masked and
# read-only paths, sysctls and domainname: mountinfo's options and
# propagation fields, ls -ln of the nodes, and the errors writes get.

load ../lib/helpers

setup() {
	common_setup
	ROOTFS=$BUNDLE/rootfs
}
teardown() {
	if [[ -n ${OWN_ROOTFS_MOUNT:-} ]]; then umount "$OWN_ROOTFS_MOUNT"; fi
	common_teardown
}

# In the container: `mnt PATH` prints "OPTIONAL-FIELDS|MOUNT-OPTIONS|FSTYPE|SUPER-OPTIONS"
# of the mount on PATH ("-" when it has no optional field).
MNT='mnt() { awk -v p="$1" '\''$5 == p { o = ""; for (i = 7; $i != "-"; i++) o = o (o == "" ? "" : " ") $i
	line = (o == "" ? "-" : o) "|" $6 "|" $(i + 1) "|" $(i + 3) } END { print line }'\'' /proc/self/mountinfo; }'

# has_options "A,B,C" X Y...: every X is one of the comma-separated options.
has_options() {
	local list=$1 opt
	shift
	for opt in "$@"; do
		if [[ ",$list," != *",$opt,"* ]]; then
			echo "'$opt' is not in '$list'" >&2
			return 1
		fi
	done
}

@test "per-mount propagation: rshared, rslave of it, rprivate and unbindable show in mountinfo" {
	# The binds take the shared tmpfs as source: in the container's mount
	# namespace, where runac mounts, the rootfs path leads to it.
	update_config '.mounts += [
		{"destination": "/shared", "type": "tmpfs", "source": "tmpfs", "options": ["rshared"]},
		{"destination": "/slave", "type": "bind", "source": "rootfs/shared", "options": ["rbind", "rslave"]},
		{"destination": "/private", "type": "bind", "source": "rootfs/shared", "options": ["rbind", "rprivate"]},
		{"destination": "/peer", "type": "bind", "source": "rootfs/shared", "options": ["rbind"]},
		{"destination": "/unbindable", "type": "tmpfs", "source": "tmpfs", "options": ["unbindable"]}]'
	set_cmd "$MNT; for p in /shared /slave /private /peer /unbindable; do mnt \$p | cut -d'|' -f1; done"
	run runac run "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^shared:([0-9]+)$ ]]
	group=${BASH_REMATCH[1]}
	[ "${lines[1]}" = "master:$group" ]
	[ "${lines[2]}" = - ]
	[ "${lines[3]}" = "shared:$group" ]
	[ "${lines[4]}" = unbindable ]
}

@test "rootfsPropagation shared or rshared makes the container's root a shared mount; by default it is not" {
	set_cmd "$MNT; mnt / | cut -d'|' -f1"
	run runac run "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = - ]
	for prop in shared rshared; do
		update_config ".linux.rootfsPropagation = \"$prop\""
		run runac run "$CID"
		echo "$prop: $output"
		[ "$status" -eq 0 ]
		[[ $output =~ ^shared:[0-9]+$ ]]
	done
}

@test "rootfsPropagation unbindable and runbindable: the root is unbindable, rootfs on the host's mount or its own" {
	# "runbindable" makes the host's mounts unbindable in the container's
	# mount namespace before any bind (as under runc): binds of host paths,
	# as the cgroup v1 hierarchies are, cannot be made then. Not this test's.
	update_config 'del(.mounts[] | select(.type == "cgroup"))'
	set_cmd "$MNT; mnt / | cut -d'|' -f1"
	for place in host-mount own-mount; do
		if [[ $place == own-mount ]]; then
			mv "$ROOTFS" "$BUNDLE/image"
			mkdir "$ROOTFS"
			mount -t tmpfs tmpfs "$ROOTFS"
			OWN_ROOTFS_MOUNT=$ROOTFS
			cp -a "$BUNDLE/image/." "$ROOTFS"
		fi
		for prop in unbindable runbindable; do
			update_config ".linux.rootfsPropagation = \"$prop\""
			run runac run "$CID"
			echo "$place $prop: $output"
			[ "$status" -eq 0 ]
			[ "$output" = unbindable ]
		done
	done
}

@test "a bind with ro, nosuid, nodev and noexec shows them in mountinfo and refuses writes" {
	mkdir "$BUNDLE/share"
	echo from-bundle >"$BUNDLE/share/data"
	update_config '.root.readonly = false | .mounts += [
		{"destination": "/b", "type": "bind", "source": "share", "options": ["rbind", "ro", "nosuid", "nodev", "noexec"]},
		{"destination": "/rw", "type": "bind", "source": "share", "options": ["rbind"]}]'
	set_cmd "$MNT; mnt /b | cut -d'|' -f2; mnt /rw | cut -d'|' -f2; cat /b/data; touch /b/x 2>&1; echo rc=\$?"
	run runac run "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	has_options "${lines[0]}" ro nosuid nodev noexec
	has_options "${lines[1]}" rw
	[ "${lines[2]}" = from-bundle ]
	[[ ${lines[3]} == *"Read-only file system"* ]]
	[ "${lines[4]}" = rc=1 ]
	local plain=${lines[1]}
	run ! has_options "$plain" nosuid
	run ! has_options "$plain" noexec
	[ ! -e "$BUNDLE/share/x" ]
}

@test "mqueue and devpts take their options from the config" {
	update_config '(.mounts[] | select(.destination == "/dev/pts")).options =
			["nosuid", "noexec", "newinstance", "ptmxmode=0640", "mode=0600", "gid=5"] |
		(.mounts[] | select(.destination == "/dev/mqueue")).options = ["nosuid", "nodev", "noexec", "ro"]'
	set_cmd "$MNT; mnt /dev/pts; mnt /dev/mqueue"
	run runac run "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	IFS='|' read -r _ opts type super <<<"${lines[0]}"
	[ "$type" = devpts ]
	has_options "$opts" rw nosuid noexec
	has_options "$super" gid=5 mode=600 ptmxmode=640
	IFS='|' read -r _ opts type super <<<"${lines[1]}"
	[ "$type" = mqueue ]
	has_options "$opts" ro nosuid nodev noexec
}

@test "linux.devices: a block, a char and a fifo device get their numbers, mode and owner" {
	update_config '.linux.devices = [
		{"path": "/dev/blk", "type": "b", "major": 7, "minor": 0, "fileMode": 416, "uid": 1000, "gid": 1001},
		{"path": "/dev/chr", "type": "c", "major": 1, "minor": 5, "fileMode": 400, "uid": 1002, "gid": 1003},
		{"path": "/dev/sub/fifo", "type": "p", "fileMode": 384, "uid": 1004, "gid": 1005}]'
	set_cmd 'ls -ln /dev/blk /dev/chr /dev/sub/fifo | sed "s/  */ /g"; stat -c "%n %F %t:%T" /dev/blk /dev/chr /dev/sub/fifo'
	run runac run "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "brw-r----- 1 1000 1001 7, 0 "*" /dev/blk" ]]
	[[ ${lines[1]} == "crw--w---- 1 1002 1003 1, 5 "*" /dev/chr" ]]
	[[ ${lines[2]} == "prw------- 1 1004 1005 0 "*" /dev/sub/fifo" ]]
	[ "${lines[3]}" = "/dev/blk block special file 7:0" ]
	[ "${lines[4]}" = "/dev/chr character special file 1:5" ]
	[ "${lines[5]}" = "/dev/sub/fifo fifo 0:0" ]
}

@test "a masked directory is empty and read-only, a masked file reads empty" {
	mkdir "$ROOTFS/secret-dir"
	echo image-secret >"$ROOTFS/secret-dir/key"
	echo image-secret >"$ROOTFS/secret-file"
	update_config '.root.readonly = false | .linux.maskedPaths += ["/secret-dir", "/secret-file", "/no-such-path"]'
	set_cmd "$MNT; ls -A /secret-dir | wc -l; touch /secret-dir/x 2>&1; echo rc=\$?; wc -c </secret-file;
		echo x >/secret-file; wc -c </secret-file; mnt /secret-dir | cut -d'|' -f2,3; touch /elsewhere && echo root-writable"
	run runac run "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[[ ${lines[1]} == *"Read-only file system"* ]]
	[ "${lines[2]}" = rc=1 ]
	[ "${lines[3]}" = 0 ]
	[ "${lines[4]}" = 0 ]
	[[ ${lines[5]} == ro,*"|tmpfs" ]]
	[ "${lines[6]}" = root-writable ]
	[ "$(cat "$ROOTFS/secret-file")" = image-secret ]
}

@test "readonlyPaths refuse writes with EROFS, the rest of a writable root stays writable" {
	mkdir -p "$ROOTFS/data" "$ROOTFS/other"
	echo image-data >"$ROOTFS/data/file"
	update_config '.root.readonly = false | .linux.readonlyPaths += ["/data", "/no-such-path"]'
	set_cmd 'cat /data/file; touch /data/x 2>&1; echo rc=$?; echo y >>/data/file 2>&1; echo rc=$?; touch /other/x && echo other-writable'
	run runac run "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = image-data ]
	[[ ${lines[1]} == *"Read-only file system"* ]]
	[ "${lines[2]}" = rc=1 ]
	[[ ${lines[3]} == *"Read-only file system"* ]]
	[ "${lines[4]}" = rc=1 ]
	[ "${lines[5]}" = other-writable ]
	[ "$(cat "$ROOTFS/data/file")" = image-data ]
}

@test "sysctl values of the ipc, net and uts namespaces are what /proc/sys shows" {
	update_config '.linux.sysctl = {"kernel.msgmax": "4096", "net.ipv4.ping_group_range": "0 2147483647",
		"net.ipv4.conf.all.forwarding": "1", "kernel.domainname": "from-sysctl"}'
	set_cmd 'cat /proc/sys/kernel/msgmax /proc/sys/net/ipv4/ping_group_range /proc/sys/net/ipv4/conf/all/forwarding /proc/sys/kernel/domainname'
	host=$(cat /proc/sys/kernel/msgmax /proc/sys/kernel/domainname /proc/sys/net/ipv4/ping_group_range)
	run runac run "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 4096 ]
	[ "$(echo ${lines[1]})" = "0 2147483647" ]
	[ "${lines[2]}" = 1 ]
	[ "${lines[3]}" = from-sysctl ]
	[ "$(cat /proc/sys/kernel/msgmax /proc/sys/kernel/domainname /proc/sys/net/ipv4/ping_group_range)" = "$host" ]
}

@test "domainname is the config's, in the container's own uts namespace" {
	update_config '.domainname = "example.test"'
	set_cmd 'cat /proc/sys/kernel/domainname; uname -n'
	host=$(cat /proc/sys/kernel/domainname)
	run runac run "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = example.test ]
	[ "$(cat /proc/sys/kernel/domainname)" = "$host" ]
	[ "$host" != example.test ]
}
