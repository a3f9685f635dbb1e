# User and time namespaces on a pure cgroup v2 host, kernel 6.1.

# userns_setup: the bundle gets container ids 0..65535 on host ids
# 100000..; the container's root must own the rootfs and reach the bundle.
userns_setup() {
	setup_bundle
	chown -R 100000:100000 "$BUNDLE/rootfs"
	_d=$BUNDLE
	while [ "$_d" != / ]; do
		chmod o+x "$_d"
		_d=$(dirname "$_d")
	done
	_maps='[{"containerID": 0, "hostID": 100000, "size": 65536}]'
	update_config ".linux.namespaces += [{\"type\": \"user\"}] | .linux.uidMappings = $_maps | .linux.gidMappings = $_maps"
}

# With its own user and cgroup namespaces and a writable cgroup mount, the
# container's root is given its cgroup (kernel delegation) and can make
# sub-cgroups, as under runc.
test_userns_writable_cgroup_is_delegated() {
	userns_setup
	update_config '(.mounts[] | select(.type == "cgroup") | .options) |= map(select(. != "ro"))'
	set_cmd 'id -u; cat /proc/self/cgroup; stat -c %u /sys/fs/cgroup /sys/fs/cgroup/cgroup.procs
		mkdir /sys/fs/cgroup/sub && echo $$ >/sys/fs/cgroup/sub/cgroup.procs && cat /proc/self/cgroup; sleep 1000'
	runac run -d "$CID" >"$TEST_TMP/out" 2>&1
	wait_for_state "$CID" running
	sleep 0.3
	expect_eq "$(sed -n 1p "$TEST_TMP/out")" 0 "uid inside"
	expect_eq "$(sed -n 2p "$TEST_TMP/out")" "0::/" "cgroup inside"
	expect_eq "$(sed -n 3,4p "$TEST_TMP/out" | xargs)" "0 0" "owner of the cgroup and its cgroup.procs inside"
	expect_eq "$(sed -n 5p "$TEST_TMP/out")" "0::/sub" "cgroup after moving into a sub-cgroup"
	expect_eq "$(stat -c %u "/sys/fs/cgroup/$CID")" 100000 "owner of the cgroup on the host"
	expect_eq "$(stat -c %u "/sys/fs/cgroup/$CID/memory.max")" 0 "owner of a limit file on the host"
	runac delete --force "$CID"
	[ ! -e "/sys/fs/cgroup/$CID" ] || fail "delete --force left /sys/fs/cgroup/$CID"
}

# runc's default read-only cgroup mount: nothing is delegated.
test_userns_readonly_cgroup_is_not_delegated() {
	userns_setup
	set_cmd 'stat -c %u /sys/fs/cgroup; grep -c " /sys/fs/cgroup .* cgroup2 " /proc/self/mountinfo'
	runac run "$CID" >"$TEST_TMP/out"
	expect_eq "$(sed -n 1p "$TEST_TMP/out")" 65534 "owner of /sys/fs/cgroup inside"
	expect_eq "$(sed -n 2p "$TEST_TMP/out")" 1 "a cgroup2 mount in the container's namespaces"
}

# The offsets apply to the init and to exec'd processes.
test_time_namespace_offsets_in_a_user_namespace() {
	userns_setup
	update_config '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"boottime": {"secs": 86400}}'
	set_cmd 'sleep 1000'
	runac run -d "$CID"
	wait_for_state "$CID" running
	host=$(cut -d. -f1 /proc/uptime)
	inside=$(runac exec "$CID" sh -c 'cut -d. -f1 /proc/uptime')
	[ "$inside" -ge $((host + 86400 - 5)) ] || fail "uptime inside $inside, host $host: no boottime offset"
	expect_eq "$(runac exec "$CID" sh -c 'grep boottime /proc/self/timens_offsets' | xargs)" "boottime 86400 0" "offsets"
	runac delete --force "$CID"
}

# Raising a hard limit and lowering the OOM score need the host's
# CAP_SYS_RESOURCE (which the host tier's sandbox lacks): runac sets both
# from outside, before the process takes a step, as runc.
test_userns_limits_are_set_from_outside() {
	userns_setup
	nice_hard=$(ulimit -He)
	want=$((nice_hard + 5))
	adj=$(($(cat /proc/self/oom_score_adj) - 100))
	update_config ".process.rlimits += [{\"type\": \"RLIMIT_NICE\", \"soft\": $want, \"hard\": $want}] | .process.oomScoreAdj = $adj"
	set_cmd 'ulimit -He; cat /proc/self/oom_score_adj; sleep 1000'
	runac run -d "$CID" >"$TEST_TMP/out" 2>&1
	wait_for_state "$CID" running
	sleep 0.2
	expect_eq "$(sed -n 1p "$TEST_TMP/out")" "$want" "RLIMIT_NICE hard limit of the init"
	expect_eq "$(sed -n 2p "$TEST_TMP/out")" "$adj" "oom_score_adj of the init"
	echo '{"args": ["sh", "-c", "ulimit -He; cat /proc/self/oom_score_adj"], "cwd": "/", "oomScoreAdj": '"$((adj - 1))"',
		"rlimits": [{"type": "RLIMIT_NICE", "soft": '"$((want + 1))"', "hard": '"$((want + 1))"'}]}' >"$TEST_TMP/p.json"
	expect_eq "$(runac exec --process "$TEST_TMP/p.json" "$CID" | xargs)" "$((want + 1)) $((adj - 1))" "an exec'd process's limits"
	runac delete --force "$CID"
}
