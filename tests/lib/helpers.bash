# helpers.bash: shared harness for every bats tier (load ../lib/helpers).
#
# Env:
#   RUNAC              runtime under test (any runc-compatible binary); required
#   RUNC               reference runtime for differential tests (default: runc)
#   RUNAC_TEST_ROOTFS  cached busybox rootfs; default: one built per bats run
#   RUNAC_LEAK_IGNORE  extended regex; leak-guard lines matching it are ignored
#   RUNAC_TEST_KEEP    non-empty: keep bundles and state roots after each test
#   RUNAC_TEST_LOCK    lock serialising test runs (/run/lock/runac-tests.lock)
#   BATS_TEST_TIMEOUT  seconds per test (default here: 120; two hours with
#                      RUNAC_TEST_LONG)
#   RUNAC_TEST_LONG    non-empty: the long variants (kills.bats, soak.bats)
#
# Every test gets its own state root and bundle under $BATS_TEST_TMPDIR, so
# nothing here reads or writes /run/runc or /run/runac. The default bundle
# keeps runc's defaults (new network namespace with only loopback: no
# traffic leaves the container).

: "${RUNAC:?set RUNAC to the runtime binary under test, e.g. RUNAC=/path/to/runac}"
RUNAC=$(command -v "$RUNAC") || { echo "RUNAC: not found" >&2; return 1; }
RUNC=$(command -v "${RUNC:-runc}") || RUNC=${RUNC:-runc}
export RUNAC RUNC

# A hung test fails (and its teardown cleans up) instead of hanging the run.
# A classic hang: `run runac create` when create succeeds, since runc's
# non-terminal create hands its stdout/stderr (here the capture pipe) to the
# container, and bats reads that pipe until the container closes it.
if [[ -n ${RUNAC_TEST_LONG:-} ]]; then : "${BATS_TEST_TIMEOUT:=7200}"; fi
: "${BATS_TEST_TIMEOUT:=120}"

# A command that must fail is written `run ! cmd`: under bats a bare
# `! cmd` that is not a test's last command never fails the test.
bats_require_minimum_version 1.5.0

HELPERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOTFS_FIXTURE=${RUNAC_TEST_ROOTFS:-$BATS_RUN_TMPDIR/rootfs}
RUNAC_ROOT=$BATS_TEST_TMPDIR/state
BUNDLE=$BATS_TEST_TMPDIR/bundle
# Unique per run and per test: the cgroup and state paths of one test (or of
# a concurrent run) can never collide with another's.
CID=t-${BATS_RUN_TMPDIR##*-}-${BATS_SUITE_TEST_NUMBER:-0}

# runac ARGS...: the runtime under test on this test's private state root.
runac() {
	"$RUNAC" --root "$RUNAC_ROOT" "$@"
}

# Build the rootfs once per run (make-rootfs.sh is idempotent, but checking
# its stamp costs a checksum; the marker skips that for later tests).
_ensure_rootfs() {
	[[ -e $BATS_RUN_TMPDIR/.rootfs-ready ]] && return 0
	"$HELPERS_DIR/make-rootfs.sh" "$ROOTFS_FIXTURE" && touch "$BATS_RUN_TMPDIR/.rootfs-ready"
}

# setup_bundle [DIR]: fresh bundle (default $BUNDLE) with a copy of the
# rootfs and runc's default config.json, made non-interactive (args
# `sh -c true`; change them with set_cmd), and cd into it, so that
# `runac create ID` finds it as runc's default bundle (the cwd). The config
# comes from "$RUNC" spec so that tests never depend on runac's own `spec`.
# A copy (2 MB, ~20 ms) rather than hardlinks: a test that writes into the
# rootfs must not change the cached fixture through a shared inode.
setup_bundle() {
	local dir=${1:-$BUNDLE}
	_ensure_rootfs || return 1
	rm -rf "$dir" && mkdir -p "$dir" || return 1
	cp -a "$ROOTFS_FIXTURE" "$dir/rootfs" || return 1
	rm -f "$dir/rootfs/.runac-rootfs-stamp"
	"$RUNC" spec --bundle "$dir" || return 1
	update_config '.process.terminal = false | .process.args = ["sh", "-c", "true"]' "$dir" &&
		cd "$dir"
}

# update_config 'JQ_EXPR' [DIR]: edit DIR/config.json (default $BUNDLE) in place.
update_config() {
	local cfg=${2:-$BUNDLE}/config.json
	jq "$1" "$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
}

# set_cmd 'SHELL SNIPPET' [DIR]: process.args = ["sh", "-c", SNIPPET].
set_cmd() {
	local cfg=${2:-$BUNDLE}/config.json
	jq --arg s "$1" '.process.args = ["sh", "-c", $s]' "$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
}

# annotate KEY VALUE: set an annotation in $BUNDLE/config.json.
annotate() {
	local cfg=$BUNDLE/config.json
	jq --arg k "$1" --arg v "$2" '.annotations[$k] = $v' "$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
}

# refused_create TEXT [GLOBAL ARGS...]: `create $CID` fails within a minute
# with one line holding TEXT and leaves no state (the leak guard checks the
# rest). Its output goes to a file, in `output`: a create that wrongly
# succeeded would hold bats' pipe.
refused_create() {
	local text=$1 rc=0
	shift
	timeout 60 "$RUNAC" --root "$RUNAC_ROOT" "$@" create "$CID" >"$BATS_TEST_TMPDIR/create.out" 2>&1 || rc=$?
	output=$(cat "$BATS_TEST_TMPDIR/create.out")
	echo "$output"
	if [ "$rc" -eq 0 ]; then
		runac "$@" delete --force "$CID"
		return 1
	fi
	[ "$rc" -eq 1 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/create.out")" -eq 1 ]
	[[ $output == *"$text"* ]]
	[ -z "$(ls -A "$RUNAC_ROOT" 2>/dev/null)" ]
}

# reachable_by_all DIR...: o+x on every DIR and its ancestors.
reachable_by_all() {
	local d
	for d in "$@"; do
		while [ "$d" != / ]; do
			chmod o+x "$d" && d=$(dirname "$d")
		done
	done
}

# userns_bundle: the bundle gets a new user namespace, container ids
# 0..65535 on host ids 100000..165535. As under runc, the container's root
# builds the container: it must own the rootfs and reach the bundle (what
# Docker's userns-remap and Podman's --uidmap arrange for their images).
USERNS_MAPS='[{"containerID": 0, "hostID": 100000, "size": 65536}]'
userns_bundle() {
	chown -R 100000:100000 "$BUNDLE/rootfs"
	reachable_by_all "$BUNDLE"
	update_config ".linux.namespaces += [{\"type\": \"user\"}] | .linux.uidMappings = $USERNS_MAPS |
		.linux.gidMappings = $USERNS_MAPS"
}

# monitor_pid [ID]: the pid of a policy container's monitor, which create
# records beside the state (monitor: "PID START_TIME"), or nothing.
monitor_pid() {
	local record=$RUNAC_ROOT/${1:-$CID}/monitor
	[[ -r $record ]] && cut -d' ' -f1 "$record"
}

# wait_in_rootfs FILE [TIMEOUT_SECONDS=10]: wait for the container to write
# /FILE (a non-empty file in the bundle's rootfs).
wait_in_rootfs() {
	local n=$((${2:-10} * 20))
	until [[ -s $BUNDLE/rootfs/$1 ]]; do
		((n-- > 0)) || { echo "container never wrote /$1" >&2; return 1; }
		sleep 0.05
	done
}

# wait_for_state ID STATE [TIMEOUT_SECONDS=10]: poll `state` until .status
# is STATE. Each `state` is itself bounded: a runtime that blocks in `state`
# (e.g. on a lock a foreground `run` holds) fails the test, not hangs it.
wait_for_state() {
	local id=$1 want=$2 deadline=$((SECONDS + ${3:-10})) got
	while :; do
		got=$(timeout 5 "$RUNAC" --root "$RUNAC_ROOT" state "$id" 2>/dev/null | jq -r .status 2>/dev/null)
		[[ $got == "$want" ]] && return 0
		((SECONDS >= deadline)) && break
		sleep 0.05
	done
	echo "wait_for_state: $id is '${got:-<no state>}', wanted '$want'" >&2
	return 1
}

# ---------------------------------------------------------------------------
# Leak guard. A runtime must leave the host exactly as it found it, even when
# a test fails: no mount, cgroup, device node change, BPF program, state file
# or process may outlive a container. leak_guard_begin snapshots the host;
# leak_guard_check first deletes leftover containers (so the next test starts
# clean), then compares, repairs what it safely can, and fails on any
# difference. Tests run one at a time (the lock below also serialises
# concurrent runs), so a change of global state belongs to the test.

# State roots to clean and inspect, as "BINARY<TAB>ROOT" lines; the
# differential runner adds the reference runtime's root.
LEAK_GUARD_ROOTS=()

# Cgroups a job supervisor (CI runner, systemd) creates for *other* jobs next
# to ours come and go on their own: ignore the siblings of our own cgroup,
# never our own subtree (runtimes nest containers there by default in v1).
_lg_own_cgroups() {
	cut -d: -f3- /proc/self/cgroup | sort -u | tr '\n' ' '
}

_lg_mounts() {
	# mountpoint + fstype: ids, devices and peer groups change legitimately.
	# runac's bpffs for the programs it shares per boot is a cache.
	awk '{ for (i = 7; $i != "-"; i++); print "mount " $5 " " $(i + 1) }' /proc/self/mountinfo |
		grep -vx 'mount /run/runac-cache/bpffs bpf' | sort
}

_lg_cgroups() {
	local mnt
	for mnt in $(awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts); do
		find "$mnt" -mindepth 1 -maxdepth 8 -type d -printf "cgroup $mnt /%P\n" 2>/dev/null
	done | awk -v own="$(_lg_own_cgroups)" '
		BEGIN { n = split(own, o, " ") }
		{
			for (i = 1; i <= n; i++) {
				parent = o[i]; sub(/\/[^\/]*$/, "", parent)
				if (parent != "" && index($3, parent "/") == 1 &&
				    $3 != o[i] && index($3, o[i] "/") != 1) next
			}
			print
		}' | sort
}

LEAK_GUARD_DEVICES=(/dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty)
_lg_devices() {
	stat -c 'device %n %u:%g %a %F %t:%T' "${LEAK_GUARD_DEVICES[@]}" 2>&1
}

_lg_bpf() {
	# Programs that confine containers; a leaked one keeps enforcing forever.
	command -v bpftool >/dev/null || return 0
	# The egress programs and outer maps runac pins once per boot for every
	# container (/run/runac-cache/bpffs), with the maps those programs use,
	# are a cache, not a leak; each container's own maps are.
	local shared
	shared=$(_lg_shared_bpf)
	bpftool prog list -j 2>/dev/null |
		jq -r --argjson shared "$shared" '.[] | select(.type | test("^(cgroup|lsm|tracing)")) |
			select(.id as $id | $shared.progs | index($id) | not) | "bpf-prog \(.id) \(.type) \(.name // "")"' 2>/dev/null
	# Maps: the egress programs' own (runac_allow4, ..., a container's runac_denials).
	bpftool map list -j 2>/dev/null |
		jq -r --argjson shared "$shared" '.[] | select((.name // "") | startswith("runac")) |
			select(.id as $id | $shared.maps | index($id) | not) | "bpf-map \(.id) \(.type) \(.name)"' 2>/dev/null
	# Pinned links and maps (runac pins LSM links under /sys/fs/bpf/runac).
	if [[ $(stat -f -c %T /sys/fs/bpf 2>/dev/null) == bpf_fs ]]; then
		find /sys/fs/bpf -mindepth 1 -printf 'bpf-pin /sys/fs/bpf/%P\n' 2>/dev/null | sort
	fi
}

# {"progs": [ids], "maps": [ids]}: what runac's per-boot pins hold.
_lg_shared_bpf() {
	local pin progs=() maps=()
	for pin in /run/runac-cache/bpffs/egress-*/*; do
		[[ -e $pin ]] || continue
		if [[ ${pin##*/} == runac_@(connect|sendmsg|recvmsg|sock|bind)* ]]; then
			progs+=("$(bpftool prog show pinned "$pin" -j 2>/dev/null)")
		else
			maps+=("$(bpftool map show pinned "$pin" -j 2>/dev/null | jq .id)")
		fi
	done
	jq -cn --argjson progs "[$(IFS=,; echo "${progs[*]}")]" --argjson maps "[$(IFS=,; echo "${maps[*]}")]" \
		'{progs: [$progs[].id], maps: ($maps + [$progs[].map_ids[]] | unique)}'
}

