#!/usr/bin/env bats
# runac, its init, its hooks and its monitor SIGKILLed at chosen steps of
# create, start, exec and delete. strace(1) holds the step: it SIGKILLs each
# process of the command's tree that enters a given system call for the Nth
# time (strace counts per process), so a step is named by the call that
# begins it (the 2nd mkdir: the first cgroup; the init's 30th mount; the
# 20th bpf call: an egress program's attach), never by timing. After each
# kill the container is unknown or in a state `state` reports whole,
# `delete --force` removes it, and the leak guard finds nothing left: no
# state, mount, cgroup, BPF program or link, monitor or stray process.
#
# CI runs chosen steps of each kind; RUNAC_TEST_LONG=1 walks every
# occurrence of each call, N = 1, 2, ... until the command succeeds.

bats_require_minimum_version 1.5.0
load ../lib/helpers

POLICY='{"capabilities": {"filesystem": {"write": ["/tmp"]},
           "network": {"egress": [{"host": "example.com", "port": 443}, {"host": "10.0.0.0/8"}]}},
         "secrets": {"TOKEN": "env://TOKEN"}, "policy": {"escalation": "prompt"}}'

setup() {
	common_setup
	cd "$BUNDLE"
	T=$BATS_TEST_TMPDIR
	printf 'audit-dir = "%s/audit"\ngrant-dir = "%s/grants"\n' "$T" "$T" >"$T/runac.conf"
	set_cmd 'sleep 100'
	KILLS=0
}
teardown() { common_teardown; }

krunac() { runac --config "$T/runac.conf" "$@"; }

with_policy() {
	annotate org.agentcontainers.agent "$POLICY"
	update_config '.root.readonly = false | .process.env += ["TOKEN=t0k3n"]'
}

# traced SIGNAL SYSCALL N TRACE ARGS...: `runac ARGS...` in the background,
# started stopped so that strace (-f, output in TRACE) sees all of it;
# strace sends SIGNAL to every process of its tree entering SYSCALL for the
# Nth time (strace counts per process). Sets `pid` (runac) and `spid`.
traced() {
	local sig=$1 sys=$2 n=$3 trace=$4
	shift 4
	sh -c 'kill -STOP $$; exec "$@"' sh "$RUNAC" --root "$RUNAC_ROOT" --config "$T/runac.conf" "$@" \
		>"$T/out" 2>&1 3>&- &
	pid=$!
	until grep -q '^State:.*(stopped)' "/proc/$pid/status"; do sleep 0.01; done
	: >"$trace"
	strace -f -q -o "$trace" -e trace="$sys" -e inject="$sys:signal=$sig:when=$n" -p "$pid" 3>&- &
	spid=$!
	until grep -q "^TracerPid:[[:space:]]*$spid\$" "/proc/$pid/status"; do sleep 0.01; done
	kill -CONT "$pid"
}
# finish_traced: `rc` is runac's exit status once it is gone; strace
# detached from what is left. A create's monitor sets itself up once create
# has exited: strace stays until it has said whether it is ready (or died),
# so that its steps are the sweep's too.
finish_traced() {
	rc=0
	wait "$pid" || rc=$?
	monitor_settled
	kill -INT "$spid" 2>/dev/null || true
	wait "$spid" || true
}
living() {
	local state
	state=$(grep '^State:' "/proc/$1/status" 2>/dev/null) && [[ $state != *zombie* && $state != *dead* ]]
}
monitor_settled() {
	local mpid n=200
	mpid=$(monitor_pid) || return 0
	until [[ -s $RUNAC_ROOT/$CID/monitor.status ]] || ! living "$mpid"; do
		((n-- > 0)) || { echo "monitor $mpid never said it was ready" >&2; return 1; }
		sleep 0.05
	done
}

# killed_at SYSCALL N ARGS...: `runac ARGS...` traced, SIGKILLing each
# process at its Nth SYSCALL; sets `rc` and `killed` (how many processes
# strace killed).
killed_at() {
	traced KILL "$1" "$2" "$T/ktrace" "${@:3}"
	finish_traced
	killed=$(grep -c 'killed by SIGKILL' "$T/ktrace" || true)
	KILLS=$((KILLS + killed))
}

# aftermath EXPECTED...: the container is unknown or `state` says one of
# EXPECTED; `delete --force` removes it and nothing is left.
aftermath() {
	local now
	run krunac state "$CID"
	if [ "$status" -eq 0 ]; then
		now=$(jq -r .status <<<"$output")
		[[ " $* " == *" $now "* ]] || { echo "state says $now, expected one of: $*" && return 1; }
	else
		[[ $output == *"container does not exist"* ]] || { echo "state: $output" && return 1; }
	fi
	krunac delete --force "$CID"
	leak_guard_check
}

