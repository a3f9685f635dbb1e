#!/bin/bash
# exec.sh [-n N] [-R]: latency and peak memory of `exec ID true` into a
# running container, for runac, runc and crun in the same run: one
# container per runtime (busybox, runc's default spec, `sleep`), then N
# timed execs each after one warm-up, interleaved.
#
#   -n N   timed execs per runtime (default 50)
#   -R     do not measure peak RSS (drops the /usr/bin/time wrapper)
# Env: RUNAC (runtime under test), RUNC (default runc), CRUN (default crun).
# How it runs (namespaces, cgroup2, RSS): bench.bash.
set -euo pipefail

n=50 rss=1
while getopts n:Rh opt; do
	case $opt in
	n) n=$OPTARG ;;
	R) rss=0 ;;
	*) sed -n '2,9s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done

source "$(dirname "$0")/bench.bash"
inner=(-n "$n")
((rss)) || inner+=(-R)
bench_enter "${inner[@]}"

# --- inside the private mount + pid namespace --------------------------------

bench_setup "$rss"
bench_bundle "$tmp/bundle" '["sleep", "100000"]'
bench_active
for rt in "${active[@]}"; do
	"${bin[$rt]}" --root "$tmp/root-$rt" create --bundle "$tmp/bundle" "bench-$tag-$rt" &&
		"${bin[$rt]}" --root "$tmp/root-$rt" start "bench-$tag-$rt" || failed[$rt]="could not start the container"
done

# iteration RT I: one timed exec; appends "us rss" to $tmp/RT.dat.
iteration() {
	local rt=$1 t0 t1
	t0=$EPOCHREALTIME
	rt_cmd "$rt" exec exec "bench-$tag-$rt" true || return
	t1=$EPOCHREALTIME
	echo "$((${t1/./} - ${t0/./})) $(peak_rss exec)" >>"$tmp/$rt.dat"
}
bench_rounds "$n" iteration

bench_report "exec: 'true' into a running container, $n execs each, interleaved" exec runac/runc runac/crun
[[ -z $stop ]] || exit 130
