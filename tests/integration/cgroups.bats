#!/usr/bin/env bats
# cgroup limits on this host's hybrid layout (v1 controllers): each limit is
# shown biting inside the container, not only written to a file; and the
# commands engines drive on them: pause/resume, ps, update, events, kill
# --all, delete. Pure cgroup v2 runs the same behaviours in the VM tier
# (tests/vm/tests/resources.sh).

load ../lib/helpers

setup() {
	common_setup
	update_config '.root.readonly = false'
}
teardown() { common_teardown; }

# cg_file CONTROLLER FILE: FILE in the v1 CONTROLLER directory of $CID's init.
cg_file() {
	local pid rel
	pid=$(runac state "$CID" | jq -r .pid)
	rel=$(awk -F: -v c="$1" '$2 == c { print $3 }' "/proc/$pid/cgroup")
	echo "/sys/fs/cgroup/$1$rel/$2"
}

# try ARGS...: `run` runac with its log in a file: stderr then carries the
# bare error line (logrus-style text only goes to a terminal or no --log).
try() {
	run "$RUNAC" --root "$RUNAC_ROOT" --log "$BATS_TEST_TMPDIR/log.json" --log-format json "$@"
}

# cpu_ticks PID: utime + stime of PID, in clock ticks.
cpu_ticks() {
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

@test "memory limit: a process past it is OOM-killed and events reports the OOM" {
	update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
	set_cmd 'sleep 0.5; dd if=/dev/zero of=/dev/null bs=64M count=1; echo "dd exit $?" > /tmp/dd; sleep 100'
	runac create "$CID"
	[ "$(cat "$(cg_file memory memory.limit_in_bytes)")" = 33554432 ]
	"$RUNAC" --root "$RUNAC_ROOT" events --interval 10s "$CID" >"$BATS_TEST_TMPDIR/events" 2>&1 3>&- &
	events_pid=$!
	runac start "$CID"
	wait_in_rootfs tmp/dd
	[ "$(cat "$BUNDLE/rootfs/tmp/dd")" = "dd exit 137" ]
	for _ in $(seq 50); do grep -q '"type":"oom"' "$BATS_TEST_TMPDIR/events" && break; sleep 0.1; done
	runac delete --force "$CID"
	wait "$events_pid"
	grep -qx "{\"type\":\"oom\",\"id\":\"$CID\"}" "$BATS_TEST_TMPDIR/events"
	# The first line is a stats event, with the limit that bit.
	[ "$(head -n1 "$BATS_TEST_TMPDIR/events" | jq -r .data.memory.usage.limit)" = 33554432 ]
}

@test "pids limit: fork is refused past it" {
	update_config '.linux.resources.pids = {"limit": 5}'
	# A failed fork ends the shell that tried it: fork from a child shell.
	set_cmd 'sh -c "for i in 1 2 3 4 5 6 7 8; do sleep 100 & done" 2>/tmp/err; echo "rc=$?" >/tmp/out; sleep 100'
	runac create "$CID"
	runac start "$CID"
	wait_in_rootfs tmp/out
	grep -q "Resource temporarily unavailable" "$BUNDLE/rootfs/tmp/err"
	[ "$(cat "$(cg_file pids pids.current)")" -le 5 ]
	[ "$(cat "$(cg_file pids pids.max)")" = 5 ]
	runac delete --force "$CID"
}

@test "cpu quota: a busy loop gets a fraction of the CPU an unlimited one gets" {
	set_cmd 'while :; do :; done'
	update_config '.linux.resources.cpu = {"quota": 10000, "period": 100000}'
	runac create "$CID"
	runac start "$CID"
	limited_pid=$(runac state "$CID" | jq -r .pid)
	update_config 'del(.linux.resources.cpu)'
	runac create "$CID-free"
	runac start "$CID-free"
	free_pid=$(runac state "$CID-free" | jq -r .pid)
	sleep 2
	limited=$(cpu_ticks "$limited_pid") free=$(cpu_ticks "$free_pid")
	runac delete --force "$CID"
	runac delete --force "$CID-free"
	echo "# cpu ticks in 2 s: quota 10%: $limited, unlimited: $free" >&3
	# 10% of a CPU is ~20 ticks in 2 s; unlimited shares 2 CPUs with the host.
	[ "$limited" -le 40 ]
	[ "$free" -ge $((limited * 3)) ]
}

@test "cpu shares, cpuset and memory reservation land in their v1 files" {
	update_config '.linux.resources.cpu = {"shares": 512, "cpus": "0", "mems": "0"} | .linux.resources.memory = {"reservation": 16777216}'
	set_cmd 'cat /proc/self/status >/tmp/status; sleep 100'
	runac create "$CID"
	runac start "$CID"
	wait_in_rootfs tmp/status
	[ "$(cat "$(cg_file cpu cpu.shares)")" = 512 ]
	[ "$(cat "$(cg_file memory memory.soft_limit_in_bytes)")" = 16777216 ]
	# The kernel's word from inside: the process may run on CPU 0 only.
	grep -q '^Cpus_allowed_list:[[:space:]]*0$' "$BUNDLE/rootfs/tmp/status"
	runac delete --force "$CID"
}

@test "device rule: a config rule denying writes to /dev/null is enforced" {
	update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
		{"allow": false, "type": "c", "major": 1, "minor": 3, "access": "w"}]'
	set_cmd 'cat /dev/null && echo read-ok; echo x >/dev/null && echo write-ok; echo x >/dev/zero && echo zero-ok'
	run runac run "$CID"
	echo "$output"
	[[ "$output" == *read-ok* ]]
	[[ "$output" == *"/dev/null: Operation not permitted"* ]]
	[[ "$output" != *write-ok* ]]
	[[ "$output" == *zero-ok* ]]
}

