# lib.sh: helpers for the VM tier's guest tests (busybox sh; loaded by
# runner.sh before the test file). Each test runs with `set -e` in its own
# directory $TEST_TMP, with these set by the runner:
#   RUNAC_ROOT  the test's private state root (runac --root)
#   BUNDLE      where setup_bundle makes the test's bundle
#   CID         a container id unique to the test
#   DIAG_FILE   lines written here (diag) show up in the TAP output
# jq is in the guest (with its libraries), as on the host.
#
# Under `set -e`, a failing command ends the test, except inside `if`,
# `while`, `&&`/`||` lists and `! cmd`; use the expect_* helpers for
# comparisons so that a failure says what was expected. `local x=$(cmd)`
# hides cmd's status: assign on a separate line.

ROOTFS_TEMPLATE=/vm/rootfs

# runac ARGS...: the runtime under test on the test's private state root.
runac() { /usr/local/bin/runac --root "$RUNAC_ROOT" "$@"; }
# runc_ ARGS...: Debian's runc, on a state root of its own next to runac's
# (systemd mode, tests/systemd.sh). The runner does not delete runc's
# leftover containers: a test cleans up after itself.
runc_() { /usr/sbin/runc --root "$RUNAC_ROOT-runc" "$@"; }

diag() { echo "$*" >>"$DIAG_FILE"; }
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect_eq GOT WANT WHAT
expect_eq() { [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"; }
# expect_match TEXT GLOB WHAT
expect_match() {
	case $1 in
	$2) ;;
	*) fail "$3: got '$1', want it to match '$2'" ;;
	esac
}

# setup_bundle [DIR]: a fresh bundle (default $BUNDLE) with a copy of the
# busybox rootfs and the config `runac spec` writes, made runnable here:
# no terminal, args `sh -c true` (change them with set_cmd); its deny-all
# device rule is enforced by runac's BPF device filter; then cd
# into it, so that `runac create ID` finds it as the default bundle.
setup_bundle() {
	_dir=${1:-$BUNDLE}
	rm -rf "$_dir"
	mkdir -p "$_dir"
	cp -a "$ROOTFS_TEMPLATE" "$_dir/rootfs"
	runac spec --bundle "$_dir"
	update_config '.process.terminal = false | .process.args = ["sh", "-c", "true"]' "$_dir"
	cd "$_dir" || return 1
}

# update_config 'JQ_EXPR' [DIR]: edit DIR/config.json (default $BUNDLE).
update_config() {
	_cfg=${2:-$BUNDLE}/config.json
	jq "$1" "$_cfg" >"$_cfg.new"
	mv "$_cfg.new" "$_cfg"
}

# set_cmd 'SHELL SNIPPET' [DIR]: process.args = ["sh", "-c", SNIPPET].
set_cmd() {
	_cfg=${2:-$BUNDLE}/config.json
	jq --arg s "$1" '.process.args = ["sh", "-c", $s]' "$_cfg" >"$_cfg.new"
	mv "$_cfg.new" "$_cfg"
}

# state_field ID FIELD: one field of `runac state ID` ('' if it fails).
state_field() {
	timeout 10 /usr/local/bin/runac --root "$RUNAC_ROOT" state "$1" 2>/dev/null | jq -r ".$2" 2>/dev/null
}

# wait_for_state ID STATE [TIMEOUT_SECONDS=20]: poll until .status is STATE.
wait_for_state() {
	_n=$((${3:-20} * 20))
	while [ $_n -gt 0 ]; do
		_got=$(state_field "$1" status)
		[ "$_got" = "$2" ] && return 0
		_n=$((_n - 1))
		sleep 0.05
	done
	fail "wait_for_state: $1 is '${_got:-<no state>}', wanted '$2'"
}

# wait_for_file PATH [TIMEOUT_SECONDS=20]
wait_for_file() {
	_n=$((${2:-20} * 20))
	while [ ! -e "$1" ]; do
		_n=$((_n - 1))
		[ $_n -gt 0 ] || fail "wait_for_file: $1 did not appear"
		sleep 0.05
	done
}

