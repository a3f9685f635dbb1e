# systemd as pid 1 (run-vm.sh with RUNAC_VM_SYSTEMD=1; the normal mode skips
# these): the harness's own check that the mode is what it claims, then
# runac's --systemd-cgroup driver beside Debian's runc's, the reference.


test_pid1_is_systemd() {
	expect_eq "$(cat /proc/1/comm)" systemd "/proc/1/comm"
	# The tests' service is Type=simple: the boot is over, or nearly.
	n=0
	while :; do
		state=$(systemctl is-system-running 2>&1) || true
		case $state in running | degraded) break ;; esac
		n=$((n + 1))
		[ $n -lt 100 ] || fail "systemctl is-system-running: '$state', want running or degraded"
		sleep 0.1
	done
	diag "systemctl is-system-running: $state"
	[ "$state" = running ] || diag "failed units: $(systemctl list-units --state=failed --plain --no-legend | tr '\n' ' ')"
	expect_eq "$(fstype_of /sys/fs/cgroup)" cgroup2 "file system at /sys/fs/cgroup"
	expect_eq "$(fstype_of /sys/fs/bpf)" bpf "file system at /sys/fs/bpf"
	expect_eq "$(hostname)" runac-vm "hostname (systemd, from /etc/hostname)"
	expect_eq "$(cgroup_of 1)" /init.scope "cgroup of pid 1"
	expect_eq "$(cgroup_of $$)" /system.slice/runac-vm-tests.service "cgroup of the tests"
	expect_eq "$(unit_prop system.slice LoadState)" loaded "system.slice LoadState"
}

# --- runac --systemd-cgroup, against the same systemd -----------------------

# The same container under runac and runc: a scope in the slice, delegated,
# with the init and an exec'd process in it; the unit and its cgroup gone
# after delete.
test_runac_scope_like_runc() {
	setup_bundle
	update_config '.process.args = ["sleep", "30"]'
	for rt in runac runc; do
		unit=$rt-vm-$CID.scope
		update_config ".linux.cgroupsPath = \"system.slice:$rt-vm:$CID\""
		run_in_scope $rt "$unit"
		expect_eq "$(unit_prop "$unit" Slice)" system.slice "$rt: $unit Slice"
		expect_eq "$(cgroup_of "$pid")" "/system.slice/$unit" "$rt: cgroup of the container's init"
		expect_eq "$(sd_rt $rt state "$CID" | jq -r .status)" running "$rt: state"
		# exec joins the scope; ps lists what is in it.
		sd_rt $rt exec -d "$CID" sleep 20
		pids=$(sd_rt $rt ps --format json "$CID" | jq -r '.[]')
		expect_eq "$(echo $pids | wc -w)" 2 "$rt: ps after exec -d"
		for p in $pids; do expect_eq "$(cgroup_of "$p")" "/system.slice/$unit" "$rt: cgroup of pid $p (ps)"; done
		sd_rt $rt delete -f "$CID"
		expect_unit_gone "$unit" "$rt delete -f"
	done
	# runc's default path: system.slice:runc:ID.
	update_config 'del(.linux.cgroupsPath)'
	sd_runac run -d "$CID"
	expect_eq "$(cgroup_of "$(state_field "$CID" pid)")" "/system.slice/runc-$CID.scope" "cgroup with no cgroupsPath"
	sd_runac delete -f "$CID"
	expect_unit_gone "runc-$CID.scope" "delete -f"
}

