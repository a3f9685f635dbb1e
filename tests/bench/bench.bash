# bench.bash: what the runtime benchmarks (lifecycle.sh, exec.sh,
# parallel.sh) share. Sourced; the script calls bench_enter "$@" first.
#
# Why they run the way they do:
# - crun 1.8 refuses this host's hybrid cgroups, so everything runs in one
#   private mount namespace where /sys/fs/cgroup is a pure cgroup2 mount; the
#   bundle has no linux.resources (crun would raise RLIMIT_MEMLOCK for its
#   device filter, which fails without CAP_SYS_RESOURCE).
# - It also runs in a private pid namespace whose pid 1 (a shell that only
#   waits) reaps the exited container inits reparented to it, instead of
#   leaving them as zombies under a host init that may not reap them.
# - Wait-for-exit is the engine's path: `create --pid-file`, `start`, then
#   watch the init pid in /proc (as a shim watches its child), then `delete`.
#   The watch is a bash builtin loop with 1 ms naps: it forks nothing and
#   costs the same for every runtime.
# - Peak RSS comes from GNU time's %M (wait4 ru_maxrss) around each runtime
#   command. Its fork+exec adds the same ~1 ms per command to every runtime;
#   -R leaves it out. (GNU time is Debian's `time` package.)
# - $tmp, where the bundles and every runtime's state root are, is a tmpfs,
#   as the /run of an engine's state roots is (on a disk file system, a
#   state file rewritten by rename and then unlinked costs a journal commit
#   of half a millisecond that no engine pays).
# - The test lock (/run/lock/runac-tests.lock) is held throughout: a
#   concurrent test run's leak guard would see the benchmark's cgroups.
# Env: RUNAC (runtime under test), RUNC (default runc), CRUN (default crun);
# a runtime whose binary is missing is reported as skipped.

bench_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# bench_enter SCRIPT_ARGS...: on the host, resolves the binaries and takes
# the lock, then runs the calling script again inside its own mount and pid
# namespaces with the same arguments; returns there (RUNAC_BENCH_INNER set).
bench_enter() {
	[[ -z ${RUNAC_BENCH_INNER:-} ]] || return 0
	local script=$0 var default val lock
	[[ $(id -u) == 0 ]] || { echo "${script##*/}: must run as root" >&2; exit 1; }
	for var in RUNAC RUNC CRUN; do
		default=; [[ $var == RUNC ]] && default=runc; [[ $var == CRUN ]] && default=crun
		val=${!var-$default}
		export "$var=$( [[ -n $val ]] && command -v "$val" || true)"
	done
	exec {lock}>>"${RUNAC_TEST_LOCK:-/run/lock/runac-tests.lock}"
	flock -w 600 "$lock" || { echo "${script##*/}: test lock busy" >&2; exit 1; }
	export RUNAC_BENCH_INNER=1
	# pid 1 is a minimal shell that only waits (and so reaps); the benchmark
	# is its foreground child (`; exit` keeps bash from exec'ing it instead).
	exec unshare --mount --pid --fork --mount-proc --propagation private -- \
		bash -c '"$0" "$@"; exit $?' "$script" "$@"
}

