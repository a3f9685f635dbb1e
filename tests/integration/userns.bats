#!/usr/bin/env bats
# User and time namespaces: the container's ids mapped onto a range of the
# host's, its devices bound from the host, its clocks offset.

load ../lib/helpers

# userns_bundle (helpers.bash) maps container ids 0.. onto host ids 100000..
HOST_BASE=100000
MAPS=$USERNS_MAPS

setup() {
	common_setup
	cd "$BUNDLE"
}
teardown() { common_teardown; }

# host_uid PID: the owner of a host process, as the host sees it.
host_uid() { awk '/^Uid:/ {print $2}' "/proc/$1/status"; }

@test "a user namespace maps the config's ids; the container's root is a host id of the range" {
	userns_bundle
	set_cmd 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; readlink /proc/self/ns/user; sleep 30'
	runac run -d "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1
	wait_for_state "$CID" running
	pid=$(runac state "$CID" | jq .pid)
	[ "$(host_uid "$pid")" = "$HOST_BASE" ]
	sleep 0.2
	run cat "$BATS_TEST_TMPDIR/out"
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
	[ "$(echo ${lines[2]})" = "0 $HOST_BASE 65536" ]
	[ "$(echo ${lines[3]})" = "0 $HOST_BASE 65536" ]
	[ "${lines[4]}" != "$(readlink /proc/self/ns/user)" ]
	runac delete -f "$CID"
}

@test "the process user is mapped: uid 1000 inside is host uid 101000" {
	userns_bundle
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	set_cmd 'id -u; sleep 30'
	runac run -d "$CID" >/dev/null 2>&1
	wait_for_state "$CID" running
	pid=$(runac state "$CID" | jq .pid)
	[ "$(host_uid "$pid")" = $((HOST_BASE + 1000)) ]
	runac delete -f "$CID"
}

@test "mounts, read-only root and masked paths work inside a user namespace" {
	userns_bundle
	update_config '.linux.maskedPaths += ["/etc/hostname"]'
	set_cmd 'touch /x 2>&1; echo rc=$?; wc -c </etc/hostname; echo 1 >/proc/sys/kernel/ns_last_pid 2>&1;
		grep -E " / | /proc | /sys | /dev/pts " /proc/self/mountinfo | cut -d" " -f5,6'
	run runac run "$CID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"Read-only file system"*"rc=1"* ]]
	[[ "${lines[2]}" == 0 ]] || { echo "$output"; false; }
	[[ "$output" == *"/proc/sys/kernel/ns_last_pid: Read-only file system"* ]]
	[[ "$output" == *"/ ro,"* ]]
	[[ "$output" == *"/proc rw,"* ]]
	[[ "$output" == *"/sys ro,nosuid,nodev,noexec"* ]]
	[[ "$output" == *"/dev/pts rw,nosuid,noexec"* ]]
}

@test "in a user namespace devices are the host's nodes, bound; the host's are not chowned or chmodded" {
	userns_bundle
	update_config '.linux.devices = [{"path": "/dev/full", "type": "c", "major": 1, "minor": 7,
		"fileMode": 384, "uid": 5, "gid": 5}]'
	# /dev/null in the image points at a host file: the bind lands inside the rootfs.
	canary=$BATS_TEST_TMPDIR/canary
	echo keep >"$canary" && chmod 640 "$canary"
	update_config '.mounts |= map(select(.destination != "/dev"))'
	rm -rf rootfs/dev && mkdir rootfs/dev && ln -s "$canary" rootfs/dev/null && chown -h "$HOST_BASE:$HOST_BASE" rootfs/dev rootfs/dev/null
	before=$(stat -c '%a %u %g %t:%T' /dev/full /dev/null)
	set_cmd 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T" /dev/$d; done'
	run runac run "$CID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"/dev/null character special file 1:3"* ]]
	[[ "$output" == *"/dev/zero character special file 1:5"* ]]
	[[ "$output" == *"/dev/full character special file 1:7"* ]]
	[[ "$output" == *"/dev/tty character special file 5:0"* ]]
	[ "$(stat -c '%a %u %g %t:%T' /dev/full /dev/null)" = "$before" ]
	[ "$(cat "$canary")" = keep ]
	[ "$(stat -c '%a %u %F' "$canary")" = "640 0 regular file" ]
}

@test "a sysfs of a network namespace the container does not own is the host's, bound read-only" {
	userns_bundle
	local ns=$BATS_TEST_TMPDIR/netns
	touch "$ns" && unshare --net="$ns" true
	update_config ".linux.namespaces |= map(if .type == \"network\" then .path = \"$ns\" else . end)"
	set_cmd 'readlink /proc/self/ns/net; awk "\$5 == \"/sys\" {print \$6}" /proc/self/mountinfo; id -u'
	run runac run "$CID"
	want=$(nsenter --net="$ns" readlink /proc/self/ns/net)
	umount "$ns"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${lines[0]}" = "$want" ]
	[[ "${lines[1]}" == ro,* ]]
	[ "${lines[2]}" = 0 ] || { echo "$output"; false; }
}

@test "exec joins the user namespace as the container's root, or as the user asked" {
	userns_bundle
	set_cmd 'sleep 30'
	runac run -d "$CID"
	wait_for_state "$CID" running
	pid=$(runac state "$CID" | jq .pid)
	run runac exec "$CID" sh -c 'id -u; readlink /proc/self/ns/user; cat /proc/self/uid_map'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = "$(readlink /proc/$pid/ns/user)" ]
	[ "$(echo ${lines[2]})" = "0 $HOST_BASE 65536" ]
	run runac exec --user 1000:1000 "$CID" id -u
	[ "$output" = 1000 ]
	runac delete -f "$CID"
}

