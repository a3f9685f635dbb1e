#!/usr/bin/env bats
# Recursive mount attributes ("rro", "rnosuid", ... through mount_setattr)
# and idmapped mounts (a bind whose owners are seen through id mappings).

load ../lib/helpers

setup() {
	common_setup
	cd "$BUNDLE"
	# A host directory with a submount, owned by two different users.
	SRC=$BATS_TEST_TMPDIR/src
	mkdir -p "$SRC/sub" && echo data >"$SRC/file" && ln -s file "$SRC/link"
	chown 5:6 "$SRC/sub"
}
teardown() {
	umount "$SRC/sub" 2>/dev/null || true
	common_teardown
}

with_submount() {
	mount -t tmpfs -o mode=755 tmpfs "$SRC/sub" && echo sub >"$SRC/sub/in-sub"
}

# bind_src DEST OPTIONS_JSON: a bind of $SRC at DEST.
bind_src() {
	update_config ".mounts += [{\"destination\": \"$1\", \"type\": \"bind\", \"source\": \"$SRC\", \"options\": $2}]"
}

@test "rro makes every mount of a bind tree read-only, where ro leaves the submounts writable" {
	with_submount
	bind_src /ro '["rbind", "ro"]'
	bind_src /rro '["rbind", "rro"]'
	set_cmd 'for d in /ro /ro/sub /rro /rro/sub; do
		echo "$d $(awk -v p=$d "\$5 == p {print \$6}" /proc/self/mountinfo | cut -d, -f1)"; done
		touch /ro/sub/x && echo ro-sub-writable; touch /rro/sub/y 2>&1'
	run runac run "$CID"
	[[ "$output" == *"/ro ro"* ]]
	[[ "$output" == *"/ro/sub rw"* ]]
	[[ "$output" == *"/rro ro"* ]]
	[[ "$output" == *"/rro/sub ro"* ]]
	[[ "$output" == *ro-sub-writable* ]]
	[[ "$output" == *"/rro/sub/y: Read-only file system"* ]]
	[ ! -e "$SRC/sub/y" ]
}

@test "rnosuid, rnodev, rnoexec and rnosymfollow reach the submounts; rrw clears a read-only tree" {
	with_submount
	bind_src /t '["rbind", "rnosuid", "rnodev", "rnoexec", "rnosymfollow"]'
	bind_src /w '["rbind", "ro", "rrw"]'
	set_cmd 'awk "\$5 == \"/t/sub\" || \$5 == \"/w/sub\" || \$5 == \"/w\" {print \$5, \$6}" /proc/self/mountinfo; cat /t/link 2>&1'
	run runac run "$CID"
	[[ "$output" == *"/t/sub rw,nosuid,nodev,noexec,"*"nosymfollow"* ]]
	[[ "$output" == *"/w rw,"* ]]
	[[ "$output" == *"/t/link': Too many levels of symbolic links"* ]] || { echo "$output"; false; }
}

@test "nosymfollow on a bind refuses to follow its symlinks" {
	bind_src /n '["bind", "nosymfollow"]'
	bind_src /y '["bind"]'
	set_cmd 'cat /y/link; cat /n/link 2>&1'
	run runac run "$CID"
	[ "${lines[0]}" = data ]
	[[ "${lines[1]}" == *"Too many levels of symbolic links"* ]]
}

@test "an idmapped bind shows the source's owners through the mount's mappings" {
	maps='"uidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}], "gidMappings": [{"containerID": 0, "hostID": 2000, "size": 10}]'
	update_config ".mounts += [{\"destination\": \"/i\", \"type\": \"bind\", \"source\": \"$SRC\", \"options\": [\"bind\", \"idmap\"], $maps}]"
	set_cmd 'stat -c "%n %u:%g" /i/file /i/sub; awk "\$5 == \"/i\" {print \$6}" /proc/self/mountinfo'
	run runac run "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/i/file 1000:2000" ]
	[ "${lines[1]}" = "/i/sub 1005:2006" ]
	[[ "${lines[2]}" == *idmapped* ]]
	# The host's view is unchanged.
	[ "$(stat -c %u:%g "$SRC/file" "$SRC/sub" | xargs)" = "0:0 5:6" ]
}

