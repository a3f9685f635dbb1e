# linux.resources on pure cgroup v2 (the guest has every controller
# delegated): each limit shown biting inside the container, runc's v1->v2
# conversions, the BPF device filter, and the commands that act on the
# cgroup (update, pause/resume, events, ps, kill --all).

# cg FILE: FILE in the container's cgroup directory.
cg() { echo "/sys/fs/cgroup/$CID/$1"; }

wait_in_rootfs() {
	_n=200
	while [ ! -s "$BUNDLE/rootfs/$1" ]; do
		_n=$((_n - 1))
		[ $_n -gt 0 ] || fail "the container never wrote /$1"
		sleep 0.05
	done
}

cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

# memory.max: a process past it is OOM-killed; events reports the OOM and
# the stats carry the limit.
test_memory_limit_oom_kill_and_events() {
	setup_bundle
	update_config '.root.readonly = false | .linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
	set_cmd 'sleep 0.5; dd if=/dev/zero of=/dev/null bs=64M count=1; echo "dd exit $?" >/tmp/dd; sleep 100'
	runac create "$CID"
	expect_eq "$(cat "$(cg memory.max)")" 33554432 "memory.max"
	# memory+swap 32M with 32M of memory: no swap at all on v2.
	expect_eq "$(cat "$(cg memory.swap.max)")" 0 "memory.swap.max"
	runac events --interval 10s "$CID" >"$TEST_TMP/events" 2>&1 &
	runac start "$CID"
	wait_in_rootfs tmp/dd
	expect_eq "$(cat "$BUNDLE/rootfs/tmp/dd")" "dd exit 137" "dd past the memory limit"
	_n=50
	until grep -q '"type":"oom"' "$TEST_TMP/events" || [ $_n = 0 ]; do _n=$((_n - 1)); sleep 0.1; done
	runac delete --force "$CID"
	wait
	grep -qx "{\"type\":\"oom\",\"id\":\"$CID\"}" "$TEST_TMP/events" || fail "no oom event: $(cat "$TEST_TMP/events")"
	expect_eq "$(head -n1 "$TEST_TMP/events" | jq -r .data.memory.usage.limit)" 33554432 "stats memory limit"
}

# pids.max refuses forks; update lowers it on a running container.
test_pids_limit_and_update() {
	setup_bundle
	update_config '.root.readonly = false | .linux.resources.pids = {"limit": 50}'
	set_cmd 'while [ ! -e /tmp/go ]; do sleep 0.05; done; sh -c "for i in 1 2 3 4 5 6; do sleep 100 & done" 2>/tmp/err; echo done >/tmp/out; sleep 100'
	runac create "$CID"
	expect_eq "$(cat "$(cg pids.max)")" 50 "pids.max at create"
	runac start "$CID"
	runac update --pids-limit 3 --memory 64m --memory-swap 96m --cpu-share 1024 "$CID"
	expect_eq "$(cat "$(cg pids.max)")" 3 "pids.max after update"
	expect_eq "$(cat "$(cg memory.max)")" 67108864 "memory.max after update"
	expect_eq "$(cat "$(cg memory.swap.max)")" 33554432 "memory.swap.max (swap - memory) after update"
	# runc's conversion: 1 + (1024 - 2) * 9999 / 262142 = 39.
	expect_eq "$(cat "$(cg cpu.weight)")" 39 "cpu.weight for 1024 shares"
	touch "$BUNDLE/rootfs/tmp/go"
	wait_in_rootfs tmp/out
	grep -q "Resource temporarily unavailable" "$BUNDLE/rootfs/tmp/err" || fail "fork past pids.max: $(cat "$BUNDLE/rootfs/tmp/err")"
	rc=0
	runac update --pids-limit abc "$CID" 2>"$TEST_TMP/err" || rc=$?
	expect_eq "$rc" 1 "exit status of update with a bad value"
	expect_match "$(cat "$TEST_TMP/err")" '*invalid value \\"abc\\" for flag -pids-limit: parse error*' "update error"
	expect_eq "$(cat "$(cg pids.max)")" 3 "pids.max after a refused update"
	runac delete --force "$CID"
}

