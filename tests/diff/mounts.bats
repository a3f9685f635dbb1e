#!/usr/bin/env bats
# Mounts, devices, masked and read-only paths and sysctls: what the
# container sees under runac must be what it sees under runc.

load ../lib/diff

setup() {
	diff_setup
	OWN_ROOTFS_MOUNTS=()
	mkdir "$BUNDLE/share"
	echo from-bundle >"$BUNDLE/share/data"
}
teardown() {
	local m
	for m in "${OWN_ROOTFS_MOUNTS[@]}"; do umount "$m"; done
	diff_teardown
}

# In the container: `mnt PATH...` prints, per path, its mountinfo line as
# "PATH OPTIONAL-FIELDS MOUNT-OPTIONS FSTYPE SUPER-OPTIONS", peer group
# numbers replaced by the first path that has them ("shared:/shared"), so
# that "is a slave of that mount" compares across runs.
MNT='mnt() { for p in "$@"; do echo "$p"; done | awk '\''
	NR == FNR { want[$0] = 1; order[++n] = $0; next }
	want[$5] { o = ""; for (i = 7; $i != "-"; i++) {
			split($i, kv, ":"); if (kv[2] != "" && !(kv[2] in group)) group[kv[2]] = $5
			o = o " " (kv[2] == "" ? $i : kv[1] ":" group[kv[2]]) }
		line[$5] = $5 (o == "" ? " -" : o) " " $6 " " $(i + 1) " " $(i + 3) }
	END { for (k = 1; k <= n; k++) print (order[k] in line ? line[order[k]] : order[k] " absent") }'\'' - /proc/self/mountinfo; }'

@test "tmpfs and bind mounts with options show the same mountinfo" {
	update_config '.mounts += [
		{"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "noexec", "size=1m", "mode=0750"]},
		{"destination": "/b", "type": "bind", "source": "share", "options": ["rbind", "ro", "nosuid", "nodev", "noexec"]},
		{"destination": "/rw", "type": "bind", "source": "share", "options": ["bind", "rw"]},
		{"destination": "/mq", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "nodev", "noexec", "ro"]}]'
	diff_probe mounts "$MNT; mnt /t /b /rw /mq; stat -c '%a' /t; cat /b/data; touch /b/x 2>&1; touch /rw/x && echo rw-writable"
}

@test "per-mount propagation shows the same shared, master and unbindable fields" {
	update_config '.mounts += [
		{"destination": "/shared", "type": "tmpfs", "source": "tmpfs", "options": ["rshared"]},
		{"destination": "/slave", "type": "bind", "source": "rootfs/shared", "options": ["rbind", "rslave"]},
		{"destination": "/private", "type": "bind", "source": "rootfs/shared", "options": ["rbind", "rprivate"]},
		{"destination": "/peer", "type": "bind", "source": "rootfs/shared", "options": ["rbind"]},
		{"destination": "/unbindable", "type": "tmpfs", "source": "tmpfs", "options": ["unbindable"]}]'
	diff_probe propagation "$MNT; mnt /shared /slave /private /peer /unbindable"
}

@test "devpts with options shows the same mountinfo" {
	update_config '(.mounts[] | select(.destination == "/dev/pts")).options =
		["nosuid", "noexec", "newinstance", "ptmxmode=0640", "mode=0600", "gid=5"]'
	diff_probe devpts "$MNT; mnt /dev/pts; stat -c '%a' /dev/pts/ptmx"
}

@test "linux.devices get the same type, numbers, mode and owner" {
	update_config '.linux.devices = [
		{"path": "/dev/blk", "type": "b", "major": 7, "minor": 0, "fileMode": 416, "uid": 1000, "gid": 1001},
		{"path": "/dev/chr", "type": "c", "major": 1, "minor": 5, "fileMode": 400, "uid": 1002, "gid": 1003},
		{"path": "/dev/sub/fifo", "type": "p", "fileMode": 384, "uid": 1004, "gid": 1005},
		{"path": "/dev/plain", "type": "c", "major": 1, "minor": 7}]'
	diff_probe devices 'stat -c "%n %F %a %u:%g %t:%T" /dev/blk /dev/chr /dev/sub/fifo /dev/plain; stat -c "%n %a" /dev/sub'
}

