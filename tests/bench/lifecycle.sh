#!/bin/bash
# lifecycle.sh [-n N] [-R] [-s] [-p POLICY]: latency and peak memory of one
# container lifecycle (create + start + wait for exit + delete, running
# `true`) for runac, runc and crun, in the same run, on the same bundle.
#
#   -n N   timed iterations per runtime (default 50), after one warm-up each
#   -R     do not measure peak RSS (drops the /usr/bin/time wrapper)
#   -s     give the container the default seccomp profile (Podman's copy of
#          Docker's rules, as an engine sends it): the cost of the filter
#   -p F   also time runac with the agent policy in F (JSON or JSONC with
#          whole-line comments) as the container's annotation, in best-effort
#          mode (rules not enforced yet are skipped, not refused): "runac+p"
# Env: RUNAC (runtime under test), RUNC (default runc), CRUN (default crun).
# A runtime whose binary is missing is reported as skipped.
#
# Why it runs the way it does:
# - crun 1.8 refuses this host's hybrid cgroups, so everything runs in one
#   private mount namespace where /sys/fs/cgroup is a pure cgroup2 mount; the
#   bundle has no linux.resources (crun would raise RLIMIT_MEMLOCK for its
#   device filter, which fails without CAP_SYS_RESOURCE).
# - It also runs in a private pid namespace whose pid 1 (a shell that only
#   waits) reaps the exited container inits reparented to it, instead of
#   leaving them as zombies under a host init that may not reap them.
# - Iterations are interleaved round-robin, so drift (page cache, other
#   load, thermal) hits all runtimes equally.
# - Wait-for-exit is the engine's path: `create --pid-file`, `start`, then
#   watch the init pid in /proc (as a shim watches its child), then `delete`.
#   Polling `state` would instead time each runtime's `state` command, and
#   foreground `run` is a single process that engines do not use. The watch
#   is a bash builtin loop with 1 ms naps: it forks nothing and costs the
#   same for every runtime.
# - Peak RSS comes from GNU time's %M (wait4 ru_maxrss) around each runtime
#   command; the per-iteration value is the largest of create/start/delete.
#   Its fork+exec adds the same ~1 ms per command to every runtime; use -R
#   for latency without it. (GNU time is Debian's `time` package.)
set -euo pipefail

n=50 rss=1 seccomp=0 policy=
while getopts n:Rsp:h opt; do
	case $opt in
	n) n=$OPTARG ;;
	R) rss=0 ;;
	s) seccomp=1 ;;
	p) policy=$(realpath "$OPTARG") ;;
	*) sed -n '2,12s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

here=$(cd "$(dirname "$0")" && pwd)

if [[ -z ${RUNAC_BENCH_INNER:-} ]]; then
	[[ $(id -u) == 0 ]] || { echo "lifecycle.sh: must run as root" >&2; exit 1; }
	# Resolve binaries on the host; a missing one becomes "skipped".
	for var in RUNAC RUNC CRUN; do
		default=; [[ $var == RUNC ]] && default=runc; [[ $var == CRUN ]] && default=crun
		val=${!var-$default}
		export "$var=$( [[ -n $val ]] && command -v "$val" || true)"
	done
	if ((rss)) && [[ ! -x /usr/bin/time ]]; then
		echo "lifecycle.sh: /usr/bin/time missing (apt-get install time); measuring latency only" >&2
		rss=0
	fi
	# The leak guard of a concurrent test run would see our cgroups: take
	# the lock the test harness holds per test (tests/lib/helpers.bash).
	exec {lock}>>"${RUNAC_TEST_LOCK:-/run/lock/runac-tests.lock}"
	flock -w 600 "$lock" || { echo "lifecycle.sh: test lock busy" >&2; exit 1; }
	export RUNAC_BENCH_INNER=1
	inner=(-n "$n")
	((rss)) || inner+=(-R)
	((seccomp)) && inner+=(-s)
	[[ -n $policy ]] && inner+=(-p "$policy")
	# pid 1 is a minimal shell that only waits (and so reaps); the benchmark
	# is its foreground child (`; exit` keeps bash from exec'ing it instead).
	exec unshare --mount --pid --fork --mount-proc --propagation private -- \
		bash -c '"$0" "$@"; exit $?' "$0" "${inner[@]}"
fi

# --- inside the private mount + pid namespace --------------------------------

mount --make-rprivate /
umount -l /sys/fs/cgroup
mount -t cgroup2 none /sys/fs/cgroup