# cpu.max slows a busy loop against an unlimited one.
test_cpu_quota_slows_busy_loop() {
	setup_bundle
	set_cmd 'while :; do :; done'
	update_config '.linux.resources.cpu = {"quota": 10000, "period": 100000}'
	runac create "$CID"
	expect_eq "$(cat "$(cg cpu.max)")" "10000 100000" "cpu.max"
	runac start "$CID"
	limited=$(state_field "$CID" pid)
	update_config 'del(.linux.resources.cpu)'
	runac create "$CID-free"
	runac start "$CID-free"
	free=$(state_field "$CID-free" pid)
	# CPU time over the same 2 s window for both (TCG makes create slow, so
	# time before the window would blur the comparison).
	l0=$(cpu_ticks "$limited")
	f0=$(cpu_ticks "$free")
	sleep 2
	l=$(($(cpu_ticks "$limited") - l0))
	f=$(($(cpu_ticks "$free") - f0))
	runac delete --force "$CID"
	runac delete --force "$CID-free"
	diag "cpu ticks in 2 s: quota 10%: $l, unlimited: $f"
	[ "$l" -le 40 ] || fail "the limited loop got $l ticks in 2 s"
	[ "$f" -ge $((l * 3)) ] || fail "unlimited $f ticks vs limited $l"
}

# The BPF device filter: the default spec's deny-all plus the standard
# nodes, and a config rule denying writes to /dev/null. A node the config
# makes (linux.devices; c 240:0, a number no driver has) is no rule: the
# deny-all refuses it (EPERM) instead of letting the open find no driver
# (ENXIO), as with runc.
test_device_filter() {
	setup_bundle
	update_config '.linux.resources.devices = [{"allow": false, "access": "rwm"},
		{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
		{"allow": false, "type": "c", "major": 1, "minor": 3, "access": "w"}]
		| .mounts += [{"destination": "/dev/kmsg", "type": "bind", "source": "/dev/kmsg", "options": ["bind"]}]
		| .linux.devices = [{"path": "/dev/local0", "type": "c", "major": 240, "minor": 0, "fileMode": 420}]'
	set_cmd 'cat /dev/null && echo null-read-ok; echo x >/dev/null && echo null-write-ok
		dd if=/dev/zero of=/dev/full count=1 2>/dev/null; echo x >/dev/zero && echo zero-ok
		dd if=/dev/kmsg of=/dev/zero count=0 && echo kmsg-ok
		dd if=/dev/local0 of=/dev/zero count=0; true'
	runac run "$CID" >"$TEST_TMP/out" 2>&1 || fail "run: $(cat "$TEST_TMP/out")"
	out=$(cat "$TEST_TMP/out")
	expect_match "$out" "*null-read-ok*" "read of /dev/null"
	expect_match "$out" "*can't create /dev/null: Operation not permitted*" "write to /dev/null"
	expect_match "$out" "*can't open '/dev/local0': Operation not permitted*" "open of the config's node"
	case $out in *null-write-ok* | *kmsg-ok*) fail "the device filter let through: $out" ;; esac
	expect_match "$out" "*zero-ok*" "write to /dev/zero (a default node)"
	expect_match "$out" "*can't open '/dev/kmsg': Operation not permitted*" "open of /dev/kmsg"
}

# cgroup.freeze: pause stops a counter, resume restarts it; delete --force
# of a paused container kills it.
test_pause_resume_and_delete_paused() {
	setup_bundle
	update_config '.root.readonly = false'
	# The counter is replaced by rename, so a read never sees it half written.
	set_cmd 'i=0; while :; do i=$((i+1)); echo $i >/tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.05; done'
	runac create "$CID"
	runac start "$CID"
	wait_in_rootfs tmp/count
	runac pause "$CID"
	expect_eq "$(state_field "$CID" status)" paused "status after pause"
	grep -qx "frozen 1" "$(cg cgroup.events)" || fail "cgroup.events: $(cat "$(cg cgroup.events)")"
	before=$(cat "$BUNDLE/rootfs/tmp/count")
	sleep 0.5
	expect_eq "$(cat "$BUNDLE/rootfs/tmp/count")" "$before" "counter while paused"
	runac resume "$CID"
	expect_eq "$(state_field "$CID" status)" running "status after resume"
	sleep 0.5
	after=$(cat "$BUNDLE/rootfs/tmp/count")
	[ "$after" -gt "$before" ] || fail "counter did not move after resume ($before -> $after)"
	runac pause "$CID"
	runac delete --force "$CID"
	[ ! -e "/sys/fs/cgroup/$CID" ] || fail "delete --force of a paused container left its cgroup"
}

