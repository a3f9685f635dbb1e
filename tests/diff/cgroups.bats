#!/usr/bin/env bats
# The cgroup commands engines drive (`events --stats`, `ps`, `update`,
# `pause`/`resume`) against Debian's runc on this hybrid host: same output
# shape, same effect on the cgroup, same error wording.

load ../lib/diff

setup() {
	diff_setup
	update_config '.linux.resources.pids = {"limit": 20} | .linux.resources.memory = {"limit": 67108864}'
	set_cmd 'sleep 100'
}
teardown() { diff_teardown; }

# side_file SIDE CONTROLLER FILE: a v1 cgroup file of one side's container.
side_file() {
	local bin=$RUNC root=$DIFF_DIR_A/root id=$DIFF_ID_A pid rel
	if [[ $1 == b ]]; then bin=$RUNAC root=$DIFF_DIR_B/root id=$DIFF_ID_B; fi
	pid=$("$bin" --root "$root" state "$id" | jq -r .pid)
	rel=$(awk -F: -v c="$2" '$2 == c { print $3 }' "/proc/$pid/cgroup")
	cat "/sys/fs/cgroup/$2$rel/$3"
}

# wait_for_sleeps N: until both sides' containers hold N processes, all of
# them sleep: the shell forks and execs after start returns, and a loaded
# machine may take a while.
wait_for_sleeps() {
	local deadline=$((SECONDS + 10)) a b
	while :; do
		a=$("$RUNC" --root "$DIFF_DIR_A/root" ps "$DIFF_ID_A" -o pid,comm | grep -c " sleep$" || true)
		b=$("$RUNAC" --root "$DIFF_DIR_B/root" ps "$DIFF_ID_B" -o pid,comm | grep -c " sleep$" || true)
		[[ $a == "$1" && $b == "$1" ]] && return 0
		if ((SECONDS >= deadline)); then
			echo "wait_for_sleeps: runc has $a, runac has $b, wanted $1" >&2
			return 1
		fi
		sleep 0.05
	done
}

start_both() {
	diff_cli create --bundle @BUNDLE@ @ID@
	diff_cli start @ID@
	diff_wait_state "${1:-running}"
}

@test "events --stats has runc's event and data shape" {
	start_both
	# Every key path, with array indexes folded; values differ from run to run.
	diff_normalize 's/^\{"type".*$/<STATS>/'
	local side bin root id
	for side in a b; do
		bin=$RUNC root=$DIFF_DIR_A/root id=$DIFF_ID_A
		if [[ $side == b ]]; then bin=$RUNAC root=$DIFF_DIR_B/root id=$DIFF_ID_B; fi
		"$bin" --root "$root" events --stats "$id" >"$BATS_TEST_TMPDIR/stats-$side"
		jq -r '[paths | map(if type == "number" then "[]" else . end) | join(".")] | unique | .[]' \
			"$BATS_TEST_TMPDIR/stats-$side" >"$BATS_TEST_TMPDIR/paths-$side"
	done
	diff -u "$BATS_TEST_TMPDIR/paths-a" "$BATS_TEST_TMPDIR/paths-b"
	# And the values that are the config's, not the moment's.
	for q in .type .data.pids.limit .data.memory.usage.limit .data.pids.current; do
		[ "$(jq -r "$q" "$BATS_TEST_TMPDIR/stats-a")" = "$(jq -r "$q" "$BATS_TEST_TMPDIR/stats-b")" ]
	done
	diff_cli delete --force @ID@
	diff_cli events --stats @ID@
}

@test "events --stats of a stopped container: runc's error" {
	set_cmd 'true'
	start_both stopped
	diff_cli events --stats @ID@
	diff_cli delete @ID@
}

@test "ps lists the same processes, as a table and as JSON" {
	set_cmd 'sleep 101 & sleep 102'
	start_both
	wait_for_sleeps 2
	# Pids, start times and CPU columns are the moment's.
	diff_normalize 's/[0-9]+/<N>/g'
	diff_cli ps --format json @ID@
	diff_cli ps @ID@ -o pid,comm,args
	diff_cli ps @ID@ -o comm
	diff_cli ps --format xml @ID@
	diff_cli delete --force @ID@
	diff_cli ps @ID@
}