@test "ridmap maps the submounts too, idmap only the top" {
	with_submount
	maps='"uidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}], "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}]'
	update_config ".mounts += [{\"destination\": \"/top\", \"type\": \"bind\", \"source\": \"$SRC\", \"options\": [\"rbind\", \"idmap\"], $maps},
		{\"destination\": \"/all\", \"type\": \"bind\", \"source\": \"$SRC\", \"options\": [\"rbind\", \"ridmap\"], $maps}]"
	set_cmd 'stat -c "%n %u" /top/file /top/sub/in-sub /all/file /all/sub/in-sub'
	run runac run "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/top/file 1000" ]
	[ "${lines[1]}" = "/top/sub/in-sub 0" ]
	[ "${lines[2]}" = "/all/file 1000" ]
	[ "${lines[3]}" = "/all/sub/in-sub 1000" ]
}

@test "idmap without mappings takes the user namespace's: the host root's files are the container root's" {
	userns_bundle
	bind_src /plain '["bind"]'
	bind_src /mapped '["bind", "idmap"]'
	set_cmd 'stat -c "%n %u" /plain/file /mapped/file; touch /plain/new 2>&1; touch /mapped/new && echo written'
	run runac run "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/plain/file 65534" ]
	[ "${lines[1]}" = "/mapped/file 0" ]
	[[ "${lines[2]}" == *"/plain/new: Permission denied"* ]]
	[ "${lines[3]}" = written ]
	# Written by the container's root, stored as the host's root.
	[ "$(stat -c %u "$SRC/new")" = 0 ]
}

@test "idmapped mounts that cannot be are refused naming the mount, leaving nothing" {
	maps='"uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}], "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]'
	update_config ".mounts += [{\"destination\": \"/t\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"idmap\"], $maps}]"
	run runac create "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"mounts[7].options: idmapped mounts are bind mounts"* ]]
	setup_bundle
	update_config '.mounts += [{"destination": "/p", "type": "bind", "source": "/proc", "options": ["rbind", "idmap"]}]'
	run runac create "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"mounts[7].uidMappings: idmap needs the mount's mappings or a user namespace's"* ]]
	# procfs cannot be idmapped.
	update_config ".mounts[7] += {$maps}"
	run runac create "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"mounts[7].uidMappings: idmap /proc: Invalid argument"* ]]
	update_config '.mounts[7].gidMappings = []'
	run runac create "$CID"
	[[ "$output" == *"mounts[7]: an idmapped mount needs both uidMappings and gidMappings"* ]]
	[ ! -e "$RUNAC_ROOT/$CID" ]
}

@test "a read-only path keeps the nosuid, nodev and noexec of the mount it is on" {
	update_config '(.mounts[] | select(.destination == "/proc") | .options) = ["nosuid", "noexec", "nodev"] |
		.linux.readonlyPaths = ["/proc/sys", "/proc/bus"]'
	set_cmd 'awk "\$5 == \"/proc/sys\" || \$5 == \"/proc/bus\" {print \$5, \$6}" /proc/self/mountinfo'
	run runac run "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/proc/sys ro,nosuid,nodev,noexec,relatime" ]
	[ "${lines[1]}" = "/proc/bus ro,nosuid,nodev,noexec,relatime" ]
}

@test "an overlay mount shows the lower layer and writes into the upper one, relative paths from the bundle" {
	mkdir -p "$BUNDLE/lower" "$BUNDLE/upper" "$BUNDLE/work" && echo from-lower >"$BUNDLE/lower/l"
	update_config '.mounts += [{"destination": "/ov", "type": "overlay", "source": "overlay",
		"options": ["lowerdir=lower", "upperdir=upper", "workdir=work", "nodev"]}]'
	set_cmd 'cat /ov/l; echo new >/ov/u; awk "\$5 == \"/ov\" {print \$6, \$9}" /proc/self/mountinfo'
	run runac run "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = from-lower ]
	[[ "${lines[1]}" == "rw,nodev,"*" overlay" ]]
	[ "$(cat "$BUNDLE/upper/u")" = new ]
	[ ! -e "$BUNDLE/lower/u" ]
}
