#!/usr/bin/env bats
# The runtime itself under what engines do to it: a runac killed half-way
# (SIGKILL from a hook it runs, so the step is chosen, not timed), a state
# it cannot read, many commands at once on one container. Whatever happens,
# `delete --force` must remove everything; the leak guard checks the host
# after each test.

bats_require_minimum_version 1.5.0
load ../lib/helpers

setup() {
	common_setup
	cd "$BUNDLE"
}
teardown() { common_teardown; }

# A hook that SIGKILLs the runac that runs it (its parent).
KILL_RUNAC='[{"path": "/bin/sh", "args": ["sh", "-c", "kill -9 $PPID"]}]'

# The init of $CID, found by its cgroup (the state may be gone).
inits() { grep -l "/$CID\$" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3; }

# The cgroup directories create recorded for $CID, each still there.
recorded_cgroups() {
	local dir
	[ -s "$RUNAC_ROOT/$CID/cgroups" ] || return 1
	while read -r dir; do [ -d "$dir" ] || return 1; done <"$RUNAC_ROOT/$CID/cgroups"
	cp "$RUNAC_ROOT/$CID/cgroups" "$BATS_TEST_TMPDIR/cgroups"
}
# ... and each gone.
cgroups_gone() {
	local dir
	while read -r dir; do [ ! -e "$dir" ] || return 1; done <"$BATS_TEST_TMPDIR/cgroups"
}

@test "create killed while its createRuntime hooks run: no state, and delete --force removes the init, cgroup and directory" {
	set_cmd 'sleep 60'
	update_config ".hooks.createRuntime = $KILL_RUNAC"
	run runac create "$CID"
	[ "$status" -eq 137 ]
	[ -d "$RUNAC_ROOT/$CID" ]
	recorded_cgroups
	# Without a state the container is unknown, as under runc.
	run runac state "$CID"
	[ "$status" -ne 0 ]
	[[ $output == *"container does not exist"* ]]
	runac delete --force "$CID"
	[ ! -e "$RUNAC_ROOT/$CID" ]
	[ -z "$(inits)" ]
	cgroups_gone
}

@test "create killed in its prestart hooks: delete without --force removes the remains too, and says what runc says" {
	set_cmd 'sleep 60'
	update_config ".hooks.prestart = $KILL_RUNAC"
	run runac create "$CID"
	[ "$status" -eq 137 ]
	recorded_cgroups
	run runac delete "$CID"
	[ "$status" -ne 0 ]
	[[ $output == *"container does not exist"* ]]
	[ ! -e "$RUNAC_ROOT/$CID" ]
	[ -z "$(inits)" ]
	cgroups_gone
}

@test "start killed in its poststart hook: the container runs, its state says so, and delete --force removes it" {
	set_cmd 'sleep 60'
	update_config ".hooks.poststart = $KILL_RUNAC"
	runac create "$CID"
	run runac start "$CID"
	[ "$status" -eq 137 ]
	run runac state "$CID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = running ]
	runac delete --force "$CID"
	[ ! -e "$RUNAC_ROOT/$CID" ]
}

@test "a state.json cut short, or another program's: one line saying so; delete --force still removes the container" {
	set_cmd 'sleep 60'
	local bad
	for bad in truncate foreign; do
		runac create "$CID"
		if [[ $bad == truncate ]]; then
			truncate -s 20 "$RUNAC_ROOT/$CID/state.json"
		else
			echo '{"name": "not a container state"}' >"$RUNAC_ROOT/$CID/state.json"
		fi
		for cmd in "state $CID" "start $CID" "kill $CID KILL" "exec $CID true" "delete $CID"; do
			# shellcheck disable=SC2086
			run runac $cmd
			echo "$cmd: $output"
			[ "$status" -ne 0 ]
			[ "${#lines[@]}" -eq 1 ]
			[[ $output == *"container $CID: its state cannot be read"* ]]
		done
		[ -n "$(inits)" ]
		run runac delete --force "$CID"
		[ "$status" -eq 0 ]
		[[ $output == *"removing what its create recorded"* ]]
		[ ! -e "$RUNAC_ROOT/$CID" ]
		[ -z "$(inits)" ]
	done
}

@test "50 creates of one id at once: one wins, the others fail with runc's words and take nothing of it" {
	set_cmd 'sleep 60'
	local i won=0 lost=0 out=$BATS_TEST_TMPDIR/create pids=()
	for i in $(seq 50); do
		{ runac create "$CID" >"$out.$i" 2>&1; echo $? >"$out.$i.rc"; } &
		pids+=($!)
	done
	wait "${pids[@]}" || true # each one's outcome is checked below
	for i in $(seq 50); do
		if [ "$(cat "$out.$i.rc")" = 0 ]; then
			won=$((won + 1))
		else
			grep -q "container with given ID already exists" "$out.$i" || { cat "$out.$i"; return 1; }
			lost=$((lost + 1))
		fi
	done
	echo "won $won, lost $lost"
	[ "$won" -eq 1 ] && [ "$lost" -eq 49 ]
	run runac state "$CID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = created ]
	runac start "$CID"
	[ "$(runac state "$CID" | jq -r .status)" = running ]
	runac delete --force "$CID"
}