tmp=$(mktemp -d /tmp/runac-bench.XXXXXX)
tag=${tmp##*.}
names=(runac runc crun)
declare -A bin=([runac]=$RUNAC [runc]=$RUNC [crun]=$CRUN) bundle=() failed=() global=()
if [[ -n $policy ]]; then
	names+=(runac+p)
	bin[runac+p]=$RUNAC
fi

cleanup() {
	local rt id
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
	rm -rf "$tmp"
}
trap cleanup EXIT
# Ctrl-C also reaches the runtime command in flight, which then fails; the
# loop stops at the next step and the partial results are still printed.
stop=
trap 'stop=1' INT TERM

# One bundle for all: busybox rootfs, runc's default spec running `true`.
"$here/../lib/make-rootfs.sh" "$tmp/bundle/rootfs"
spec_bin=${bin[runc]:-${bin[crun]:-${bin[runac]}}}
[[ -n $spec_bin ]] || { echo "lifecycle.sh: no runtime found" >&2; exit 1; }
(cd "$tmp/bundle" && "$spec_bin" spec)
jq '.process.terminal = false | .process.args = ["true"] | del(.linux.resources)' \
	"$tmp/bundle/config.json" >"$tmp/config.json" && mv "$tmp/config.json" "$tmp/bundle/config.json"
if ((seccomp)); then
	caps=$(jq .process.capabilities.bounding "$tmp/bundle/config.json")
	jq --slurpfile p <(jq --argjson caps "$caps" -f "$here/../lib/seccomp-profile.jq" /usr/share/containers/seccomp.json) \
		'.linux.seccomp = $p[0]' "$tmp/bundle/config.json" >"$tmp/config.json" && mv "$tmp/config.json" "$tmp/bundle/config.json"
fi

for rt in "${names[@]}"; do bundle[$rt]=$tmp/bundle; done
if [[ -n $policy ]]; then
	# The same rootfs, writable as Docker gives it, with the paths the
	# policy names; its own config.json carries the policy.
	mkdir -p "$tmp/bundle-policy"
	doc=$(grep -v '^ *//' "$policy" | jq -c '.enforcement.mode = "best-effort"')
	for path in $(jq -r '.capabilities.filesystem | (.write // []) + (.deny // []) | .[]' <<<"$doc"); do
		mkdir -p "$tmp/bundle/rootfs$path"
	done
	# Its secrets: env:// ones in the process's environment, file ones in a
	# secrets directory of the benchmark's own (runac.conf's secrets-dir).
	mkdir -p "$tmp/secrets"
	printf 'secrets-dir = "%s"\n' "$tmp/secrets" >"$tmp/runac.conf"
	global[runac+p]="--config $tmp/runac.conf"
	doc=$(jq -c --arg dir "$tmp/secrets" '(.secrets // {}) |= with_entries(
		if (.value | type) == "object" and .value.provider == "file"
		then .value.path = ($dir + "/" + (.value.path | split("/") | last)) else . end)' <<<"$doc")
	for name in $(jq -r '.secrets // {} | to_entries[] | select((.value | type) == "object" and .value.provider == "file") | .value.path' <<<"$doc"); do
		echo bench-secret >"$name"
	done
	envs=$(jq -c '[.secrets // {} | to_entries[] | .value | select(type == "string" and startswith("env://")) | ltrimstr("env://") + "=bench-secret"]' <<<"$doc")
	jq --arg p "$doc" --arg root "$tmp/bundle/rootfs" --argjson envs "$envs" '.root = {path: $root, readonly: false} |
		.process.env += $envs | .annotations["org.agentcontainers.agent"] = $p' "$tmp/bundle/config.json" >"$tmp/bundle-policy/config.json"
	bundle[runac+p]=$tmp/bundle-policy
fi

# A blocking read on an idle fifo is a sleep that forks nothing.
mkfifo "$tmp/nap" && exec {nap}<>"$tmp/nap"

# rt_cmd RT STEP ARGS...: one runtime command, its peak RSS into $tmp/rss-STEP.
rt_cmd() {
	local rt=$1 step=$2; shift 2
	if ((rss)); then
		/usr/bin/time -f %M -o "$tmp/rss-$step" "${bin[$rt]}" ${global[$rt]:-} --root "$tmp/root-$rt" "$@"
	else
		"${bin[$rt]}" ${global[$rt]:-} --root "$tmp/root-$rt" "$@"
	fi
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

# iteration RT I: one timed lifecycle; appends "ms rss" to $tmp/RT.dat.
iteration() {
	local rt=$1 id=bench-$tag-$1-$2 t0 t1 pid peak=0 step
	t0=$EPOCHREALTIME
	rt_cmd "$rt" create create --bundle "${bundle[$rt]}" --pid-file "$tmp/pid" "$id" &&
		rt_cmd "$rt" start start "$id" &&
		{ read -r pid <"$tmp/pid" || [[ -n $pid ]]; } && wait_exit "$pid" &&
		rt_cmd "$rt" delete delete "$id" || return
	t1=$EPOCHREALTIME
	if ((rss)); then
		for step in create start delete; do
			read -r r <"$tmp/rss-$step"
			((r > peak)) && peak=$r
		done
	fi
	echo "$((${t1/./} - ${t0/./})) $peak" >>"$tmp/$rt.dat"
}

active=()
for rt in "${names[@]}"; do
	[[ -n ${bin[$rt]} ]] && active+=("$rt") && mkdir -p "$tmp/root-$rt"
done

for ((i = 0; i <= n && !stop; i++)); do # i = 0 is the untimed warm-up
	for rt in "${active[@]}"; do
		[[ -n ${failed[$rt]:-} || -n $stop ]] && continue
		rc=0
		iteration "$rt" "$i" 2>"$tmp/err" || rc=$?
		if ((rc)) && [[ -z $stop ]]; then
			failed[$rt]="iteration $i, exit $rc: $(head -c 300 "$tmp/err")"
			"${bin[$rt]}" --root "$tmp/root-$rt" delete --force "bench-$tag-$rt-$i" >/dev/null 2>&1 || true
		fi
		((i == 0)) && rm -f "$tmp/$rt.dat"
	done
done

# stats RT: "median_ms p90_ms median_rss" (nearest-rank percentiles).
stats() {
	awk '{ print $1 }' "$tmp/$1.dat" | sort -n | awk '{ v[NR] = $1 } END {
		printf "%.2f %.2f", v[int((NR + 1) / 2)] / 1000, v[int(NR * 0.9 + 0.999)] / 1000 }'
	awk '{ print $2 }' "$tmp/$1.dat" | sort -n | awk '{ v[NR] = $1 } END { printf " %d\n", v[int((NR + 1) / 2)] }'
}

echo "lifecycle: create + start + wait + delete of 'true', $n iterations each, interleaved$( ((seccomp)) && echo ", default seccomp profile")$([[ -n $policy ]] && echo ", runac+p: runac with the policy $(basename "$policy")")"
[[ -z $stop ]] || echo "(interrupted: partial results)"
printf '%-7s %6s %10s %10s %18s  %s\n' runtime runs median_ms p90_ms median_peak_KiB binary
declare -A med mrss
for rt in "${names[@]}"; do
	if [[ -z ${bin[$rt]} ]]; then
		printf '%-7s %6s %10s %10s %18s  %s\n' "$rt" - - - - "skipped (not found)"
	elif [[ -n ${failed[$rt]:-} ]]; then
		printf '%-7s %6s %10s %10s %18s  %s\n' "$rt" - - - - "FAILED: ${failed[$rt]//$'\n'/ }"
	elif [[ ! -s $tmp/$rt.dat ]]; then
		printf '%-7s %6s %10s %10s %18s  %s\n' "$rt" 0 - - - "no timed run"
	else
		read -r "med[$rt]" p90 "mrss[$rt]" < <(stats "$rt")
		((rss)) || mrss[$rt]=-
		printf '%-7s %6s %10s %10s %18s  %s\n' "$rt" "$(wc -l <"$tmp/$rt.dat")" "${med[$rt]}" "$p90" "${mrss[$rt]}" "${bin[$rt]}"
	fi
done
for pair in runac/runc runac/crun runac+p/runac runac+p/crun; do
	rt=${pair%/*} ref=${pair#*/}
	if [[ -n ${med[$rt]:-} && -n ${med[$ref]:-} ]]; then
		awk -v a="${med[$rt]}" -v b="${med[$ref]}" -v ra="${mrss[$rt]}" -v rb="${mrss[$ref]}" -v pair="$pair" 'BEGIN {
			printf "%s: time %.2fx (%+.2f ms)", pair, a / b, a - b
			if (rb + 0 > 0) printf ", peak RSS %.2fx", ra / rb
			printf "\n" }'
	fi
done
# One summary line per comparison, the same shape in every benchmark.
name=lifecycle
((seccomp)) && name=lifecycle-seccomp
if [[ -n ${med[runac]:-} && -n ${med[crun]:-} ]]; then
	awk -v name="$name" -v a="${med[runac]}" -v b="${med[crun]}" -v ra="${mrss[runac]}" -v rb="${mrss[crun]}" 'BEGIN {
		printf "bench: %s runac/crun time %.2fx rss %s\n", name, a / b, (rb + 0 > 0) ? sprintf("%.2fx", ra / rb) : "-" }'
fi
if [[ -n ${med[runac+p]:-} && -n ${med[runac]:-} ]]; then
	awk -v name="$name-policy" -v a="${med[runac+p]}" -v b="${med[runac]}" 'BEGIN {
		printf "bench: %s runac+p/runac time %.2fx (%+.2f ms)\n", name, a / b, a - b }'
fi
[[ -z $stop ]] || exit 130