@test "device rule: the default deny-all refuses a device outside the allowed list" {
	# The host's /dev/kmsg (c 1:11), bound in, is not in the default list.
	update_config '.mounts += [{"destination": "/dev/kmsg", "type": "bind", "source": "/dev/kmsg", "options": ["bind"]}]'
	set_cmd 'dd if=/dev/kmsg of=/dev/null count=0 && echo open-ok; dd if=/dev/zero of=/dev/null count=1 && echo zero-ok'
	run runac run "$CID"
	echo "$output"
	[[ "$output" == *"can't open '/dev/kmsg': Operation not permitted"* ]]
	[[ "$output" != *open-ok* ]]
	[[ "$output" == *zero-ok* ]]
}

@test "pause freezes the container's processes and resume restarts them" {
	# The counter is replaced by rename, so a read never sees it half written.
	set_cmd 'i=0; while :; do i=$((i+1)); echo $i >/tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.05; done'
	runac create "$CID"
	runac start "$CID"
	wait_in_rootfs tmp/count
	runac pause "$CID"
	[ "$(runac state "$CID" | jq -r .status)" = paused ]
	[ "$(cat "$(cg_file freezer freezer.state)")" = FROZEN ]
	before=$(cat "$BUNDLE/rootfs/tmp/count")
	sleep 0.5
	[ "$(cat "$BUNDLE/rootfs/tmp/count")" = "$before" ]
	runac resume "$CID"
	[ "$(runac state "$CID" | jq -r .status)" = running ]
	sleep 0.5
	[ "$(cat "$BUNDLE/rootfs/tmp/count")" -gt "$before" ]
	runac delete --force "$CID"
}

@test "delete --force of a paused container thaws and kills it at once" {
	set_cmd 'sleep 100 & sleep 100'
	runac create "$CID"
	runac start "$CID"
	runac pause "$CID"
	pid=$(runac state "$CID" | jq -r .pid)
	start=$SECONDS
	runac delete --force "$CID"
	((SECONDS - start < 3))
	[ ! -d "/proc/$pid" ] || grep -q '^State:.*Z' "/proc/$pid/status"
	run ! runac state "$CID"
	[[ "$output" == *"container does not exist"* ]]
}

@test "exec --ignore-paused into a paused container waits for resume, and does not hold resume up" {
	set_cmd 'sleep 100'
	runac create "$CID"
	runac start "$CID"
	runac pause "$CID"
	timeout 20 "$RUNAC" --root "$RUNAC_ROOT" exec --ignore-paused "$CID" sh -c 'echo ran >/tmp/exec-ran' &
	local exec_pid=$!
	sleep 0.5
	# Frozen with the container: nothing has run yet.
	[ ! -e "$BUNDLE/rootfs/tmp/exec-ran" ]
	timeout 10 "$RUNAC" --root "$RUNAC_ROOT" resume "$CID"
	wait "$exec_pid"
	[ "$(cat "$BUNDLE/rootfs/tmp/exec-ran")" = ran ]
	runac delete --force "$CID"
}