_lg_state() {
	local entry root
	for entry in "${LEAK_GUARD_ROOTS[@]}"; do
		root=${entry#*$'\t'}
		if [[ -d $root ]]; then find "$root" -mindepth 1 -printf "state $root/%P\n"; fi
	done | sort
}

# Processes of this test: its argv names the test's temp dir (every runtime
# command does, through --root or --bundle); or it sits in one of the test's
# containers (cgroup path holds $CID, or its root is one of the test's
# rootfs: a container process's argv says nothing about the container); or
# it is a runtime (argv[0], e.g. "runc init") descended from this test.
# Nothing broader: a concurrent run's processes must neither be reported
# nor killed by the repair. Zombies are skipped: they hold no resources,
# and whether an orphan is reaped depends on the host's pid 1.
_lg_procs() {
	local d pid stat argv cg r names rootfs=() p hops
	local -A ppid=() line=() runtime=()
	names=" ${RUNAC##*/} ${RUNC##*/} "
	for r in "$BATS_TEST_TMPDIR"/bundle*/rootfs "$BATS_TEST_TMPDIR"/*/bundle/rootfs; do
		if [[ -d $r ]]; then rootfs+=("$r"); fi
	done
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		[[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
		read -r stat 2>/dev/null <"$d/stat" || continue
		stat=${stat##*) }
		[[ ${stat%% *} == Z ]] && continue
		stat=${stat#* }
		ppid[$pid]=${stat%% *}
		mapfile -d '' -t argv 2>/dev/null <"$d/cmdline" || continue
		((${#argv[@]})) || continue # kernel thread
		if [[ "${argv[*]}" == *"$BATS_TEST_TMPDIR"* ]]; then
			echo "process $pid ${argv[*]}"
			continue
		fi
		cg=
		read -r -d '' cg 2>/dev/null <"$d/cgroup"
		if [[ $cg$'\n' == *"/$CID"[-/$'\n']* ]]; then
			echo "process $pid ${argv[*]} (cgroup of $CID)"
			continue
		fi
		for r in "${rootfs[@]}"; do
			if [[ $d/root/ -ef $r ]]; then
				echo "process $pid ${argv[*]} (root $r)"
				continue 2
			fi
		done
		p=${argv[0]##*/}
		if [[ $names == *" ${p%%:*} "* ]]; then
			runtime[$pid]=1 line[$pid]="process $pid ${argv[*]}"
		fi
	done
	for pid in "${!runtime[@]}"; do
		p=$pid hops=0
		while [[ -n ${ppid[$p]:-} && $p != 1 && hops -lt 64 ]]; do
			p=${ppid[$p]} hops=$((hops + 1))
			if [[ $p == "$$" ]]; then echo "${line[$pid]}"; break; fi
		done
	done
}

