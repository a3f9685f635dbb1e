#!/usr/bin/env bats
# Hostile bundles: a container image is untrusted input. Each rootfs here
# tries to make the runtime touch the host -- through symlinks (absolute,
# "../"-relative, in an intermediate component, into /proc, looping) or a
# process.cwd in /proc/self/fd. Two canaries sit on the host, outside the
# rootfs: a directory and a file under the test's temp dir. They must keep
# their content, type, mode and owner, with nothing mounted on them; and the
# container must see the mount where the symlink points *inside* its rootfs
# (as if the rootfs were "/"), or runac must refuse in one line.

load ../lib/helpers

setup() {
	common_setup
	ROOTFS=$BUNDLE/rootfs
	HOST_DIR=$BATS_TEST_TMPDIR/host-canary-dir
	HOST_FILE=$BATS_TEST_TMPDIR/host-canary-file
	mkdir "$HOST_DIR"
	echo host-data >"$HOST_DIR/keep"
	echo host-data >"$HOST_FILE"
	chown 4321:4321 "$HOST_DIR" "$HOST_DIR/keep" "$HOST_FILE"
	chmod 0750 "$HOST_DIR"
	chmod 0604 "$HOST_DIR/keep" "$HOST_FILE"
	HOST_BEFORE=$(host_view)
}
teardown() { common_teardown; }

# host_view: every entry of the canaries (and of the temp dir around them,
# where a planted file would appear) with type, mode, owner and size, their
# contents, and any host mount on or under them.
host_view() {
	find "$BATS_TEST_TMPDIR" -maxdepth 1 ! -name bundle ! -name state ! -name 'leak-guard' ! -name '.*' -printf '%p %y %m %U:%G\n' | sort
	find "$HOST_DIR" "$HOST_FILE" -printf '%p %y %m %U:%G %s\n' | sort
	find "$HOST_DIR" "$HOST_FILE" -type f -exec sha256sum {} + | sort
	awk -v t="$BATS_TEST_TMPDIR/" 'index($5, t) == 1 && index($5, t "bundle/") != 1 { print "mounted: " $5 }' /proc/self/mountinfo
}

assert_host_untouched() {
	local now
	now=$(host_view)
	if [[ $now != "$HOST_BEFORE" ]]; then
		echo "the host canaries changed:" >&2
		diff <(echo "$HOST_BEFORE") <(echo "$now") >&2
		return 1
	fi
}

# escapes LINK TARGET: LINK really leads to TARGET on the host (so the
# bundle is hostile, and the test is not vacuous).
escapes() {
	[ "$(realpath -m "$1")" = "$2" ]
}

# expect_refusal MESSAGE: create fails with exactly one line holding MESSAGE
# and leaves no container state.
expect_refusal() {
	status=0
	runac create "$CID" >"$BATS_TEST_TMPDIR/.create.out" 2>&1 </dev/null || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/.create.out")
	mapfile -t lines <"$BATS_TEST_TMPDIR/.create.out"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"$1"* ]]
	[ -z "$(ls -A "$RUNAC_ROOT" 2>/dev/null)" ]
}

# fstype_at PATH (inside the container): the fs type of the mount on PATH.
FSTYPE_AT='fstype_at() { awk -v p="$1" '\''$5 == p { for (i = 7; $i != "-"; i++); t = $(i + 1) } END { print t }'\'' /proc/self/mountinfo; }'

@test "a tmpfs on an absolute symlink out of the rootfs is mounted where the link points inside the rootfs" {
	ln -s "$HOST_DIR" "$ROOTFS/evil"
	escapes "$ROOTFS/evil" "$HOST_DIR"
	update_config '.mounts += [{"destination": "/evil", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}]'
	set_cmd "$FSTYPE_AT; fstype_at '$HOST_DIR'; stat -f -c %T /evil/; ls -A /evil | wc -l; touch /evil/written && echo written"
	run runac run "$CID" </dev/null
	assert_host_untouched
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = tmpfs ]
	[ "${lines[1]}" = tmpfs ]
	[ "${lines[2]}" = 0 ]
	[ "${lines[3]}" = written ]
	[ -d "$ROOTFS$HOST_DIR" ]
}