@test "create into a cgroup someone froze is refused with runc's words, and leaves it as it was" {
	local rel=$CID-frozen dir
	update_config ".linux.cgroupsPath = \"/$rel\""
	if [[ -d /sys/fs/cgroup/freezer ]]; then
		dir=/sys/fs/cgroup/freezer/$rel && mkdir "$dir" && echo FROZEN >"$dir/freezer.state"
	else
		dir=/sys/fs/cgroup/$rel && mkdir "$dir" && echo 1 >"$dir/cgroup.freeze"
	fi
	run timeout 10 "$RUNAC" --root "$RUNAC_ROOT" create "$CID"
	local others
	others=$(find /sys/fs/cgroup -maxdepth 2 -name "$rel" ! -path "$dir" | wc -l)
	echo THAWED >"$dir/freezer.state" 2>/dev/null || echo 0 >"$dir/cgroup.freeze"
	rmdir "$dir"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"container's cgroup unexpectedly frozen"* ]]
	[ "$others" -eq 0 ]
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

# cgroup_with_a_process REL: the config's cgroupsPath is /REL, a directory
# that already exists (in the pids hierarchy, or the v2 one) and holds a
# sleep of the test's own: sets dir and sleeper.
cgroup_with_a_process() {
	update_config ".linux.cgroupsPath = \"/$1\""
	[[ -d /sys/fs/cgroup/pids ]] && dir=/sys/fs/cgroup/pids/$1 || dir=/sys/fs/cgroup/$1
	mkdir "$dir"
	sleep 100 &
	sleeper=$!
	echo "$sleeper" >"$dir/cgroup.procs"
}

@test "create into a cgroup that already holds processes warns with runc's words" {
	local dir sleeper
	cgroup_with_a_process "$CID-busy"
	local rc=0
	runac create "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1 || rc=$?
	kill "$sleeper"; wait "$sleeper" 2>/dev/null || true
	runac delete --force "$CID" || true
	rmdir "$dir" 2>/dev/null || true
	cat "$BATS_TEST_TMPDIR/out"
	[ "$rc" -eq 0 ]
	grep -q "container's cgroup is not empty: 1 process(es) found" "$BATS_TEST_TMPDIR/out"
}