@test "masked and read-only paths are seen alike: empty, unreadable or refusing writes" {
	mkdir -p "$BUNDLE/rootfs/secret-dir" "$BUNDLE/rootfs/data"
	echo image-secret >"$BUNDLE/rootfs/secret-dir/key"
	echo image-secret >"$BUNDLE/rootfs/secret-file"
	echo image-data >"$BUNDLE/rootfs/data/file"
	update_config '.root.readonly = false |
		.linux.maskedPaths += ["/secret-dir", "/secret-file", "/no-such-path"] |
		.linux.readonlyPaths += ["/data", "/no-such-ro-path"]'
	diff_probe masks "$MNT; ls -A /secret-dir; wc -c </secret-file; touch /secret-dir/x 2>&1;
		cat /data/file; touch /data/x 2>&1; echo y >>/data/file 2>&1; touch /elsewhere && echo root-writable;
		mnt /secret-dir /secret-file /data /no-such-path"
}

@test "sysctl values are seen alike in /proc/sys" {
	update_config '.linux.sysctl = {"kernel.msgmax": "4096", "net.ipv4.ping_group_range": "0 2147483647",
		"net.ipv4.conf.all.forwarding": "1", "kernel.shmmni": "1024"}'
	diff_probe sysctl 'for k in kernel/msgmax net/ipv4/ping_group_range net/ipv4/conf/all/forwarding kernel/shmmni; do
		echo "$k $(cat /proc/sys/$k)"; done'
}

@test "a tmpfs over a directory of the image takes its mode, unless mode= is given" {
	mkdir -p "$BUNDLE/rootfs/srv/keep" "$BUNDLE/rootfs/srv/given"
	chmod 0710 "$BUNDLE/rootfs/srv/keep"
	chmod 1750 "$BUNDLE/rootfs/srv/given"
	update_config '.mounts += [
		{"destination": "/srv/keep", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "size=1m"]},
		{"destination": "/srv/given", "type": "tmpfs", "source": "tmpfs", "options": ["mode=0705"]},
		{"destination": "/srv/new", "type": "tmpfs", "source": "tmpfs", "options": ["nodev"]}]'
	diff_allow '^/srv/given ' "runc 1.1.5 chmods the tmpfs to the directory's mode after mounting, over the config's mode=; runc 1.2 and runac let mode= win"
	diff_probe modes "stat -c '%n %a' /srv/keep /srv/given /srv/new"
	grep -q "/srv/keep 710" "$BATS_TEST_TMPDIR"/diff-a/stdout
	grep -q "/srv/given 705" "$BATS_TEST_TMPDIR"/diff-b/stdout
}

@test "a read-only /dev is populated first, then read-only, as under runc" {
	update_config '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"] |
		.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["ro", "tmpcopyup"]}]'
	mkdir -p "$BUNDLE/rootfs/data" && echo kept >"$BUNDLE/rootfs/data/file"
	# runc 1.1.5 gives the tmpfs the directory's mode by chmod, runc 1.2 and
	# runac as a mode= option (the same mode, one more mount option shown).
	diff_normalize 's#^(/data .* tmpfs rw),mode=755$#\1#'
	diff_probe dev "$MNT; mnt /dev /data; touch /dev/x 2>&1; echo >/dev/null && echo null-writable; ls /dev/pts/ptmx; cat /data/file; touch /data/y 2>&1; true"
	grep -q "null-writable" "$BATS_TEST_TMPDIR"/diff-a/out
}

@test "rootfsPropagation unbindable with the rootfs on a mount of its own: both run it, the root is unbindable under runac" {
	# runc 1.1.5 binds the rootfs only when the mount holding it is its own
	# or shared: on the host's "/" mount (private here) it fails with EINVAL
	# where runc 1.2 and runac succeed (tests/integration/mounts.bats).
	update_config '.linux.rootfsPropagation = "unbindable"'
	diff_allow '^/ ' "runc 1.1.5 leaves the root as its bind made it (private); runc 1.4 and runac apply rootfsPropagation to it after pivot_root"
	set_cmd "$MNT; mnt /"
	local side
	for side in a b; do
		mkdir -p "$BATS_TEST_TMPDIR/diff-$side/bundle/rootfs"
		cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/diff-$side/bundle/"
		mount -t tmpfs tmpfs "$BATS_TEST_TMPDIR/diff-$side/bundle/rootfs"
		OWN_ROOTFS_MOUNTS+=("$BATS_TEST_TMPDIR/diff-$side/bundle/rootfs")
		cp -a "$BUNDLE/rootfs/." "$BATS_TEST_TMPDIR/diff-$side/bundle/rootfs"
	done
	diff_cli run --bundle @BUNDLE@ @ID@
	grep -q '^/ unbindable ' "$BATS_TEST_TMPDIR/diff-b/stdout"
}