@test "state, exec, kill, pause and resume 50 times at once on one container, then delete among states: never a torn state" {
	set_cmd 'sleep 60'
	runac run -d "$CID" </dev/null
	local i out=$BATS_TEST_TMPDIR/out pids=()
	mkdir "$out"
	for i in $(seq 10); do
		runac state "$CID" >"$out/state.$i" 2>&1 &
		pids+=($!)
		runac exec "$CID" true >"$out/exec.$i" 2>&1 &
		pids+=($!)
		runac kill "$CID" WINCH >"$out/kill.$i" 2>&1 &
		pids+=($!)
		{ runac pause "$CID" && runac resume "$CID"; } >"$out/pause.$i" 2>&1 &
		pids+=($!)
		runac ps "$CID" >"$out/ps.$i" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}" || true # each one's outcome is checked below
	for i in $(seq 10); do
		jq -e '.status == "running" or .status == "paused"' "$out/state.$i" >/dev/null || { cat "$out/state.$i"; return 1; }
		# An exec that meets a pause is refused with runc's words; nothing else fails.
		[ ! -s "$out/exec.$i" ] || grep -q "cannot exec in a paused container" "$out/exec.$i" ||
			{ cat "$out/exec.$i"; return 1; }
		[ ! -s "$out/kill.$i" ] || { cat "$out/kill.$i"; return 1; }
		[ ! -s "$out/pause.$i" ] || grep -qE "container not running|container not paused|already paused" "$out/pause.$i" ||
			{ cat "$out/pause.$i"; return 1; }
		grep -q PID "$out/ps.$i" || { cat "$out/ps.$i"; return 1; }
	done
	[ "$(runac state "$CID" | jq -r .status)" = running ]
	# Readers while it goes: a whole state, or "container does not exist".
	pids=()
	for i in $(seq 20); do
		runac state "$CID" >"$out/late.$i" 2>&1 &
		pids+=($!)
	done
	runac delete --force "$CID"
	wait "${pids[@]}" || true # each one's outcome is checked below
	for i in $(seq 20); do
		jq -e .status "$out/late.$i" >/dev/null 2>&1 || grep -q "container does not exist" "$out/late.$i" ||
			{ cat "$out/late.$i"; return 1; }
	done
}

# small_fs DIR OPTIONS: a tmpfs of this test's own at DIR (unmounted by the test).
small_fs() {
	mkdir -p "$1"
	mount -t tmpfs -o "$2" tmpfs "$1"
}

@test "a read-only state root, or an unwritable --log: one line naming it, and nothing made" {
	set_cmd 'true'
	small_fs "$BATS_TEST_TMPDIR/ro" ro,size=64k
	run "$RUNAC" --root "$BATS_TEST_TMPDIR/ro/state" create "$CID"
	umount "$BATS_TEST_TMPDIR/ro"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == *"runac create failed: state root: create $BATS_TEST_TMPDIR/ro/state: Read-only file system"* ]]
	small_fs "$BATS_TEST_TMPDIR/ro" ro,size=64k
	run runac --log "$BATS_TEST_TMPDIR/ro/log.json" --log-format json create "$CID" 3>&-
	umount "$BATS_TEST_TMPDIR/ro"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == *"--log $BATS_TEST_TMPDIR/ro/log.json: Failed opening file $BATS_TEST_TMPDIR/ro/log.json for writing: Read-only file system"* ]]
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

@test "a state root that fills up at any point of create: one line and nothing left, or a whole container" {
	set_cmd 'true'
	local root=$BATS_TEST_TMPDIR/small/state free failed=0 made=0
	# 16 pages of 4 KiB; all but FREE pages taken, then FREE inodes only.
	for free in 0 1 2 3 4 6 8 12; do
		for limit in size nr_inodes; do
			if [ "$limit" = size ]; then
				small_fs "$BATS_TEST_TMPDIR/small" size=64k
				dd if=/dev/zero of="$BATS_TEST_TMPDIR/small/fill" bs=4k count=$((16 - free)) 2>/dev/null || true
			else
				small_fs "$BATS_TEST_TMPDIR/small" nr_inodes=$((free + 2)),size=1m
			fi
			# To a file: a created container would hold bats' pipe.
			status=0
			"$RUNAC" --root "$root" create "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1 || status=$?
			mapfile -t lines <"$BATS_TEST_TMPDIR/out"
			output=$(cat "$BATS_TEST_TMPDIR/out")
			echo "$limit, $free free: $output"
			if [ "$status" -eq 0 ]; then
				made=$((made + 1))
				[ "$("$RUNAC" --root "$root" state "$CID" | jq -r .status)" = created ]
				"$RUNAC" --root "$root" delete --force "$CID"
			else
				failed=$((failed + 1))
				[ "${#lines[@]}" -eq 1 ]
				[[ $output == *"No space left on device"* ]]
			fi
			[ -z "$(ls -A "$root" 2>/dev/null)" ]
			umount "$BATS_TEST_TMPDIR/small"
		done
	done
	# Both ends were reached: creates refused, and creates made.
	[ "$failed" -ge 4 ]
	[ "$made" -ge 2 ]
}