# fstype_of MOUNTPOINT: the file system type mounted there, from
# /proc/self/mounts (busybox stat -f does not know cgroup2).
fstype_of() { awk -v m="$1" '$2 == m { t = $3 } END { print t }' /proc/self/mounts; }

# cgroup_of PID: the pid's cgroup v2 path ("0::/a/b" -> "/a/b").
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }

# --- systemd mode (tests/systemd.sh, tests/systemd_hybrid.sh) ---------------

# unit_prop UNIT PROPERTY: one property of a unit ('' if systemctl fails).
unit_prop() { systemctl show -p "$2" --value "$1" 2>/dev/null; }

# wait_gone PATH [TIMEOUT_SECONDS=10]: poll until PATH does not exist.
wait_gone() {
	_n=$((${2:-10} * 20))
	while [ -e "$1" ]; do
		_n=$((_n - 1))
		[ $_n -gt 0 ] || return 1
		sleep 0.05
	done
}

# sd_runac ARGS...: runac with the systemd cgroup driver.
sd_runac() { runac --systemd-cgroup "$@"; }
# sd_rt runac|runc ARGS...: either runtime with the systemd cgroup driver.
sd_rt() {
	_rt=$1
	shift
	if [ "$_rt" = runac ]; then sd_runac "$@"; else runc_ --systemd-cgroup "$@"; fi
}

# run_in_scope RT UNIT: `run -d` of the bundle under RT with the systemd
# driver; checks that UNIT is an active, delegated scope whose cgroup is
# /system.slice/UNIT, and sets pid to the container's init.
run_in_scope() {
	sd_rt "$1" run -d "$CID"
	pid=$(sd_rt "$1" state "$CID" | jq -r .pid)
	expect_eq "$(unit_prop "$2" ActiveState)" active "$1: $2 ActiveState"
	expect_eq "$(unit_prop "$2" Delegate)" yes "$1: $2 Delegate"
	expect_eq "$(unit_prop "$2" ControlGroup)" "/system.slice/$2" "$1: $2 ControlGroup"
}

# expect_pause_resume_stats RT FREEZE_FILE FROZEN MEMORY_LIMIT: pause under
# RT freezes the container (FREEZE_FILE reads FROZEN), resume runs it
# again, and events --stats shows its one process and MEMORY_LIMIT.
expect_pause_resume_stats() {
	sd_rt "$1" pause "$CID"
	expect_eq "$(sd_rt "$1" state "$CID" | jq -r .status)" paused "$1: state after pause"
	expect_eq "$(cat "$2")" "$3" "$1: ${2##*/} after pause"
	sd_rt "$1" resume "$CID"
	expect_eq "$(sd_rt "$1" state "$CID" | jq -r .status)" running "$1: state after resume"
	_stats=$(sd_rt "$1" events --stats "$CID")
	expect_eq "$(echo "$_stats" | jq -r .data.pids.current)" 1 "$1: events --stats: pids.current"
	expect_eq "$(echo "$_stats" | jq -r .data.memory.usage.limit)" "$4" "$1: events --stats: memory limit"
}

# expect_unit_gone UNIT WHAT: neither the unit nor a cgroup directory of
# its name in any hierarchy is left (waits up to 5 s for the directories).
expect_unit_gone() {
	_n=100
	while [ -n "$(find /sys/fs/cgroup -name "$1" -type d 2>/dev/null)" ]; do
		_n=$((_n - 1))
		[ $_n -gt 0 ] || fail "$2 left $(find /sys/fs/cgroup -name "$1" -type d | tr '\n' ' ')"
		sleep 0.05
	done
	_load=$(unit_prop "$1" LoadState)
	_active=$(unit_prop "$1" ActiveState)
	[ "$_load" = not-found ] || fail "$2 left the unit $1 (LoadState '$_load', ActiveState '$_active')"
}