# Limits biting under the scope, under runac as under runc: a pids limit
# stops forks (busybox sh exits when one fails), a memory limit OOM-kills
# a shell that holds 32 MiB.
test_runac_limits_bite_like_runc() {
	setup_bundle
	update_config '.linux.resources = {"memory": {"limit": 16777216}, "pids": {"limit": 8}}'
	for rt in runac runc; do
		update_config ".linux.cgroupsPath = \"system.slice:$rt-vm:$CID\""
		unit=$rt-vm-$CID.scope
		for limit in pids memory; do
			if [ $limit = pids ]; then
				set_cmd 'n=0; while [ $n -lt 20 ]; do sleep 30 & n=$((n + 1)); echo "forked $n"; done'
			else
				set_cmd 'x=$(yes | head -c 32m); echo "filled ${#x}"'
			fi
			rc=0
			sd_rt $rt run "$CID" >"$TEST_TMP/out" 2>&1 || rc=$?
			sd_rt $rt delete -f "$CID" 2>/dev/null || true
			diag "$rt, $limit: exit $rc, $(tail -n 2 "$TEST_TMP/out" | tr '\n' ' ')"
			if [ $limit = pids ]; then
				# 8 tasks: the shell and at most 7 sleeps.
				forked=$(sed -n 's/^forked //p' "$TEST_TMP/out" | tail -n 1)
				[ -n "$forked" ] && [ "$forked" -le 7 ] || fail "$rt: '$forked' sleeps started under pids.limit 8"
				[ "$rc" != 0 ] || fail "$rt: every fork succeeded under pids.limit 8"
			else
				grep -q filled "$TEST_TMP/out" && fail "$rt: 32 MiB fitted under a 16 MiB memory limit"
				expect_eq "$rc" 137 "$rt: exit status of the OOM-killed shell"
			fi
			expect_unit_gone "$unit" "$rt run"
		done
	done
}

# update changes the unit's properties too: a daemon-reload, which makes
# systemd write its unit's values into the cgroup again, keeps the new
# limits. pause and resume freeze the scope; events --stats reads it. The
# same under runac and runc.
test_runac_update_pause_events_like_runc() {
	setup_bundle
	update_config '.process.args = ["sleep", "30"] | .linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 50}}'
	for rt in runac runc; do
		update_config ".linux.cgroupsPath = \"system.slice:$rt-vm:$CID\""
		unit=$rt-vm-$CID.scope
		cg=/sys/fs/cgroup/system.slice/$unit
		sd_rt $rt run -d "$CID"
		expect_eq "$(unit_prop "$unit" MemoryMax)" 67108864 "$rt: MemoryMax at create"
		expect_eq "$(unit_prop "$unit" TasksMax)" 50 "$rt: TasksMax at create"
		expect_eq "$(cat "$cg/pids.max")" 50 "$rt: pids.max at create"
		sd_rt $rt update --memory 48m --pids-limit 20 --cpu-quota 50000 --cpu-period 100000 "$CID"
		expect_eq "$(unit_prop "$unit" MemoryMax)" 50331648 "$rt: MemoryMax after update"
		expect_eq "$(unit_prop "$unit" TasksMax)" 20 "$rt: TasksMax after update"
		expect_eq "$(unit_prop "$unit" CPUQuotaPerSecUSec)" 500ms "$rt: CPUQuotaPerSecUSec after update"
		systemctl daemon-reload
		expect_eq "$(cat "$cg/memory.max")" 50331648 "$rt: memory.max after update and daemon-reload"
		expect_eq "$(cat "$cg/pids.max")" 20 "$rt: pids.max after update and daemon-reload"
		expect_eq "$(cat "$cg/cpu.max")" "50000 100000" "$rt: cpu.max after update and daemon-reload"
		expect_pause_resume_stats $rt "$cg/cgroup.freeze" 1 50331648
		sd_rt $rt delete -f "$CID"
		expect_unit_gone "$unit" "$rt delete -f"
	done
}

# A create refused once the scope exists (the program is not in the
# rootfs) stops the unit and removes its cgroup; one refused before
# (a cgroupsPath of the cgroupfs driver's form) makes none.
test_runac_refused_create_leaves_no_unit() {
	setup_bundle
	update_config ".linux.cgroupsPath = \"system.slice:runac-vm:$CID\" | .process.args = [\"/no/such/program\"]"
	rc=0
	sd_runac create "$CID" 2>"$TEST_TMP/err" || rc=$?
	expect_eq "$rc" 1 "exit status of the refused create"
	expect_match "$(cat "$TEST_TMP/err")" "*no/such/program*" "error line"
	expect_unit_gone "runac-vm-$CID.scope" "the refused create"
	[ -z "$(ls -A "$RUNAC_ROOT" 2>/dev/null)" ] || fail "state left: $(ls -A "$RUNAC_ROOT")"
	update_config ".linux.cgroupsPath = \"/system.slice/$CID\" | .process.args = [\"true\"]"
	rc=0
	sd_runac create "$CID" 2>"$TEST_TMP/err" || rc=$?
	expect_eq "$rc" 1 "exit status with a cgroupfs path"
	expect_match "$(cat "$TEST_TMP/err")" '*expected cgroupsPath to be of format*slice:prefix:name*' "error line"
	[ ! -e "/sys/fs/cgroup/system.slice/$CID" ] || fail "a cgroup was made for a refused path"
}