@test "a bind of a directory and of a file on absolute symlinks out of the rootfs lands inside the rootfs" {
	ln -s "$HOST_DIR" "$ROOTFS/evil"
	ln -s "$BATS_TEST_TMPDIR/planted" "$ROOTFS/evil-file"
	mkdir "$BUNDLE/share"
	echo from-bundle >"$BUNDLE/share/data"
	echo bundle-file >"$BUNDLE/file"
	update_config '.mounts += [
		{"destination": "/evil", "type": "bind", "source": "share", "options": ["rbind", "ro"]},
		{"destination": "/evil-file", "type": "bind", "source": "file", "options": ["bind"]}]'
	set_cmd "cat /evil/data /evil-file; ls '$HOST_DIR'; cat '$BATS_TEST_TMPDIR/planted'"
	run runac run "$CID" </dev/null
	assert_host_untouched
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "from-bundle
bundle-file
data
bundle-file" ]
	[ ! -e "$BATS_TEST_TMPDIR/planted" ]
}

@test "a mount on a ../-relative symlink out of the rootfs stays inside the rootfs" {
	ln -s "../../../../../../../../../../../../../..$HOST_DIR" "$ROOTFS/evil"
	ln -s "../../../../../../../../../../../../../..$HOST_DIR/sub" "$ROOTFS/evil-sub"
	escapes "$ROOTFS/evil" "$HOST_DIR"
	mkdir "$BUNDLE/share"
	echo from-bundle >"$BUNDLE/share/data"
	update_config '.mounts += [
		{"destination": "/evil", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]},
		{"destination": "/evil-sub", "type": "bind", "source": "share", "options": ["rbind"]}]'
	set_cmd "$FSTYPE_AT; fstype_at '$HOST_DIR'; fstype_at '$HOST_DIR/sub'; cat /evil/sub/data"
	run runac run "$CID" </dev/null
	assert_host_untouched
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = tmpfs ]
	[ "${lines[1]}" != tmpfs ]
	[ -n "${lines[1]}" ]
	[ "${lines[2]}" = from-bundle ]
}

@test "a mount under a symlinked intermediate directory out of the rootfs stays inside the rootfs" {
	ln -s "/../../..$BATS_TEST_TMPDIR" "$ROOTFS/a"
	escapes "$ROOTFS/a/host-canary-dir" "$HOST_DIR"
	update_config '.mounts += [{"destination": "/a/host-canary-dir/made", "type": "tmpfs", "source": "tmpfs"}]'
	set_cmd "$FSTYPE_AT; fstype_at '$HOST_DIR/made'; stat -f -c %T /a/host-canary-dir/made/"
	run runac run "$CID" </dev/null
	assert_host_untouched
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = tmpfs ]
	[ "${lines[1]}" = tmpfs ]
	[ -d "$ROOTFS$HOST_DIR/made" ]
}

@test "a mount on a symlink into the container's /proc/self/root is refused in one line" {
	ln -s "/proc/self/root$HOST_DIR" "$ROOTFS/evil"
	update_config '.mounts += [{"destination": "/evil", "type": "tmpfs", "source": "tmpfs"}]'
	expect_refusal "open /evil in the container's rootfs: Too many levels of symbolic links"
	assert_host_untouched
}

@test "an image's /dev/null that is a symlink to a host file becomes the null device, the host file untouched" {
	# Without a tmpfs on /dev, the image's own /dev is where the nodes go.
	update_config 'del(.mounts[] | select(.destination == "/dev"))'
	ln -s "$HOST_FILE" "$ROOTFS/dev/null"
	escapes "$ROOTFS/dev/null" "$HOST_FILE"
	set_cmd 'stat -c "%F %t:%T %a" /dev/null; echo data >/dev/null && wc -c </dev/null'
	run runac run "$CID" </dev/null
	assert_host_untouched
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "character special file 1:3 666" ]
	[ "${lines[1]}" = 0 ]
}