# ps lists the cgroup's pids; kill --all reaches every process.
test_ps_and_kill_all() {
	setup_bundle
	update_config '.root.readonly = false'
	set_cmd 'for i in 1 2; do sh -c "trap \"echo \$\$ >>/tmp/got\" TERM; while :; do sleep 0.05; done" & done
		trap "echo init >>/tmp/got" TERM; echo ready >/tmp/ready; while :; do sleep 0.05; done'
	runac create "$CID"
	runac start "$CID"
	wait_in_rootfs tmp/ready
	sleep 0.3
	# The loops fork sleeps all the time: check the long-lived processes and
	# that every pid listed is (or was, if it already exited) in the cgroup.
	pids=$(runac ps --format json "$CID" | jq -r '.[]')
	init=$(state_field "$CID" pid)
	expect_match " $(echo $pids) " "* $init *" "ps --format json lists the init"
	[ "$(echo "$pids" | wc -l)" -ge 3 ] || fail "ps --format json: $pids"
	for p in $pids; do
		c=$(cgroup_of "$p" 2>/dev/null) || continue
		[ -z "$c" ] || expect_eq "$c" "/$CID" "cgroup of listed pid $p"
	done
	runac kill --all "$CID" TERM
	_n=50
	until [ "$(wc -l <"$BUNDLE/rootfs/tmp/got")" -ge 3 ] || [ $_n = 0 ]; do _n=$((_n - 1)); sleep 0.05; done
	expect_eq "$(wc -l <"$BUNDLE/rootfs/tmp/got" | tr -d ' ')" 3 "processes that got SIGTERM"
	runac delete --force "$CID"
}

# runc's conversions and the unified map, and events --stats on v2.
test_conversions_unified_and_stats() {
	setup_bundle
	update_config '.linux.resources.cpu = {"shares": 512, "period": 50000}
		| .linux.resources.memory = {"limit": 100000000, "reservation": 50000000}
		| .linux.resources.unified = {"memory.high": "90000000"} | .linux.resources.pids = {"limit": 30}'
	set_cmd 'sleep 100'
	runac create "$CID"
	expect_eq "$(cat "$(cg cpu.weight)")" 20 "cpu.weight for 512 shares"
	expect_eq "$(cat "$(cg cpu.max)")" "max 50000" "cpu.max for a period alone"
	expect_eq "$(cat "$(cg memory.low)")" 49999872 "memory.low (reservation, page-aligned)"
	expect_eq "$(cat "$(cg memory.high)")" 89997312 "memory.high from unified"
	runac start "$CID"
	runac events --stats "$CID" >"$TEST_TMP/stats"
	expect_eq "$(jq -r '.data | keys_unsorted | join(",")' "$TEST_TMP/stats")" \
		"cpu,cpuset,memory,pids,blkio,hugetlb,intel_rdt,network_interfaces" "stats keys"
	expect_eq "$(jq -r .data.pids.limit "$TEST_TMP/stats")" 30 "stats pids limit"
	expect_eq "$(jq -r .data.memory.usage.limit "$TEST_TMP/stats")" 99999744 "stats memory limit"
	runac delete --force "$CID"
	# Realtime limits do not exist on v2: refused by name, nothing left.
	update_config 'del(.linux.resources.unified) | .linux.resources.cpu = {"realtimeRuntime": 1000}'
	rc=0
	runac create "$CID" 2>"$TEST_TMP/err" || rc=$?
	expect_eq "$rc" 1 "create with realtime limits"
	expect_match "$(cat "$TEST_TMP/err")" "*linux.resources.cpu.realtimeRuntime: realtime CPU limits do not exist on cgroup v2*" "error"
	[ ! -e "/sys/fs/cgroup/$CID" ] || fail "a refused create left its cgroup"
}