@test "a failed create in a cgroup that already holds processes leaves those processes alone" {
	local dir sleeper
	cgroup_with_a_process "$CID-shared"
	update_config '.hooks.prestart = [{"path": "/bin/false"}]'
	local rc=0
	runac create "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1 || rc=$?
	local alive=0
	kill -0 "$sleeper" 2>/dev/null && alive=1
	kill "$sleeper" 2>/dev/null; wait "$sleeper" 2>/dev/null || true
	rmdir "$dir"
	cat "$BATS_TEST_TMPDIR/out"
	[ "$rc" -ne 0 ]
	grep -q "hooks.prestart\[0\]: error running hook /bin/false" "$BATS_TEST_TMPDIR/out"
	[ "$alive" -eq 1 ]
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

@test "pause and resume refuse a container in the wrong state with runc's words" {
	set_cmd 'sleep 100'
	runac create "$CID"
	runac start "$CID"
	try resume "$CID"
	[ "$status" -eq 1 ]
	[ "$output" = "container not paused" ]
	runac pause "$CID"
	try pause "$CID"
	[ "$status" -eq 1 ]
	[ "$output" = "container not running" ]
	runac resume "$CID"
	runac kill "$CID" KILL
	wait_for_state "$CID" stopped
	try pause "$CID"
	[ "$status" -eq 1 ]
	[ "$output" = "container not running" ]
	try pause nosuch
	[ "$status" -eq 1 ]
	[ "$output" = "container does not exist" ]
	runac delete "$CID"
}

@test "ps lists the container's processes as a ps table and as JSON pids" {
	set_cmd 'sleep 101 & sleep 102'
	runac create "$CID"
	runac start "$CID"
	pid=$(runac state "$CID" | jq -r .pid)
	for _ in $(seq 50); do [ "$(runac ps --format json "$CID" | jq length)" = 2 ] && break; sleep 0.05; done
	run runac ps --format json "$CID"
	[ "$(jq -r 'sort | map(tostring) | join(" ")' <<<"$output")" = "$(cat "$(cg_file pids cgroup.procs)" | sort | tr '\n' ' ' | sed 's/ $//')" ]
	[[ " $(jq -r 'map(tostring) | join(" ")' <<<"$output") " == *" $pid "* ]]
	run runac ps "$CID"
	[[ "${lines[0]}" =~ ^UID\ +PID\ +PPID ]]
	[ "${#lines[@]}" -eq 3 ]
	[[ "$output" == *"sleep 101"* && "$output" == *"sleep 102"* ]]
	run runac ps "$CID" -o pid,comm
	[[ "${lines[0]}" =~ PID\ +COMMAND ]]
	[[ "${lines[1]}" =~ ^\ *[0-9]+\ sleep$ ]]
	try ps --format xml "$CID"
	[ "$status" -eq 1 ]
	[ "$output" = "invalid format option" ]
	runac delete --force "$CID"
	try ps nosuch
	[ "$output" = "container does not exist" ]
}

@test "kill --all signals every process of the container" {
	set_cmd 'for i in 1 2 3; do sh -c "trap \"echo \$\$ >>/tmp/got\" TERM; while :; do sleep 0.05; done" & done
		trap "echo init >>/tmp/got" TERM; echo ready >/tmp/ready; while :; do sleep 0.05; done'
	runac create "$CID"
	runac start "$CID"
	wait_in_rootfs tmp/ready
	sleep 0.2
	runac kill --all "$CID" TERM
	for _ in $(seq 50); do [ "$(wc -l <"$BUNDLE/rootfs/tmp/got")" -ge 4 ] && break; sleep 0.05; done
	[ "$(wc -l <"$BUNDLE/rootfs/tmp/got")" -eq 4 ]
	grep -qx init "$BUNDLE/rootfs/tmp/got"
	runac delete --force "$CID"
}

@test "delete of a stopped container kills what is left in its cgroup" {
	# Without a pid namespace, the init's exit leaves its children running.
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	set_cmd 'sleep 1000 </dev/null >/dev/null 2>&1 & echo $! >/tmp/child'
	runac create "$CID"
	procs=$(cg_file pids cgroup.procs)
	runac start "$CID"
	wait_for_state "$CID" stopped
	[ -n "$(cat "$procs")" ]
	runac delete "$CID"
	[ ! -e "$procs" ]
}

@test "update changes a running container's limits: pids lowered, then fork refused" {
	update_config '.linux.resources.pids = {"limit": 50}'
	set_cmd 'while [ ! -e /tmp/go ]; do sleep 0.05; done; sh -c "for i in 1 2 3 4 5 6; do sleep 100 & done" 2>/tmp/err; echo done >/tmp/out; sleep 100'
	runac create "$CID"
	runac start "$CID"
	runac update --pids-limit 3 --memory 64m --memory-swap 128m --cpu-share 256 --cpu-quota 50000 --cpu-period 100000 "$CID"
	[ "$(cat "$(cg_file pids pids.max)")" = 3 ]
	[ "$(cat "$(cg_file memory memory.limit_in_bytes)")" = 67108864 ]
	[ "$(cat "$(cg_file memory memory.memsw.limit_in_bytes)")" = 134217728 ]
	[ "$(cat "$(cg_file cpu cpu.shares)")" = 256 ]
	[ "$(cat "$(cg_file cpu cpu.cfs_quota_us)")" = 50000 ]
	touch "$BUNDLE/rootfs/tmp/go"
	wait_in_rootfs tmp/out
	grep -q "Resource temporarily unavailable" "$BUNDLE/rootfs/tmp/err"
	# -1 lifts the limit again.
	runac update --pids-limit -1 "$CID"
	[ "$(cat "$(cg_file pids pids.max)")" = max ]
	runac delete --force "$CID"
}

@test "update --resources reads a linux.resources document from a file or stdin" {
	set_cmd 'sleep 100'
	runac create "$CID"
	echo '{"pids": {"limit": 7}, "memory": {"limit": 100000000}}' >"$BATS_TEST_TMPDIR/r.json"
	runac update --resources "$BATS_TEST_TMPDIR/r.json" "$CID"
	[ "$(cat "$(cg_file pids pids.max)")" = 7 ]
	[ "$(cat "$(cg_file memory memory.limit_in_bytes)")" = 99999744 ]
	echo '{"pids": {"limit": 9}}' | runac update -r - "$CID"
	[ "$(cat "$(cg_file pids pids.max)")" = 9 ]
	runac delete --force "$CID"
}

@test "update with a bad value fails naming the flag and changes nothing" {
	update_config '.linux.resources.pids = {"limit": 20}'
	set_cmd 'sleep 100'
	runac create "$CID"
	pids_max=$(cg_file pids pids.max) mem=$(cg_file memory memory.limit_in_bytes)
	mem_before=$(cat "$mem")
	check() {
		try update "$@" "$CID"
		[ "$status" -eq 1 ]
		[ "${#lines[@]}" -eq 1 ]
		[ "$(cat "$pids_max")" = 20 ]
		[ "$(cat "$mem")" = "$mem_before" ]
	}
	check --pids-limit abc --memory 10m
	[ "$output" = 'invalid value "abc" for flag -pids-limit: parse error' ]
	check --memory abc
	[ "$output" = "invalid value for memory: invalid size: 'abc'" ]
	check --memory -5
	[ "$output" = "invalid value for memory: invalid size: '-5'" ]
	check --pids-limit 3 --cpu-period -5
	[ "$output" = 'invalid value for cpu-period: strconv.ParseUint: parsing "-5": invalid syntax' ]
	check --pids-limit 3 --cpu-quota -5
	[ "$output" = '--cpu-quota: must be -1 (unlimited) or a number of microseconds' ]
	check --pids-limit 3 --blkio-weight 5
	[ "$output" = '--blkio-weight: must be between 10 and 1000' ]
	check --memory 64m --memory-swap 32m
	[ "$output" = '--memory-swap: must be at least the memory limit (it counts memory plus swap)' ]
	# The kernel refuses CPU 7 (this host has 2) after memory was written:
	# the memory limit gets its old value back.
	check --memory 100m --cpuset-cpus 7
	[[ "$output" == "cpu.cpus: write \"7\" to /sys/fs/cgroup/cpuset/"*"/cpuset.cpus: "* ]]
	echo '{"pids": {"limit": "x"}}' >"$BATS_TEST_TMPDIR/r.json"
	check --resources "$BATS_TEST_TMPDIR/r.json"
	[ "$output" = 'pids.limit: expected an integer, got string' ]
	runac kill "$CID" KILL
	wait_for_state "$CID" stopped
	try update --pids-limit 3 "$CID"
	[ "$status" -eq 1 ]
	[ "$output" = "container not running" ]
	runac delete "$CID"
	try update --pids-limit 3 nosuch
	[ "$output" = "container does not exist" ]
}

@test "events of a container that never started ends when the container is deleted" {
	runac create "$CID" >/dev/null 2>&1
	"$RUNAC" --root "$RUNAC_ROOT" events --interval 1s "$CID" >"$BATS_TEST_TMPDIR/events" 2>&1 3>&- &
	local events_pid=$!
	sleep 0.3
	runac delete --force "$CID"
	local n=50
	while kill -0 "$events_pid" 2>/dev/null && ((n-- > 0)); do sleep 0.1; done
	run ! kill -0 "$events_pid"
	wait "$events_pid"
}

@test "events --stats prints one stats event with runc's keys" {
	update_config '.linux.resources.pids = {"limit": 20} | .linux.resources.memory = {"limit": 67108864}'
	set_cmd 'sleep 100'
	runac create "$CID"
	runac start "$CID"
	run runac events --stats "$CID"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -r '[.type, .id] | join(" ")' <<<"$output")" = "stats $CID" ]
	[ "$(jq -r '.data | keys_unsorted | join(",")' <<<"$output")" = "cpu,cpuset,memory,pids,blkio,hugetlb,intel_rdt,network_interfaces" ]
	[ "$(jq -r .data.pids.limit <<<"$output")" = 20 ]
	[ "$(jq -r .data.pids.current <<<"$output")" = 1 ]
	[ "$(jq -r .data.memory.usage.limit <<<"$output")" = 67108864 ]
	[ "$(jq -r '.data.cpu.usage.total > 0' <<<"$output")" = true ]
	runac kill "$CID" KILL
	wait_for_state "$CID" stopped
	try events --stats "$CID"
	[ "$status" -eq 1 ]
	[ "$output" = "container with id $CID is not running" ]
	runac delete "$CID"
}