@test "an image's /dev that is a symlink to a host directory gets its tmpfs and devices inside the rootfs" {
	rm -rf "$ROOTFS/dev"
	ln -s "$HOST_DIR" "$ROOTFS/dev"
	escapes "$ROOTFS/dev" "$HOST_DIR"
	set_cmd "$FSTYPE_AT; "'stat -c "%F %t:%T" /dev/null /dev/zero; stat -f -c %T /dev/ /dev/pts/; '"fstype_at '$HOST_DIR'; fstype_at '$HOST_DIR/pts'"
	run runac run "$CID" </dev/null
	assert_host_untouched
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "character special file 1:3" ]
	[ "${lines[1]}" = "character special file 1:5" ]
	[ "${lines[2]}" = tmpfs ]
	[ "${lines[3]}" = devpts ]
	[ "${lines[4]}" = tmpfs ]
	[ "${lines[5]}" = devpts ]
}

@test "linux.devices on symlinks to a host file and through a host directory are made inside the rootfs, nothing chowned on the host" {
	ln -s "$HOST_FILE" "$ROOTFS/evil-device"
	ln -s "$HOST_DIR" "$ROOTFS/evil"
	escapes "$ROOTFS/evil-device" "$HOST_FILE"
	update_config '.linux.devices = [
		{"path": "/evil-device", "type": "c", "major": 1, "minor": 3, "fileMode": 438, "uid": 1000, "gid": 1001},
		{"path": "/evil/planted", "type": "b", "major": 7, "minor": 0, "fileMode": 384, "uid": 1002, "gid": 1003}]'
	set_cmd 'ls -ln /evil-device /evil/planted | sed "s/  */ /g"'
	run runac run "$CID" </dev/null
	assert_host_untouched
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "crw-rw-rw- 1 1000 1001 1, 3 "*" /evil-device" ]]
	[[ "${lines[1]}" == "brw------- 1 1002 1003 7, 0 "*" /evil/planted" ]]
}

@test "a /proc that is a symlink, inside the rootfs or out of it, is refused naming /proc, creating nothing" {
	for target in /tmp "$HOST_DIR"; do
		rm -rf "$ROOTFS/proc"
		ln -s "$target" "$ROOTFS/proc"
		expect_refusal "/proc: proc must be mounted on a directory, not through a symlink"
		[ ! -e "$ROOTFS$HOST_DIR" ]
		[ -z "$(ls -A "$ROOTFS/tmp")" ]
	done
	assert_host_untouched
}

@test "a /sys that is a symlink, inside the rootfs or out of it, is refused naming /sys, creating nothing" {
	for target in /tmp "$HOST_DIR"; do
		rm -rf "$ROOTFS/sys"
		ln -s "$target" "$ROOTFS/sys"
		expect_refusal "/sys: sysfs must be mounted on a directory, not through a symlink"
		[ ! -e "$ROOTFS$HOST_DIR" ]
		[ -z "$(ls -A "$ROOTFS/tmp")" ]
	done
	assert_host_untouched
}

# Prints "inside" when ".." from the cwd ends at the container's "/" (a cwd
# outside the root climbs to some other filesystem root instead).
CWD_PROBE='up=/proc/self/cwd; for i in $(seq 40); do up=$up/..; done
	if [ "$(stat -c %d:%i "$up")" = "$(stat -c %d:%i /)" ]; then echo inside; else echo "OUTSIDE: $(readlink /proc/self/cwd)"; fi'

