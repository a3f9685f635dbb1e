#!/bin/bash
# docker.sh [-n N]: `docker run --rm` of a container running `true`,
# through runac, runc and crun, on a dockerd of its own (own data and exec
# roots, socket, no bridge, no iptables), interleaved, N timed runs each
# after one warm-up. Prints the median and p90 per runtime and the ratios.
# What it measures is what a Docker user waits for: the client, dockerd,
# containerd, the runc-v2 shim and the runtime's create/start/delete.
# dockerd runs in bench.bash's namespaces, on a pure cgroup2 hierarchy
# (crun 1.8 refuses this host's hybrid one).
# Env: RUNAC (the runtime under test, default build/runac), RUNC, CRUN.
set -euo pipefail
n=20
while getopts n:h opt; do
	case $opt in
	n) n=$OPTARG ;;
	*) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
export RUNAC=${RUNAC:-$(dirname "$0")/../../build/runac}
[[ $RUNAC == /* ]] || RUNAC=$(realpath "$RUNAC")

source "$(dirname "$0")/bench.bash"
bench_enter -n "$n"

# --- inside the private mount + pid namespace --------------------------------

bench_setup 0
dk() { docker -H "unix://$tmp/docker.sock" "$@"; }
stop_dockerd() {
	dk ps -aq 2>/dev/null | xargs -r docker -H "unix://$tmp/docker.sock" rm -f >/dev/null 2>&1 || true
	if [[ -f $tmp/docker.pid ]]; then
		kill "$(cat "$tmp/docker.pid")" 2>/dev/null || true
		for _ in $(seq 200); do [[ -e $tmp/docker.pid ]] || break; sleep 0.05; done
	fi
	bench_cleanup
}
trap stop_dockerd EXIT

"$bench_here/../lib/make-rootfs.sh" "$tmp/rootfs" >/dev/null
bench_active
jq -n --arg runac "${bin[runac]}" --arg crun "${bin[crun]}" \
	'{runtimes: ({runac: {path: $runac}} + (if $crun != "" then {crun: {path: $crun}} else {} end))}' >"$tmp/daemon.json"
dockerd --data-root "$tmp/data" --exec-root "$tmp/exec" --pidfile "$tmp/docker.pid" -H "unix://$tmp/docker.sock" \
	--config-file "$tmp/daemon.json" --bridge=none --iptables=false --ip6tables=false \
	--cgroup-parent "/bench-$tag-docker" >"$tmp/dockerd.log" 2>&1 &
for _ in $(seq 200); do dk info >/dev/null 2>&1 && break; sleep 0.1; done
tar -C "$tmp/rootfs" --exclude=./.runac-rootfs-stamp -c . | dk import - busybox:bench >/dev/null

# iteration RT I: one `docker run --rm`; appends "us 0" to $tmp/RT.dat.
iteration() {
	local t0 t1
	t0=$EPOCHREALTIME
	dk run --rm --runtime "$1" --network none busybox:bench true || return
	t1=$EPOCHREALTIME
	echo "$((${t1/./} - ${t0/./})) 0" >>"$tmp/$1.dat"
}
bench_rounds "$n" iteration

bench_report "docker: 'docker run --rm' of 'true', $n runs each, interleaved" docker runac/runc runac/crun
[[ -z $stop ]] || exit 130