@test "events streams stats every interval until the container stops" {
	set_cmd 'sleep 1.5'
	runac create "$CID"
	runac start "$CID"
	run timeout 10 "$RUNAC" --root "$RUNAC_ROOT" events --interval 200ms "$CID"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -ge 3 ]
	[ "$(printf '%s\n' "${lines[@]}" | jq -r .type | sort -u)" = stats ]
	try events --interval nonsense "$CID"
	[ "$output" = 'invalid value "nonsense" for flag -interval: parse error' ]
	runac delete "$CID"
}

@test "a limit this host cannot apply fails create naming the field, leaving nothing" {
	update_config '.linux.resources.unified = {"memory.high": "1000000"}'
	try create "$CID"
	[ "$status" -eq 1 ]
	[ "$output" = "runac create failed: invalid configuration: cannot use unified on cgroup v1 (linux.resources.unified)" ]
	update_config 'del(.linux.resources.unified) | .linux.resources.memory = {"limit": -7}'
	try create "$CID"
	[ "$output" = "runac create failed: linux.resources.memory.limit: must be -1 (unlimited) or a number of bytes" ]
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

@test "cgroup v2 device filter (pure cgroup2 mount namespace): BPF refuses /dev/null writes, delete frees it" {
	# This host's cgroup2 has no controllers, but device filters are core
	# cgroup BPF: in a mount namespace where cgroup2 is /sys/fs/cgroup,
	# runac sees a pure v2 host and attaches its BPF device filter.
	update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
		{"allow": false, "type": "c", "major": 1, "minor": 3, "access": "w"}]'
	set_cmd 'cat /dev/null && echo null-read-ok; echo x >/dev/null && echo null-write-ok; echo x >/dev/zero && echo zero-ok; sleep 100'
	cat >"$BATS_TEST_TMPDIR/v2.sh" <<-'SCRIPT'
		set -e
		mount --make-rprivate /
		umount -l /sys/fs/cgroup
		mount -t cgroup2 none /sys/fs/cgroup
		"$RUNAC" --root "$RUNAC_ROOT" create "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1
		bpftool cgroup show "/sys/fs/cgroup/$CID" >"$BATS_TEST_TMPDIR/attached"
		"$RUNAC" --root "$RUNAC_ROOT" start "$CID"
		for i in $(seq 100); do grep -q zero-ok "$BATS_TEST_TMPDIR/out" && break; sleep 0.05; done
		"$RUNAC" --root "$RUNAC_ROOT" delete --force "$CID"
		[ ! -e "/sys/fs/cgroup/$CID" ]
	SCRIPT
	BATS_TEST_TMPDIR=$BATS_TEST_TMPDIR RUNAC_ROOT=$RUNAC_ROOT CID=$CID unshare -m bash "$BATS_TEST_TMPDIR/v2.sh"
	cat "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/attached"
	grep -q 'cgroup_device .*runac_devices' "$BATS_TEST_TMPDIR/attached"
	grep -q null-read-ok "$BATS_TEST_TMPDIR/out"
	grep -q "can't create /dev/null: Operation not permitted" "$BATS_TEST_TMPDIR/out"
	run ! grep -q null-write-ok "$BATS_TEST_TMPDIR/out"
	grep -q zero-ok "$BATS_TEST_TMPDIR/out"
	# The program went with the cgroup (the leak guard checks too).
	for _ in $(seq 20); do bpftool prog list | grep -q runac_devices || break; sleep 0.1; done
	run ! grep -q runac_devices <<<"$(bpftool prog list)"
}

# The driver itself is tested against a real systemd in the VM tier
# (tests/vm/tests/systemd.sh); this host has none.
@test "--systemd-cgroup: a cgroupfs path is refused with runc's line, and no service manager fails create leaving nothing" {
	update_config '.linux.cgroupsPath = "/kubepods/besteffort/pod1/'"$CID"'"'
	# (the log line escapes the quotes)
	refused_create 'expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got \"/kubepods/besteffort/pod1/'"$CID"'\" instead' --systemd-cgroup
	update_config '.linux.cgroupsPath = "system-.slice:runac:'"$CID"'"'
	refused_create 'invalid slice name: system-.slice' --systemd-cgroup
	update_config '.linux.cgroupsPath = "system.slice:runac:'"$CID"'"'
	refused_create 'systemd: cannot reach the service manager' --systemd-cgroup
	[ -z "$(find /sys/fs/cgroup -name "runac-$CID.scope")" ]
}