# bench_setup RSS: inside the namespaces: pure cgroup2, $tmp (removed at
# exit with every container and cgroup of this run), $tag, bin[RT] and
# names (runac runc crun), $rss (0 without /usr/bin/time), $stop (set on
# Ctrl-C: loops end at their next step and partial results are printed).
bench_setup() {
	rss=$1
	mount --make-rprivate /
	umount -l /sys/fs/cgroup
	mount -t cgroup2 none /sys/fs/cgroup
	tmp=$(mktemp -d /tmp/runac-bench.XXXXXX)
	mount -t tmpfs -o mode=0700 runac-bench "$tmp"
	tag=${tmp##*.}
	names=(runac runc crun)
	declare -gA bin=([runac]=$RUNAC [runc]=$RUNC [crun]=$CRUN) global=() failed=()
	if ((rss)) && [[ ! -x /usr/bin/time ]]; then
		echo "/usr/bin/time missing (apt-get install time): latency only" >&2
		rss=0
	fi
	trap bench_cleanup EXIT
	stop=
	trap 'stop=1' INT TERM
	# A blocking read on an idle fifo is a sleep that forks nothing.
	mkfifo "$tmp/nap" && exec {nap}<>"$tmp/nap"
}

bench_cleanup() {
	local rt id cg
	for rt in "${names[@]}"; do
		[[ -n ${bin[$rt]} && -d $tmp/root-$rt ]] || continue
		for id in $("${bin[$rt]}" --root "$tmp/root-$rt" list -q 2>/dev/null); do
			"${bin[$rt]}" --root "$tmp/root-$rt" delete --force "$id" >/dev/null 2>&1 || true
		done
	done
	# A runtime interrupted mid-create leaves a cgroup no state knows about;
	# the tag makes ours unmistakable. cgroup.kill empties it first.
	find /sys/fs/cgroup -maxdepth 3 -depth -type d -name "bench-$tag-*" 2>/dev/null |
		while read -r cg; do
			echo 1 >"$cg/cgroup.kill" 2>/dev/null || true
			for _ in 1 2 3 4 5; do rmdir "$cg" 2>/dev/null && break; sleep 0.1; done
		done
	# bench_cpu's cgroups: this shell leaves them first.
	if [[ -d /sys/fs/cgroup/bench-$tag ]]; then
		echo $$ >/sys/fs/cgroup/cgroup.procs
		for cg in /sys/fs/cgroup/bench-$tag/* /sys/fs/cgroup/bench-$tag; do
			[[ -d $cg ]] && rmdir "$cg" 2>/dev/null || true
		done
	fi
	umount -l "$tmp"
	rm -rf "$tmp"
}

# bench_cpu: CPU time, measured where wall time is too noisy to tell a few
# hundred microseconds apart (two cores shared with everything else). The
# benchmark's shell moves into the cgroup /bench-TAG/cmds, so every runtime
# command (and a process it leaves behind, such as runac's monitor) is
# counted there; a bundle given `"cgroupsPath": "$cpu_cgroup/ctr"` puts the
# container's processes under it too. A cgroup's usage_usec is the
# scheduler's exact count and keeps what its removed children used (the
# root's would be the whole machine's, counted in ticks). cpu_now sets `cpu`
# to the microseconds used so far, with bash builtins only (no fork).
bench_cpu() {
	cpu_cgroup=/bench-$tag
	mkdir -p "/sys/fs/cgroup$cpu_cgroup/cmds"
	echo $$ >"/sys/fs/cgroup$cpu_cgroup/cmds/cgroup.procs"
}
cpu_now() {
	local key value
	while read -r key value; do
		[[ $key == usage_usec ]] && cpu=$value && return
	done <"/sys/fs/cgroup$cpu_cgroup/cpu.stat"
}

# bench_bundle DIR ARGS_JSON [SECCOMP]: a busybox bundle, runc's default
# spec running ARGS; SECCOMP=1 adds the default seccomp profile (Podman's
# copy of Docker's rules) as an engine sends it.
bench_bundle() {
	local dir=$1 args=$2 caps spec_bin=${bin[runc]:-${bin[crun]:-${bin[runac]}}}
	[[ -n $spec_bin ]] || { echo "no runtime found" >&2; exit 1; }
	"$bench_here/../lib/make-rootfs.sh" "$dir/rootfs"
	(cd "$dir" && "$spec_bin" spec)
	jq --argjson args "$args" '.process.terminal = false | .process.args = $args | del(.linux.resources)' \
		"$dir/config.json" >"$tmp/config.json" && mv "$tmp/config.json" "$dir/config.json"
	if [[ ${3:-0} == 1 ]]; then
		caps=$(jq .process.capabilities.bounding "$dir/config.json")
		jq --slurpfile p <(jq --argjson caps "$caps" -f "$bench_here/../lib/seccomp-profile.jq" /usr/share/containers/seccomp.json) \
			'.linux.seccomp = $p[0]' "$dir/config.json" >"$tmp/config.json" && mv "$tmp/config.json" "$dir/config.json"
	fi
}

# bench_active: the runtimes found, their state roots made.
bench_active() {
	local rt
	active=()
	for rt in "${names[@]}"; do
		[[ -n ${bin[$rt]} ]] && active+=("$rt") && mkdir -p "$tmp/root-$rt"
	done
}

# bench_rounds N FUNC: FUNC RT I for I = 0 (an untimed warm-up) .. N, the
# runtimes interleaved round-robin, so that drift (page cache, other load,
# thermal) hits them all alike. A runtime whose FUNC fails is marked failed
# (failed[RT]: the round and its error) and left out from then on.
bench_rounds() {
	local _last=$1 _func=$2 _i _rt _rc
	for ((_i = 0; _i <= _last && !stop; _i++)); do
		for _rt in "${active[@]}"; do
			[[ -n ${failed[$_rt]:-} || -n $stop ]] && continue
			_rc=0
			"$_func" "$_rt" "$_i" 2>"$tmp/err" || _rc=$?
			if ((_rc)) && [[ -z $stop ]]; then
				failed[$_rt]="round $_i, exit $_rc: $(head -c 300 "$tmp/err")"
			fi
			((_i == 0)) && rm -f "$tmp/$_rt.dat" "$tmp/$_rt.steps" "$tmp/$_rt.cpu"
		done
	done
	return 0
}

# rt_cmd RT STEP ARGS...: one runtime command; with $rss, its peak RSS into
# $tmp/rss-STEP.
rt_cmd() {
	local rt=$1 step=$2; shift 2
	if ((rss)); then
		/usr/bin/time -f %M -o "$tmp/rss-$step" "${bin[$rt]}" ${global[$rt]:-} --root "$tmp/root-$rt" "$@"
	else
		"${bin[$rt]}" ${global[$rt]:-} --root "$tmp/root-$rt" "$@"
	fi
}

# peak_rss STEP...: the largest of those steps' peak RSS (0 without $rss).
peak_rss() {
	local step r peak=0
	if ((rss)); then
		for step in "$@"; do
			read -r r <"$tmp/rss-$step"
			((r > peak)) && peak=$r
		done
	fi
	echo "$peak"
}

# wait_exit PID: until the init is a zombie or gone (reaped by our pid 1);
# fails after 10 s (a container that never ran) or on Ctrl-C.
wait_exit() {
	local st deadline=$((SECONDS + 10))
	while read -r st 2>/dev/null <"/proc/$1/stat"; do
		st=${st##*) }
		[[ ${st%% *} == Z ]] && return 0
		if [[ -n $stop ]] || ((SECONDS > deadline)); then
			echo "container init $1 did not exit" >&2
			return 1
		fi
		read -r -t 0.001 -u "$nap" || true
	done
}


# stats FILE: "median_ms p90_ms median_rss" of its "microseconds rss" lines
# (nearest-rank percentiles).
stats() {
	awk '{ print $1 }' "$1" | sort -n | awk '{ v[NR] = $1 } END {
		printf "%.2f %.2f", v[int((NR + 1) / 2)] / 1000, v[int(NR * 0.9 + 0.999)] / 1000 }'
	awk '{ print $2 }' "$1" | sort -n | awk '{ v[NR] = $1 } END { printf " %d\n", v[int((NR + 1) / 2)] }'
}

# bench_table: per runtime in names, the runs, median, p90 and median peak
# RSS of $tmp/RT.dat (or why there are none); fills med[RT] and mrss[RT].
bench_table() {
	local rt p90
	declare -gA med=() mrss=()
	printf '%-7s %6s %10s %10s %18s  %s\n' runtime runs median_ms p90_ms median_peak_KiB binary
	for rt in "${names[@]}"; do
		if [[ -z ${bin[$rt]} ]]; then
			printf '%-7s %6s %10s %10s %18s  %s\n' "$rt" - - - - "skipped (not found)"
		elif [[ -n ${failed[$rt]:-} ]]; then
			printf '%-7s %6s %10s %10s %18s  %s\n' "$rt" - - - - "FAILED: ${failed[$rt]//$'\n'/ }"
		elif [[ ! -s $tmp/$rt.dat ]]; then
			printf '%-7s %6s %10s %10s %18s  %s\n' "$rt" 0 - - - "no timed run"
		else
			read -r "med[$rt]" p90 "mrss[$rt]" < <(stats "$tmp/$rt.dat")
			((rss)) || mrss[$rt]=-
			printf '%-7s %6s %10s %10s %18s  %s\n' "$rt" "$(wc -l <"$tmp/$rt.dat")" "${med[$rt]}" "$p90" "${mrss[$rt]}" "${bin[$rt]}"
		fi
	done
}

# bench_ratios PAIR...: "A/B: time 0.77x (-1.20 ms), peak RSS 1.40x" for each
# pair both of whose medians exist.
bench_ratios() {
	local pair rt ref
	for pair in "$@"; do
		rt=${pair%/*} ref=${pair#*/}
		[[ -n ${med[$rt]:-} && -n ${med[$ref]:-} ]] || continue
		awk -v a="${med[$rt]}" -v b="${med[$ref]}" -v ra="${mrss[$rt]}" -v rb="${mrss[$ref]}" -v pair="$pair" 'BEGIN {
			printf "%s: time %.2fx (%+.2f ms)", pair, a / b, a - b
			if (rb + 0 > 0) printf ", peak RSS %.2fx", ra / rb
			printf "\n" }'
	done
}

# bench_report TITLE NAME PAIR...: what a benchmark prints at its end: TITLE,
# the table, the ratios of each PAIR and the summary line of NAME.
bench_report() {
	local title=$1 name=$2
	shift 2
	echo "$title"
	[[ -z $stop ]] || echo "(interrupted: partial results)"
	bench_table
	bench_ratios "$@"
	bench_summary "$name"
}

# bench_summary NAME: the one line every benchmark ends with,
# "bench: NAME runac/crun time X.XXx rss Y.YYx".
bench_summary() {
	[[ -n ${med[runac]:-} && -n ${med[crun]:-} ]] || return 0
	awk -v name="$1" -v a="${med[runac]}" -v b="${med[crun]}" -v ra="${mrss[runac]}" -v rb="${mrss[crun]}" 'BEGIN {
		printf "bench: %s runac/crun time %.2fx rss %s\n", name, a / b, (rb + 0 > 0) ? sprintf("%.2fx", ra / rb) : "-" }'
}