@test "a user namespace given by path is joined, and the new namespaces belong to it" {
	userns_bundle
	set_cmd 'sleep 30'
	runac run -d "$CID-a"
	wait_for_state "$CID-a" running
	pid=$(runac state "$CID-a" | jq .pid)
	update_config ".linux.namespaces |= map(if .type == \"user\" then .path = \"/proc/$pid/ns/user\" else . end) |
		del(.linux.uidMappings, .linux.gidMappings)"
	# Mounting a proc and a sysfs and setting the hostname need the new
	# namespaces to be owned by the joined user namespace.
	set_cmd 'readlink /proc/self/ns/user; id -u; hostname; cat /proc/self/uid_map'
	want=$(readlink /proc/$pid/ns/user)
	run runac run "$CID-b"
	runac delete -f "$CID-a"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${lines[0]}" = "$want" ]
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = runc ]
	[ "$(echo ${lines[3]})" = "0 $HOST_BASE 65536" ]
}

@test "mappings without a user namespace, or without root mapped, are refused naming the field" {
	update_config ".linux.uidMappings = $MAPS"
	run runac create "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.uidMappings: mappings need a user namespace"* ]]
	userns_bundle
	update_config '.linux.gidMappings = [{"containerID": 1, "hostID": 100000, "size": 10}]'
	run runac create "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.gidMappings: a new user namespace needs gid 0 mapped"* ]]
	update_config '.linux.gidMappings[0].size = 0'
	run runac create "$CID"
	[[ "$output" == *"linux.gidMappings[0].size: must be at least 1"* ]]
	[ ! -e "$RUNAC_ROOT/$CID" ]
}

@test "mappings the kernel refuses fail create naming the field, leaving nothing" {
	userns_bundle
	# Two ranges overlapping inside the container.
	update_config '.linux.uidMappings += [{"containerID": 10, "hostID": 300000, "size": 5}]'
	run runac create "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.uidMappings: write /proc/"*"/uid_map: Invalid argument"* ]]
	[ ! -e "$RUNAC_ROOT/$CID" ]
}

@test "a time namespace shows the config's offsets to the init and to exec'd processes" {
	update_config '.linux.namespaces += [{"type": "time"}] |
		.linux.timeOffsets = {"monotonic": {"secs": 86400, "nanosecs": 5}, "boottime": {"secs": 172800}}'
	set_cmd 'cat /proc/self/timens_offsets; cut -d. -f1 /proc/uptime; readlink /proc/self/ns/time; sleep 30'
	runac run -d "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1
	wait_for_state "$CID" running
	host_uptime=$(cut -d. -f1 /proc/uptime)
	run runac exec "$CID" sh -c 'cat /proc/self/timens_offsets; readlink /proc/self/ns/time'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(echo ${lines[0]})" = "monotonic 86400 5" ]
	[ "$(echo ${lines[1]})" = "boottime 172800 0" ]
	exec_ns=${lines[2]}
	sleep 0.2
	run cat "$BATS_TEST_TMPDIR/out"
	[ "$(echo ${lines[0]})" = "monotonic 86400 5" ]
	[ "$(echo ${lines[1]})" = "boottime 172800 0" ]
	# /proc/uptime counts boottime: two days ahead of the host's.
	[ "${lines[2]}" -ge $((host_uptime + 172800 - 5)) ]
	[ "${lines[3]}" = "$exec_ns" ]
	[ "${lines[3]}" != "$(readlink /proc/self/ns/time)" ]
	runac delete -f "$CID"
}

@test "a time namespace works inside a user namespace" {
	userns_bundle
	update_config '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"boottime": {"secs": 1000}}'
	set_cmd 'id -u; grep boottime /proc/self/timens_offsets'
	run runac run "$CID"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${lines[0]}" = 0 ]
	[ "$(echo ${lines[1]})" = "boottime 1000 0" ]
}

@test "time offsets without a new time namespace are refused naming linux.timeOffsets" {
	update_config '.linux.timeOffsets = {"monotonic": {"secs": 1}}'
	run runac create "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.timeOffsets: offsets need a new time namespace"* ]]
	update_config '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"realtime": {"secs": 1}}'
	run runac create "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.timeOffsets.realtime: unknown clock"* ]]
	[ ! -e "$RUNAC_ROOT/$CID" ]
}

@test "a bundle only the host's root can reach works, relative sources found from it (Docker's task directories)" {
	userns_bundle
	# As Docker lays it out: the bundle's parent closed to the container's
	# root, the bundle open to its group, the rootfs elsewhere.
	mv "$BUNDLE/rootfs" "$BATS_TEST_TMPDIR/rootfs-elsewhere"
	mkdir -p "$BUNDLE/data" && echo from-the-bundle >"$BUNDLE/data/f"
	update_config ".root.path = \"$BATS_TEST_TMPDIR/rootfs-elsewhere\" |
		.mounts += [{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"data\", \"options\": [\"rbind\", \"ro\"]}]"
	mkdir "$BATS_TEST_TMPDIR/closed" && mv "$BUNDLE" "$BATS_TEST_TMPDIR/closed/bundle"
	local bundle=$BATS_TEST_TMPDIR/closed/bundle
	chmod 700 "$BATS_TEST_TMPDIR/closed"
	chgrp "$HOST_BASE" "$bundle" && chmod 710 "$bundle"
	set_cmd 'id -u; cat /data/f' "$bundle"
	run runac run --bundle "$bundle" "$CID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = from-the-bundle ]
}