# Drop what belongs to another run of this harness (its container ids and
# temp dirs carry another run's tag), and what RUNAC_LEAK_IGNORE matches.
_lg_filter() {
	local tag=${BATS_RUN_TMPDIR##*-}
	grep -Pv "/t-(?!$tag-)[A-Za-z0-9]{6}-[0-9]+(?=[-/ ]|\$)|/bats-run-(?!$tag/)" |
		if [[ -n ${RUNAC_LEAK_IGNORE:-} ]]; then grep -Ev -- "$RUNAC_LEAK_IGNORE"; else cat; fi
}

_lg_snapshot() {
	{ _lg_mounts; _lg_cgroups; _lg_devices; _lg_bpf; _lg_state; } | _lg_filter
}

# Other test runs on this machine (another checkout, the benchmark) change
# the same global state; one lock serialises them test by test. A holder
# process owns it (flock --no-fork execs sleep with the lock fd), so that
# nothing the test starts inherits the lock and outlives it holding it.
LEAK_GUARD_LOCK=${RUNAC_TEST_LOCK:-/run/lock/runac-tests.lock}
_lg_lock() {
	local ready=$BATS_TEST_TMPDIR/.test-lock-held
	rm -f "$ready"
	flock --no-fork -w "${RUNAC_TEST_LOCK_TIMEOUT:-600}" "$LEAK_GUARD_LOCK" \
		sh -c 'touch "$0" && exec sleep infinity' "$ready" </dev/null >/dev/null 2>&1 3>&- &
	LEAK_GUARD_LOCK_PID=$!
	until [[ -e $ready ]]; do
		if ! kill -0 "$LEAK_GUARD_LOCK_PID" 2>/dev/null; then
			echo "leak guard: $LEAK_GUARD_LOCK stayed locked by another test run" >&2
			return 1
		fi
		sleep 0.02
	done
}

# A guard whose snapshot silently came out empty would pass everything.
_lg_sane() {
	if ! grep -q '^mount / ' "$1" || ! grep -q '^device /dev/null ' "$1"; then
		echo "leak guard: the host snapshot $1 is incomplete; the guard itself is broken" >&2
		return 1
	fi
}

leak_guard_begin() {
	_lg_lock || return 1
	LEAK_GUARD_DIR=$BATS_TEST_TMPDIR/leak-guard
	mkdir -p "$LEAK_GUARD_DIR"
	[[ ${#LEAK_GUARD_ROOTS[@]} -gt 0 ]] || LEAK_GUARD_ROOTS=("$RUNAC"$'\t'"$RUNAC_ROOT")
	_lg_snapshot >"$LEAK_GUARD_DIR/before"
	_lg_sane "$LEAK_GUARD_DIR/before" || return 1
	_lg_procs | _lg_filter | sort >"$LEAK_GUARD_DIR/procs-before"
}

# Force-delete every container left in the guarded state roots; prints one
# line per leftover (each is a leak: the test should have deleted it).
_lg_delete_leftovers() {
	local entry bin root id ids
	for entry in "${LEAK_GUARD_ROOTS[@]}"; do
		bin=${entry%%$'\t'*} root=${entry#*$'\t'}
		[[ -d $root ]] || continue
		# `list -q` and the directory names: either may be wrong in a buggy runtime.
		ids=$({ timeout 10 "$bin" --root "$root" list -q 2>/dev/null
			find "$root" -mindepth 1 -maxdepth 1 -type d -printf '%f\n'; } | sort -u)
		for id in $ids; do
			echo "container left in $root: $id"
			timeout 20 "$bin" --root "$root" delete --force "$id" >/dev/null 2>&1 ||
				echo "  and '${bin##*/} delete --force $id' failed"
		done
	done
}

# Stop a process first, so it cannot fork meanwhile, then its descendants.
_lg_kill_tree() {
	local child
	kill -STOP "$1" 2>/dev/null || return 0
	for child in $(ps -o pid= --ppid "$1"); do _lg_kill_tree "$child"; done
	kill -KILL "$1" 2>/dev/null
}

# Undo what can be undone without guessing: kill new processes, remove new
# (empty) cgroups, lazily unmount new mounts under this test's temp dir,
# restore device node owner/mode.
_lg_repair() {
	local a b c rest pid
	for pid in $(awk '{ print $2 }' "$LEAK_GUARD_DIR/procs-new"); do
		_lg_kill_tree "$pid"
	done
	sleep 0.2
	grep '^> cgroup ' "$LEAK_GUARD_DIR/diff" | awk '{ print $3 $4 }' |
		sort -r | xargs -r rmdir 2>/dev/null
	grep '^> mount ' "$LEAK_GUARD_DIR/diff" | awk '{ print $3 }' | sort -r |
		while read -r a; do if [[ $a == "$BATS_TEST_TMPDIR"/* ]]; then umount -l "$a"; fi; done
	grep '^< device ' "$LEAK_GUARD_DIR/diff" | while read -r _ _ a b c rest; do
		chown "$b" "$a" && chmod "$c" "$a"
	done
	return 0
}

leak_guard_check() {
	local leftovers rc=0
	[[ -n ${LEAK_GUARD_DIR:-} && -f $LEAK_GUARD_DIR/before ]] || return 0
	leftovers=$(_lg_delete_leftovers)
	# Give killed inits a moment to be torn down before taking the snapshot.
	if [[ -n $leftovers ]]; then sleep 0.3; fi
	# The kernel frees a detached program's maps a moment later (RCU): a
	# difference in BPF objects alone is looked at again for up to a second.
	local tries=10
	while _lg_snapshot >"$LEAK_GUARD_DIR/after" && ((tries-- > 0)); do
		diff "$LEAK_GUARD_DIR/before" "$LEAK_GUARD_DIR/after" | grep '^[<>]' | grep -qv '^[<>] bpf-' && break
		diff -q "$LEAK_GUARD_DIR/before" "$LEAK_GUARD_DIR/after" >/dev/null && break
		sleep 0.1
	done
	_lg_sane "$LEAK_GUARD_DIR/after" || return 1
	_lg_procs | _lg_filter | sort >"$LEAK_GUARD_DIR/procs-after"
	comm -13 "$LEAK_GUARD_DIR/procs-before" "$LEAK_GUARD_DIR/procs-after" >"$LEAK_GUARD_DIR/procs-new"
	diff "$LEAK_GUARD_DIR/before" "$LEAK_GUARD_DIR/after" | { grep '^[<>]' || true; } >"$LEAK_GUARD_DIR/diff"
	if [[ -n $leftovers || -s $LEAK_GUARD_DIR/diff || -s $LEAK_GUARD_DIR/procs-new ]]; then
		{
			echo "LEAK GUARD: the host changed during this test ('<' was there before, '>' is new):"
			if [[ -n $leftovers ]]; then echo "$leftovers"; fi
			cat "$LEAK_GUARD_DIR/diff"
			sed 's/^/> /' "$LEAK_GUARD_DIR/procs-new"
		} >&2
		_lg_repair
		rc=1
	fi
	return $rc
}

# leak_guard_end: release the lock taken by leak_guard_begin.
leak_guard_end() {
	if [[ -n ${LEAK_GUARD_LOCK_PID:-} ]]; then
		kill "$LEAK_GUARD_LOCK_PID" 2>/dev/null || true
		wait "$LEAK_GUARD_LOCK_PID" 2>/dev/null || true
		unset LEAK_GUARD_LOCK_PID
	fi
	return 0
}

# ---------------------------------------------------------------------------
# Default setup/teardown for a .bats file:
#   setup()    { common_setup; }
#   teardown() { common_teardown; }

common_setup() {
	mkdir -p "$RUNAC_ROOT"
	leak_guard_begin
	setup_bundle
}

common_teardown() {
	local rc=0
	cd / # out of the bundle before it goes
	leak_guard_check || rc=1
	# Bundles are 2 MB each; do not let a long run pile them up. To inspect
	# them: RUNAC_TEST_KEEP=1 bats --no-tempdir-cleanup ...
	if [[ -z ${RUNAC_TEST_KEEP:-} ]]; then
		rm -rf "$BUNDLE" "$RUNAC_ROOT" "$BATS_TEST_TMPDIR"/diff-*
	fi
	leak_guard_end
	return $rc
}
