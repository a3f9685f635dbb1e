#!/bin/sh
# runner.sh: runs the VM tier's guest tests and reports them on the console.
#
# Every function named test_* in /vm/tests/*.sh is one test, named
# FILE/FUNCTION (without .sh and test_). Each runs in its own shell with
# `set -e` and /vm/lib.sh loaded, under a timeout, with its output captured;
# then leftover containers are deleted and the guest is checked for leaks
# (cgroup directories, mounts) that outlived them. The console gets only
# these lines, which the host (run-vm.sh) turns into TAP:
#
#   VMTEST begin
#   VMTEST ok NAME | VMTEST not ok NAME
#   VMTEST # TEXT            (diagnostics: a failed test's output, diag lines)
#   VMTEST end COUNT
#
# Kernel command line (set by run-vm.sh from its environment):
#   runac_vm_only=GLOB     run only the tests whose name matches GLOB
#   runac_vm_systemd=1     systemd is pid 1 (guest/systemd/): run only the
#                          systemd/* tests, which the normal mode skips
#   runac_vm_systemd=hybrid  the same on the hybrid layout: systemd_hybrid/*
#   runac_vm_inject=fail   add /vm/inject/*.sh (one test passes, one fails)
#   runac_vm_inject=hang   hang after "begin" (the host's hard timeout ends it)
VM=/vm
TEST_TIMEOUT=60

param() { tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p"; }
only=$(param runac_vm_only)
inject=$(param runac_vm_inject)
systemd=$(param runac_vm_systemd)
: "${only:=*}"

say() { echo "VMTEST $*"; }
# Indented output lines of a failed test, as diagnostics (the last 60).
say_output() { tail -n 60 "$1" | sed 's/^/VMTEST #   /'; }
uptime_cs() { sed 's/^\([0-9]*\)\.\([0-9]*\) .*/\1\2/' /proc/uptime; }

# What may not outlive a test once its containers are deleted (runac's
# bpffs of programs shared per boot is a cache, not a leak).
snapshot() {
	find /sys/fs/cgroup -mindepth 1 -type d | sed 's/^/cgroup /'
	awk '$5 != "/run/runac-cache/bpffs" { print "mount " $5 }' /proc/self/mountinfo
	ls /sys/fs/bpf | sed 's/^/bpf-pin /'
}

say begin
say "# kernel $(uname -r), $(nproc) cpu, $(sed -n 's/MemTotal: *//p' /proc/meminfo) RAM"
if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
	say "# cgroup2 root: controllers '$(cat /sys/fs/cgroup/cgroup.controllers)', subtree_control '$(cat /sys/fs/cgroup/cgroup.subtree_control)'"
else
	say "# hybrid cgroups: $(ls /sys/fs/cgroup | tr '\n' ' ')"
fi
say "# runtime under test: $(runac --version 2>&1 | head -n 1)"
[ -n "$systemd" ] && say "# systemd as pid 1 ($systemd): $(systemctl --version | head -n 1)"

if [ "$inject" = hang ]; then
	say "# runac_vm_inject=hang: hanging on purpose"
	while :; do sleep 1000; done
fi

files=$(ls $VM/tests/*.sh)
[ "$inject" = fail ] && files="$files $(ls $VM/inject/*.sh)"

count=0 failed=0 start=$(uptime_cs)
for file in $files; do
	base=${file##*/}
	base=${base%.sh}
	for fn in $(sed -n 's/^\(test_[A-Za-z0-9_]*\) *() *{.*/\1/p' "$file"); do
		name=$base/${fn#test_}
		case $name in $only) ;; *) continue ;; esac
		# systemd/* need systemd as pid 1, the others the normal mode.
		case $name in
		systemd/*) [ "$systemd" = 1 ] || continue ;;
		systemd_hybrid/*) [ "$systemd" = hybrid ] || continue ;;
		*) [ -z "$systemd" ] || continue ;;
		esac
		count=$((count + 1))
		dir=/tmp/vmtest/$count
		mkdir -p "$dir/work"
		snapshot | sort >"$dir/before"
		t0=$(uptime_cs)
		RUNAC_ROOT=$dir/state BUNDLE=$dir/bundle CID=vmt$count TEST_TMP=$dir/work DIAG_FILE=$dir/diag \
			timeout -s KILL "$TEST_TIMEOUT" sh -c '. /vm/lib.sh || exit 1; . "$1" || exit 1; cd "$TEST_TMP" || exit 1; set -e; "$2"' \
			vmtest "$file" "$fn" >"$dir/out" 2>&1
		rc=$?
		t1=$(uptime_cs)
		[ $rc = 137 ] && echo "(killed after the ${TEST_TIMEOUT}s test timeout)" >>"$dir/out"
		# Clean up after the test, then look for what runac left behind.
		if [ -d "$dir/state" ]; then
			for id in $(runac --root "$dir/state" list -q 2>/dev/null); do
				runac --root "$dir/state" delete --force "$id" >>"$dir/out" 2>&1 ||
					{ echo "cleanup: delete --force $id failed" >>"$dir/out"; rc=1; }
			done
		fi
		leaks=$(snapshot | sort | grep -vxF -f "$dir/before")
		if [ -n "$leaks" ]; then
			{ echo "leaked (still there after delete):"; echo "$leaks"; } >>"$dir/out"
			rc=1
			# Repair, so that the next test starts clean.
			echo "$leaks" | sed -n 's/^mount //p' | sort -r | while read -r m; do umount -l "$m"; done
			echo "$leaks" | sed -n 's/^cgroup //p' | sort -r | while read -r d; do rmdir "$d"; done
		fi
		if [ $rc = 0 ]; then
			say "ok $name"
		else
			failed=$((failed + 1))
			say "not ok $name"
			say_output "$dir/out"
		fi
		[ -s "$dir/diag" ] && sed 's/^/VMTEST # /' "$dir/diag"
		say "# $name: $(((t1 - t0) / 100)).$(printf %02d $(((t1 - t0) % 100)))s"
		rm -rf "$dir"
	done
done
t=$(($(uptime_cs) - start))
say "# guest: $count tests, $failed failed, in $((t / 100)).$(printf %02d $((t % 100)))s"
say "end $count"