@test "process.cwd through /proc/self/fd/N never starts the process outside the container's root" {
	set_cmd "$CWD_PROBE"
	for n in 3 4 5 6 7 8 9 10; do
		update_config ".process.cwd = \"/proc/self/fd/$n\""
		run runac run "$CID-$n" </dev/null
		echo "fd $n: $status $output"
		if [ "$status" -eq 0 ]; then
			[ "$output" = inside ]
		else
			[ "${#lines[@]}" -eq 1 ]
			[[ "$output" == *"process.cwd: "* ]]
		fi
	done
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

@test "exec --cwd through /proc/self/fd/N never starts the process outside the container's root" {
	set_cmd 'sleep 100'
	runac run -d "$CID" </dev/null >/dev/null 2>&1
	for n in 3 4 5 6 7 8 9 10; do
		run runac exec --cwd "/proc/self/fd/$n" "$CID" sh -c "$CWD_PROBE" </dev/null
		echo "fd $n: $status $output"
		if [ "$status" -eq 0 ]; then
			[ "$output" = inside ]
		else
			[ "${#lines[@]}" -eq 1 ]
			[[ "$output" == *"process.cwd: "* ]]
		fi
	done
	runac delete --force "$CID"
}

@test "the container's init and its process hold no fd to a host path, only their stdio" {
	set_cmd 'for f in /proc/1/fd/* /proc/self/fd/*; do readlink "$f" 2>/dev/null; done; echo end'
	run runac run "$CID" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = end ]
	for l in "${lines[@]:0:${#lines[@]}-1}"; do
		[[ $l =~ ^(pipe:\[[0-9]+\]|/dev/null)$ ]]
	done
}

@test "readonlyPaths and maskedPaths through symlinks out of the rootfs apply to what they name inside it" {
	ln -s "$HOST_DIR" "$ROOTFS/evil"
	ln -s "$HOST_FILE" "$ROOTFS/evil-file"
	# What the links name when resolved inside the rootfs.
	mkdir -p "$ROOTFS$HOST_DIR"
	echo image-data >"$ROOTFS$HOST_FILE"
	update_config '.root.readonly = false | .linux.readonlyPaths += ["/evil"] | .linux.maskedPaths += ["/evil-file"]'
	set_cmd 'touch /evil/x 2>&1; echo rc=$?; wc -c </evil-file; touch /rw && echo rootfs-writable'
	run runac run "$CID" </dev/null
	assert_host_untouched
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"Read-only file system"* ]]
	[ "${lines[1]}" = rc=1 ]
	[ "${lines[2]}" = 0 ]
	[ "${lines[3]}" = rootfs-writable ]
	[ "$(cat "$ROOTFS$HOST_FILE")" = image-data ]
}

@test "readonlyPaths and maskedPaths on symlinks that lead nowhere inside the rootfs are skipped" {
	ln -s "$HOST_DIR" "$ROOTFS/evil"
	ln -s "$HOST_FILE" "$ROOTFS/evil-file"
	update_config '.linux.readonlyPaths += ["/evil", "/evil-file"] | .linux.maskedPaths += ["/evil", "/evil-file"]'
	set_cmd 'readlink /evil; readlink /evil-file; [ -e /evil ] || echo absent'
	run runac run "$CID" </dev/null
	assert_host_untouched
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$HOST_DIR
$HOST_FILE
absent" ]
}

@test "a mount destination under a looping symlink chain is refused in one line, leaving nothing" {
	ln -s loop-b "$ROOTFS/loop-a"
	ln -s loop-a "$ROOTFS/loop-b"
	update_config '.mounts += [{"destination": "/loop-a/x", "type": "tmpfs", "source": "tmpfs"}]'
	expect_refusal "open /loop-a/x in the container's rootfs: Too many levels of symbolic links"
	assert_host_untouched
	[ "$(readlink "$ROOTFS/loop-a")" = loop-b ]
	[ "$(readlink "$ROOTFS/loop-b")" = loop-a ]
}

@test "a bind destination on a symlink that loops once what it names is created is refused in one line" {
	# /b is missing, so /evil dangles; once /b is made, /evil leads to itself.
	ln -s /b/../evil "$ROOTFS/evil"
	echo bundle-file >"$BUNDLE/file"
	update_config '.mounts += [{"destination": "/evil", "type": "bind", "source": "file", "options": ["bind"]}]'
	expect_refusal "in the container's rootfs: Too many levels of symbolic links"
	assert_host_untouched
	[ "$(readlink "$ROOTFS/evil")" = /b/../evil ]
}
