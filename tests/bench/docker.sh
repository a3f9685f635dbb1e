#!/bin/bash
# docker.sh [-n N]: `docker run --rm` of a container running `true`, through
# runac and through runc, on a dockerd of its own (own data and exec roots,
# socket, no bridge, no iptables), interleaved, N timed runs each after one
# warm-up. Prints the median and p90 per runtime and the runac/runc ratio.
# What it measures is what a Docker user waits for: the client, dockerd,
# containerd, the runc-v2 shim and the runtime's create/start/delete.
# Env: RUNAC (the runtime under test, default build/runac).
set -euo pipefail
n=20
while getopts n:h opt; do
	case $opt in
	n) n=$OPTARG ;;
	*) sed -n '2,8s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
here=$(cd "$(dirname "$0")" && pwd)
runac=$(realpath "${RUNAC:-$here/../../build/runac}")
[[ $(id -u) == 0 ]] || { echo "docker.sh: run as root" >&2; exit 1; }
tmp=$(mktemp -d /tmp/runac-bench-docker.XXXXXX)
dk() { docker -H "unix://$tmp/docker.sock" "$@"; }
cleanup() {
	dk ps -aq 2>/dev/null | xargs -r docker -H "unix://$tmp/docker.sock" rm -f >/dev/null 2>&1 || true
	[[ -f $tmp/docker.pid ]] && kill "$(cat "$tmp/docker.pid")" 2>/dev/null
	for _ in $(seq 200); do [[ -e $tmp/docker.pid ]] || break; sleep 0.05; done
	umount "$tmp/exec/netns/default" 2>/dev/null || true
	find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d -name "${tmp##*/}" -exec rmdir {} + 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

"$here/../lib/make-rootfs.sh" "$tmp/rootfs" >/dev/null
jq -n --arg runac "$runac" '{runtimes: {runac: {path: $runac}}}' >"$tmp/daemon.json"
dockerd --data-root "$tmp/data" --exec-root "$tmp/exec" --pidfile "$tmp/docker.pid" -H "unix://$tmp/docker.sock" \
	--config-file "$tmp/daemon.json" --bridge=none --iptables=false --ip6tables=false \
	--cgroup-parent "/${tmp##*/}" >"$tmp/dockerd.log" 2>&1 &
for _ in $(seq 200); do dk info >/dev/null 2>&1 && break; sleep 0.1; done
tar -C "$tmp/rootfs" --exclude=./.runac-rootfs-stamp -c . | dk import - busybox:bench >/dev/null

one() { # RUNTIME -> microseconds
	local t0 t1
	t0=$(date +%s%N)
	dk run --rm --runtime "$1" --network none busybox:bench true
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000))
}
for rt in runc runac; do one "$rt" >/dev/null; done
for ((i = 0; i < n; i++)); do
	for rt in runc runac; do one "$rt" >>"$tmp/$rt.dat"; done
done
printf '%-7s %5s %10s %10s\n' runtime runs median_ms p90_ms
for rt in runc runac; do
	sort -n "$tmp/$rt.dat" | awk -v rt="$rt" '{ v[NR] = $1 } END {
		m = v[int((NR + 1) / 2)]; printf "%-7s %5d %10.1f %10.1f\n", rt, NR, m / 1000, v[int(NR * 0.9 + 0.999)] / 1000
		print m > "/dev/stderr" }' 2>"$tmp/$rt.median"
done
awk -v a="$(cat "$tmp/runac.median")" -v b="$(cat "$tmp/runc.median")" 'BEGIN { printf "runac/runc: time %.2fx\n", a / b }'
