#!/bin/bash
# parallel.sh [-n N] [-j J] [-r ROUNDS]: throughput under load: N
# containers (busybox running `true`) created, started, waited for and
# deleted, J at a time, for runac, runc and crun in the same run; ROUNDS
# rounds per runtime after one warm-up, interleaved. Every container must
# succeed: a runtime with one failure is reported FAILED.
#
#   -n N       containers per round (default 100)
#   -j J       containers in flight at once (default 16)
#   -r ROUNDS  timed rounds per runtime (default 3)
# Env: RUNAC (runtime under test), RUNC (default runc), CRUN (default crun).
# How it runs (namespaces, cgroup2, wait-for-exit): bench.bash. No RSS here:
# lifecycle.sh measures one container's.
set -euo pipefail

count=100 jobs=16 rounds=3
while getopts n:j:r:h opt; do
	case $opt in
	n) count=$OPTARG ;;
	j) jobs=$OPTARG ;;
	r) rounds=$OPTARG ;;
	*) sed -n '2,11s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done

source "$(dirname "$0")/bench.bash"
bench_enter -n "$count" -j "$jobs" -r "$rounds"

# --- inside the private mount + pid namespace --------------------------------

bench_setup 0
bench_bundle "$tmp/bundle" '["true"]'
bench_active

# container RT ID: one lifecycle, as lifecycle.sh times it; a failure is
# recorded in $tmp/failures-RT.
container() {
	local rt=$1 id=$2 pid
	{ "${bin[$rt]}" --root "$tmp/root-$rt" create --bundle "$tmp/bundle" --pid-file "$tmp/$id.pid" "$id" &&
		"${bin[$rt]}" --root "$tmp/root-$rt" start "$id" &&
		{ read -r pid <"$tmp/$id.pid" || [[ -n $pid ]]; } && wait_exit "$pid" &&
		"${bin[$rt]}" --root "$tmp/root-$rt" delete "$id"; } >/dev/null 2>"$tmp/$id.err" ||
		{ echo "$id: $(head -c 200 "$tmp/$id.err")" >>"$tmp/failures-$rt"; }
	rm -f "$tmp/$id.pid" "$tmp/$id.err"
}

# round RT I: COUNT containers, JOBS in flight; appends "us 0" to $tmp/RT.dat.
round() {
	local rt=$1 t0 t1 c running=0
	rm -f "$tmp/failures-$rt"
	t0=$EPOCHREALTIME
	for ((c = 0; c < count && !stop; c++)); do
		if ((running >= jobs)); then
			wait -n || true
			running=$((running - 1))
		fi
		container "$rt" "bench-$tag-$rt-$2-$c" &
		running=$((running + 1))
	done
	wait
	t1=$EPOCHREALTIME
	if [[ -s $tmp/failures-$rt ]]; then
		echo "$(wc -l <"$tmp/failures-$rt") of $count failed, first: $(head -1 "$tmp/failures-$rt")" >&2
		return 1
	fi
	echo "$((${t1/./} - ${t0/./})) 0" >>"$tmp/$rt.dat"
}
bench_rounds "$rounds" round

bench_report "parallel: $count containers of 'true' per round, $jobs at a time, $rounds rounds each, interleaved" \
	parallel runac/runc runac/crun
for rt in "${names[@]}"; do
	[[ -n ${med[$rt]:-} ]] && awk -v rt="$rt" -v n="$count" -v ms="${med[$rt]}" 'BEGIN { printf "%s: %.1f containers/s\n", rt, n * 1000 / ms }'
done
[[ -z $stop ]] || exit 130
