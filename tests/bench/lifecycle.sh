#!/bin/bash
# lifecycle.sh [-n N] [-R] [-s] [-p POLICY [-w]]: latency, peak memory and CPU
# time of one container lifecycle (create + start + wait for exit + delete,
# running `true`) for runac, runc and crun, in the same run, on the same bundle.
#
#   -n N   timed iterations per runtime (default 50), after one warm-up each
#   -R     do not measure peak RSS (drops the /usr/bin/time wrapper)
#   -s     give the container the default seccomp profile (Podman's copy of
#          Docker's rules, as an engine sends it): the cost of the filter
#   -p F   also time runac with the agent policy in F (JSON or JSONC with
#          whole-line comments) as the container's annotation, in best-effort
#          mode (rules not enforced yet are skipped, not refused): "runac+p"
#   -w     with -p: another container with the same policy runs throughout,
#          as on a node that already runs an agent (the kernel's switches
#          for cgroup-BPF hooks are on already; the first container turns
#          them on and the last one off, each a few hundred microseconds)
# Env: RUNAC (runtime under test), RUNC (default runc), CRUN (default crun).
# A runtime whose binary is missing is reported as skipped.
#
# How it runs (namespaces, cgroup2, wait-for-exit, RSS): bench.bash.
# Iterations are interleaved round-robin, so drift (page cache, other
# load, thermal) hits all runtimes equally.
set -euo pipefail

n=50 rss=1 seccomp=0 policy= warm=0
while getopts n:Rsp:wh opt; do
	case $opt in
	n) n=$OPTARG ;;
	R) rss=0 ;;
	s) seccomp=1 ;;
	p) policy=$(realpath "$OPTARG") ;;
	w) warm=1 ;;
	*) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

source "$(dirname "$0")/bench.bash"
inner=(-n "$n")
((rss)) || inner+=(-R)
((seccomp)) && inner+=(-s)
[[ -n $policy ]] && inner+=(-p "$policy")
((warm)) && inner+=(-w)
bench_enter "${inner[@]}"

# --- inside the private mount + pid namespace --------------------------------

bench_setup "$rss"
declare -A bundle=()
if [[ -n $policy ]]; then
	names+=(runac+p)
	bin[runac+p]=$RUNAC
fi
bench_bundle "$tmp/bundle" '["true"]' "$seccomp"
bench_cpu
jq --arg cg "$cpu_cgroup/ctr" '.linux.cgroupsPath = $cg' "$tmp/bundle/config.json" >"$tmp/config.json" &&
	mv "$tmp/config.json" "$tmp/bundle/config.json"

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
	if ((warm)); then
		mkdir -p "$tmp/bundle-warm"
		jq --arg cg "/bench-$tag-warm" '.process.args = ["sleep", "3600"] | .linux.cgroupsPath = $cg' \
			"$tmp/bundle-policy/config.json" >"$tmp/bundle-warm/config.json"
		mkdir -p "$tmp/root-runac+p"
		rt_cmd runac+p warm run -d --bundle "$tmp/bundle-warm" "bench-$tag-warm" </dev/null >/dev/null
	fi
fi

# iteration RT I: one timed lifecycle; appends "ms rss" to $tmp/RT.dat.
# Each step's microseconds go to $tmp/RT.steps ("create start wait delete"),
# the CPU time of the whole lifecycle (microseconds, bench_cpu) to $tmp/RT.cpu.
iteration() {
	local rt=$1 id=bench-$tag-$1-$2 t0 t1 t2 t3 t4 pid cpu cpu0
	cpu_now
	cpu0=$cpu
	t0=${EPOCHREALTIME/./}
	rt_cmd "$rt" create create --bundle "${bundle[$rt]}" --pid-file "$tmp/pid" "$id" || return
	t1=${EPOCHREALTIME/./}
	rt_cmd "$rt" start start "$id" || return
	t2=${EPOCHREALTIME/./}
	{ read -r pid <"$tmp/pid" || [[ -n $pid ]]; } && wait_exit "$pid" || return
	t3=${EPOCHREALTIME/./}
	rt_cmd "$rt" delete delete "$id" || return
	t4=${EPOCHREALTIME/./}
	cpu_now
	echo "$((t4 - t0)) $(peak_rss create start delete)" >>"$tmp/$rt.dat"
	echo "$((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $((t4 - t3))" >>"$tmp/$rt.steps"
	echo "$((cpu - cpu0))" >>"$tmp/$rt.cpu"
}

bench_active

bench_rounds "$n" iteration

# One summary line per comparison, the same shape in every benchmark.
name=lifecycle
((seccomp)) && name=lifecycle-seccomp
bench_report "lifecycle: create + start + wait + delete of 'true', $n iterations each, interleaved$( ((seccomp)) && echo ", default seccomp profile")$([[ -n $policy ]] && echo ", runac+p: runac with the policy $(basename "$policy")")$( ((warm)) && echo ", another policy container running")" \
	"$name" runac/runc runac/crun runac+p/runac runac+p/crun
# Where the time goes: each step's median, and the median CPU time of a
# lifecycle (every process of it, bench_cpu).
median() { sort -n | awk '{ v[NR] = $1 } END { printf " %10.2f", v[int((NR + 1) / 2)] / 1000 }'; }
declare -A cpu_med=()
printf '%-7s %10s %10s %10s %10s %10s\n' "step ms" create start wait delete cpu
for rt in "${names[@]}"; do
	[[ -s $tmp/$rt.steps && -z ${failed[$rt]:-} ]] || continue
	printf '%-7s' "$rt"
	for col in 1 2 3 4; do
		awk -v c=$col '{ print $c }' "$tmp/$rt.steps" | median
	done
	cpu_med[$rt]=$(median <"$tmp/$rt.cpu")
	echo "${cpu_med[$rt]}"
done
if [[ -n ${med[runac+p]:-} && -n ${med[runac]:-} ]]; then
	awk -v name="$name-policy" -v a="${med[runac+p]}" -v b="${med[runac]}" -v ca="${cpu_med[runac+p]}" -v cb="${cpu_med[runac]}" 'BEGIN {
		printf "bench: %s runac+p/runac time %.2fx (%+.2f ms) cpu %.2fx (%+.2f ms)\n", name, a / b, a - b, ca / cb, ca - cb }'
fi
[[ -z $stop ]] || exit 130