# sweep STEPS CMD ARGS...: for each SYSCALL:N1,N2,... of STEPS, kill at each
# Nth SYSCALL (long run: N = 1, 2, ... until no process made an Nth call),
# check the aftermath, and make the container again with `before` when the
# command needs one.
sweep() {
	local steps=$1 step sys ns n
	shift
	for step in $steps; do
		sys=${step%%:*} ns=${step#*:}
		if [ -n "${RUNAC_TEST_LONG:-}" ]; then ns=$(seq -s, 1 500); fi
		for n in ${ns//,/ }; do
			rm -f "$T/pid"
			before
			killed_at "$sys" "$n" "$@"
			echo "# $* killed at $sys #$n: $killed killed, runac exit $rc" >&3
			if [ "$rc" -eq 0 ] && [ "$1" = create ]; then
				[ "$(krunac state "$CID" | jq -r .status)" = created ]
				# A create that succeeded wrote its pid file whole.
				[ "$(cat "$T/pid")" = "$(krunac state "$CID" | jq -r .pid)" ]
			fi
			aftermath created running stopped paused
			if [ "$killed" -eq 0 ] && [ -n "${RUNAC_TEST_LONG:-}" ]; then break; fi
		done
	done
}

# The steps of create that runac takes (mkdir: the state directory, then
# the cgroups; rename: config.json, the cgroups record, state.json, the pid
# file; write:
# cgroup limits and device rules; clone3: the init; sendmsg/recvmsg: the
# sync with the init) and those its init takes (mount, pivot_root, ...).
CREATE_STEPS='mkdir:1,2,5,12 rename:1,2,3,4 flock:1 write:1,12,25 clone3:1 sendmsg:1,2 recvmsg:1
	mount:1,10,30,55 mkdirat:1 mknodat:1 symlinkat:1 pivot_root:1 sethostname:1 capset:1 setresuid:1'

@test "create killed at each step, runac or its init: unknown or whole, and delete --force leaves nothing" {
	before() { :; }
	sweep "$CREATE_STEPS" create --pid-file "$T/pid" "$CID"
	[ "$KILLS" -ge 25 ]
}

@test "a policy container's create killed at each step, runac, its init or its monitor" {
	with_policy
	before() { :; }
	# bpf: the egress programs' load (first create of a boot), maps and
	# attaches, and the monitor's own; socket, bind, setns, listen: the
	# monitor's resolver; landlock_restrict_self, seccomp: the init's.
	sweep 'bpf:1,5,10,20,30,40 clone:1 clone3:1 socket:1,3,5 bind:1,5 setns:1 listen:2 rename:4
		landlock_create_ruleset:1 landlock_restrict_self:1 seccomp:1,2 mount:61' create --pid-file "$T/pid" "$CID"
	[ "$KILLS" -ge 15 ]
}

@test "start, exec and delete killed at each step: the container's state stays true and delete --force ends it" {
	with_policy
	before() {
		krunac create "$CID" >/dev/null 2>&1 3>&-
	}
	sweep 'openat:1,3,6 read:1,4 write:1,2 rename:1 connect:1 kill:1' start "$CID"
	before() {
		krunac create "$CID" >/dev/null 2>&1 3>&-
		krunac start "$CID"
	}
	sweep 'clone3:1 setns:1,3 openat:1,5 write:1 execve:1 landlock_restrict_self:1' exec "$CID" true
	sweep 'kill:1 openat:1,5 rmdir:1,5 unlink:1 bpf:1,5 flock:1' delete --force "$CID"
	[ "$KILLS" -ge 15 ]
}

# held_at SYSCALL N ARGS...: `runac ARGS...` in the background under strace,
# which stops the first process of its tree to finish its Nth SYSCALL; sets
# `held` to that process (strace's SIGSTOP lands as the call returns) and
# `pid` to runac's. Resume with `kill -CONT "$held"`, then finish_traced.
held_at() {
	traced STOP "$1" "$2" "$T/trace" "${@:3}"
	until held=$(awk '/--- stopped by SIGSTOP ---/ && $1 != '"$pid"' { print $1; exit }' "$T/trace") && [ -n "$held" ]; do
		sleep 0.01
	done
}

# A second root, "decoy", that a swapped root.path would lead to.
decoy_rootfs() {
	cp -a "$BUNDLE/rootfs" "$T/decoy"
	echo original >"$BUNDLE/rootfs/marker"
	echo decoy >"$T/decoy/marker"
	find "$T/decoy" | sort >"$T/decoy.before"
}
swap_rootfs() {
	mv "$BUNDLE/rootfs" "$BUNDLE/rootfs.orig"
	ln -s "$T/decoy" "$BUNDLE/rootfs"
}
unswap_rootfs() {
	rm "$BUNDLE/rootfs"
	mv "$BUNDLE/rootfs.orig" "$BUNDLE/rootfs"
}

@test "root.path swapped for a symlink during create: refused before the mounts, or never followed after" {
	with_policy
	decoy_rootfs
	set_cmd 'cat /marker; ls /run/secrets; touch /tmp/written'
	# The init has made "/" a slave and has yet to look at the rootfs.
	held_at mount 1 create "$CID"
	swap_rootfs
	kill -CONT "$held"
	finish_traced
	cat "$T/out"
	[ "$rc" -eq 1 ]
	grep -q "root.path: $BUNDLE/rootfs was replaced while the container was being created" "$T/out"
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
	unswap_rootfs
	# The init has bound and opened the rootfs (its first openat2 is the
	# first config mount's target): the policy's binds, the secrets, pivot_root
	# and the program all come after the swap, and must not follow it.
	held_at openat2 1 create "$CID"
	swap_rootfs
	kill -CONT "$held"
	finish_traced
	cat "$T/out"
	[ "$rc" -eq 0 ]
	krunac start "$CID"
	wait_for_state "$CID" stopped
	cat "$T/out"
	grep -qx original "$T/out"
	grep -qx TOKEN "$T/out"
	[ -e "$BUNDLE/rootfs.orig/tmp/written" ]
	krunac delete "$CID"
	unswap_rootfs
	# Nothing of the container went into the decoy.
	find "$T/decoy" | sort | diff "$T/decoy.before" -
}