@test "ps of a stopped container prints no process" {
	set_cmd 'true'
	start_both stopped
	diff_cli ps @ID@
	diff_cli ps --format json @ID@
	diff_cli delete @ID@
}

@test "update writes the same cgroup values as runc" {
	start_both
	diff_cli update --pids-limit 7 --memory 32m --memory-reservation 16m --cpu-share 256 --cpu-quota 20000 --cpu-period 50000 @ID@
	local c f
	for c in "pids pids.max" "memory memory.limit_in_bytes" "memory memory.soft_limit_in_bytes" \
		"cpu cpu.shares" "cpu cpu.cfs_quota_us" "cpu cpu.cfs_period_us"; do
		set -- $c
		a=$(side_file a "$1" "$2") b=$(side_file b "$1" "$2")
		echo "$2: runc $a, runac $b"
		[ "$a" = "$b" ]
	done
	echo '{"pids": {"limit": 9}}' >"$BATS_TEST_TMPDIR/r.json"
	diff_cli update --resources "$BATS_TEST_TMPDIR/r.json" @ID@
	[ "$(side_file a pids pids.max)" = 9 ] && [ "$(side_file b pids pids.max)" = 9 ]
	diff_cli update --pids-limit -1 @ID@
	[ "$(side_file a pids pids.max)" = max ] && [ "$(side_file b pids pids.max)" = max ]
	# Flags after the container id count, as runc takes them.
	diff_cli update @ID@ --pids-limit 11
	[ "$(side_file a pids pids.max)" = 11 ] && [ "$(side_file b pids pids.max)" = 11 ]
	diff_cli delete @ID@ --force
}

@test "update errors: bad values, unknown and stopped containers" {
	start_both
	diff_cli update --memory abc @ID@
	diff_cli update --cpu-period -5 @ID@
	diff_cli update --cpu-quota x @ID@
	diff_cli update --cpu-share 1.5 @ID@
	diff_cli update --memory 10m nonexistent
	diff_cli kill @ID@ KILL
	diff_wait_state stopped
	diff_cli update --memory 10m @ID@
	diff_cli delete @ID@
}

@test "pause and resume: the state shows paused, then running" {
	start_both
	diff_cli pause @ID@
	diff_cli state @ID@
	diff_cli resume @ID@
	diff_cli state @ID@
	diff_cli delete --force @ID@
}

@test "pause and resume in the wrong state: runc's errors" {
	start_both
	diff_cli resume @ID@
	diff_cli pause @ID@
	diff_cli pause @ID@
	diff_cli resume @ID@
	diff_cli pause nonexistent
	diff_cli resume nonexistent
	diff_cli kill @ID@ KILL
	diff_wait_state stopped
	diff_cli pause @ID@
	diff_cli resume @ID@
	diff_cli delete @ID@
}

@test "delete --force of a paused container" {
	start_both
	diff_cli pause @ID@
	diff_wait_state paused
	diff_cli delete --force @ID@
	diff_cli state @ID@
}

@test "a device of linux.devices obeys linux.resources.devices: a deny-all keeps it closed" {
	# A node the config makes (c 240:0, a number no driver has) that the
	# device rules (deny all, then runc's defaults) do not list: opening it
	# is refused by the device cgroup (EPERM), not passed on to find no
	# driver (ENXIO); the v1 controller's list has no rule for it.
	update_config '.linux.devices = [{"path": "/dev/local0", "type": "c", "major": 240, "minor": 0, "fileMode": 420}] |
		.linux.resources.devices = [{"allow": false, "access": "rwm"}]'
	diff_probe device-rules 'sort /sys/fs/cgroup/devices/devices.list 2>/dev/null
		dd if=/dev/local0 of=/dev/null count=0 2>&1
		dd if=/dev/zero of=/dev/null count=1 2>/dev/null && echo zero-open'
}