# The agent policy's cgroup BPF programs attach to the scope systemd made.
test_runac_policy_programs_on_the_scope() {
	setup_bundle
	update_config ".linux.cgroupsPath = \"system.slice:runac-vm:$CID\" | .process.args = [\"sleep\", \"30\"] |
		.annotations[\"org.agentcontainers.agent\"] = \"{\\\"capabilities\\\": {\\\"network\\\": {\\\"egress\\\": [{\\\"host\\\": \\\"10.0.0.1\\\", \\\"port\\\": 443}]}}, \\\"enforcement\\\": {\\\"mode\\\": \\\"best-effort\\\"}}\""
	unit=runac-vm-$CID.scope
	cg=/sys/fs/cgroup/system.slice/$unit
	sd_runac run -d "$CID"
	progs=$(bpftool cgroup show "$cg" 2>&1)
	diag "programs on $unit: $(echo "$progs" | awk 'NR > 1 { print $NF }' | tr '\n' ' ')"
	expect_match "$progs" "*runac_connect4*" "bpftool cgroup show $cg"
	sd_runac delete -f "$CID"
	expect_unit_gone "$unit" "delete -f"
}

# containerd's runc-v2 shim with its systemd cgroup option (what
# `SystemdCgroup = true` sets; ctr's --runc-systemd-cgroup) calls runac
# --systemd-cgroup: the container's scope, as for runc, and none after delete.
test_runac_under_containerd_shim_like_runc() {
	ctd=$TEST_TMP/ctd
	mkdir -p "$ctd"
	cat >"$ctd/config.toml" <<-EOF
		version = 2
		root = "$ctd/root"
		state = "$ctd/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$ctd/containerd.sock"
		[ttrpc]
		  address = "$ctd/containerd.sock.ttrpc"
	EOF
	containerd --config "$ctd/config.toml" >"$ctd/log" 2>&1 &
	ctd_pid=$!
	trap 'kill $ctd_pid 2>/dev/null; wait $ctd_pid 2>/dev/null' EXIT
	c() { ctr --address "$ctd/containerd.sock" -n vmtest "$@"; }
	n=0
	until c version >/dev/null 2>&1; do
		n=$((n + 1))
		[ $n -lt 300 ] || fail "containerd did not answer: $(tail -n 5 "$ctd/log")"
		sleep 0.1
	done
	c images import --snapshotter native /vm/busybox-image.tar >/dev/null
	for rt in runac runc; do
		bin=/usr/local/bin/runac
		[ $rt = runc ] && bin=/usr/sbin/runc
		unit=ctr-$rt-$CID.scope
		c run -d --snapshotter native --runc-binary "$bin" --runc-systemd-cgroup \
			--cgroup "system.slice:ctr-$rt:$CID" docker.io/library/busybox:vm "$rt-$CID" sleep 30
		pid=$(c tasks ls | awk -v id="$rt-$CID" '$1 == id { print $2 }')
		expect_eq "$(unit_prop "$unit" ActiveState)" active "$rt under the shim: $unit ActiveState"
		expect_eq "$(unit_prop "$unit" Delegate)" yes "$rt under the shim: $unit Delegate"
		expect_eq "$(cgroup_of "$pid")" "/system.slice/$unit" "$rt under the shim: cgroup of the container's init"
		c tasks kill -s KILL "$rt-$CID"
		n=0
		until c tasks ls | grep -q "^$rt-$CID .*STOPPED"; do
			n=$((n + 1))
			[ $n -lt 100 ] || fail "$rt under the shim: the task did not stop"
			sleep 0.1
		done
		c tasks delete "$rt-$CID" >/dev/null
		c containers delete "$rt-$CID"
		expect_unit_gone "$unit" "$rt under the shim, delete"
	done
	c images rm docker.io/library/busybox:vm >/dev/null
}
