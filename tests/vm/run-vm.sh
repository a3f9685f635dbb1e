#!/usr/bin/env bash
# run-vm.sh: the kernel VM tier. Builds the initramfs from the current build
# tree (build-initramfs.sh; cached), boots Debian's cloud kernel under qemu
# with a hard timeout, reads the guest's "VMTEST" lines from the serial
# console and prints TAP on stdout: one line per guest test, plus a
# failure when the VM does not boot, hangs, or stops reporting.
#
# Env (meson sets the first three; the defaults suit a ./build tree):
#   RUNAC                 runac binary        (default: build/runac)
#   RUNAC_VM_PROBE        vm-probe binary     (default: build/tests/vm/vm-probe)
#   ESCAPE                the adversarial tier's static attempts (default: build/tests/escape)
#   RUNAC_VM_BUILD_DIR    initramfs cache, console log (default: build/tests/vm)
#   RUNAC_VM_KERNEL       kernel image        (default: newest /boot/vmlinuz-*-cloud-amd64)
#   RUNAC_VM_ACCEL        tcg (default) or kvm (-cpu host; on the CI machine
#                         nested KVM hung or aborted: keep tcg there)
#   RUNAC_VM_TIMEOUT      hard timeout on qemu, seconds (default: 480; a full run takes
#                         about 200 s under tcg)
#   RUNAC_VM_ONLY         run only guest tests whose name matches this glob
#   RUNAC_VM_SYSTEMD      1: boot with systemd as pid 1 and run only the
#                         systemd/* guest tests (guest/systemd/); hybrid:
#                         the same on systemd's hybrid cgroup layout (v1
#                         controllers), running the systemd_hybrid/* tests
#   RUNAC_VM_INJECT       harness self-test: fail | hang | noboot
#   RUNAC_VM_CONSOLE_LOG  where the whole console output goes
#                         (default: RUNAC_VM_BUILD_DIR/console.log)
#   RUNAC_VM_TMPDIR       where the run's temporary directory is made
#                         (default: RUNAC_VM_BUILD_DIR)
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
export RUNAC=${RUNAC:-$repo/build/runac}
builddir=${RUNAC_VM_BUILD_DIR:-$repo/build/tests/vm}
export RUNAC_VM_PROBE=${RUNAC_VM_PROBE:-$repo/build/tests/vm/vm-probe}
export ESCAPE=${ESCAPE:-$repo/build/tests/escape}
accel=${RUNAC_VM_ACCEL:-tcg}
hard_timeout=${RUNAC_VM_TIMEOUT:-480}
only=${RUNAC_VM_ONLY:-}
inject=${RUNAC_VM_INJECT:-}
systemd=${RUNAC_VM_SYSTEMD:-}
console_log=${RUNAC_VM_CONSOLE_LOG:-$builddir/console.log}
kernel=${RUNAC_VM_KERNEL:-$(ls /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1)}

n=0 failures=0
tap() { # tap ok|not-ok DESCRIPTION
	n=$((n + 1))
	if [[ $1 == ok ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
	if [[ $1 != ok ]]; then failures=$((failures + 1)); fi
}
finish() {
	echo "1..$n"
	((failures == 0))
	exit
}
# setup_failed WHAT DETAIL: the VM could not even be started.
setup_failed() {
	tap not-ok "$1"
	sed 's/^/# /' <<<"$2"
	finish
}

[[ $hard_timeout =~ ^[0-9]+$ ]] || setup_failed "setup" "RUNAC_VM_TIMEOUT must be seconds, not '$hard_timeout'"
case $accel in tcg | kvm) ;; *) setup_failed "setup" "RUNAC_VM_ACCEL must be tcg or kvm, not '$accel'" ;; esac
case $systemd in '' | 0 | 1 | hybrid) ;; *) setup_failed "setup" "RUNAC_VM_SYSTEMD must be 1, hybrid or 0, not '$systemd'" ;; esac
qemu=$(command -v qemu-system-x86_64) ||
	setup_failed "setup" "qemu-system-x86_64 not found: run scripts/deps.sh (package qemu-system-x86)"
[[ -n $kernel && -r $kernel ]] ||
	setup_failed "setup" "no readable kernel '${kernel:-/boot/vmlinuz-*-cloud-amd64}': run scripts/deps.sh (package linux-image-cloud-amd64)"
[[ -x $RUNAC_VM_PROBE ]] ||
	setup_failed "setup" "vm-probe not built at $RUNAC_VM_PROBE: build the tree first (ninja -C build)"

mkdir -p "$builddir"
[[ $systemd == 0 ]] && systemd=
# The systemd modes' image carries systemd, runc and containerd besides.
initramfs=$builddir/initramfs${systemd:+-systemd}.cpio
export RUNAC_VM_SYSTEMD=$systemd
t_start=$SECONDS
if ! err=$("$here/build-initramfs.sh" "$initramfs" 2>&1); then
	setup_failed "initramfs" "$err"
fi
echo "# $err"

rundir=$(mktemp -d "${RUNAC_VM_TMPDIR:-$builddir}/run.XXXXXX") || setup_failed "setup" "cannot make a temporary directory"

qemu_pid=
cleanup() {
	# The timeout wrapper passes TERM on to qemu; qemu's own pid file is
	# the fallback, so that no qemu outlives this script.
	if [[ -n $qemu_pid ]] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill -TERM "$qemu_pid" 2>/dev/null
		wait "$qemu_pid" 2>/dev/null
	fi
	local p
	p=$(cat "$rundir/qemu.pid" 2>/dev/null)
	if [[ -n $p ]] && grep -qF "$rundir" "/proc/$p/cmdline" 2>/dev/null; then kill -KILL "$p"; fi
	rm -rf "$rundir"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

append="console=ttyS0 quiet panic=-1 lsm=landlock,lockdown,yama,apparmor,bpf"
[[ -n $only ]] && append+=" runac_vm_only=$only"
# systemd as pid 1 (guest/init execs it): no status lines, and a crash of
# systemd ends the VM (-no-reboot) instead of freezing it.
case $systemd in
1) append+=" runac_vm_systemd=1 systemd.show_status=0 systemd.crash_reboot=1" ;;
hybrid) append+=" runac_vm_systemd=hybrid systemd.unified_cgroup_hierarchy=0 systemd.show_status=0 systemd.crash_reboot=1" ;;
esac
case $inject in
'') ;;
fail | hang) append+=" runac_vm_inject=$inject" ;;
noboot) append+=" rdinit=/nonexistent" ;; # the kernel finds no init and panics
*) setup_failed "setup" "RUNAC_VM_INJECT must be fail, hang or noboot, not '$inject'" ;;
esac

echo "# kernel $kernel, accel $accel, hard timeout ${hard_timeout}s${systemd:+, RUNAC_VM_SYSTEMD=$systemd}"
mkfifo "$rundir/console"
# --foreground keeps qemu in this script's process group, which is what
# meson signals when the test times out.
cpu=max
[[ $accel == kvm ]] && cpu=host
timeout --foreground -k 10 "$hard_timeout" "$qemu" -accel "$accel" -cpu "$cpu" -m 1024 -smp 1 \
	-nodefaults -no-user-config -display none -no-reboot \
	-serial stdio -monitor none -pidfile "$rundir/qemu.pid" \
	-kernel "$kernel" -initrd "$initramfs" -append "$append" \
	</dev/null >"$rundir/console" 2>&1 &
qemu_pid=$!

: >"$console_log"
booted=0 ended=0 announced=
t_boot=$SECONDS
while IFS= read -r line; do
	line=${line%$'\r'}
	printf '%s\n' "$line" >>"$console_log"
	case $line in
	"VMTEST begin")
		booted=1
		echo "# guest booted in $((SECONDS - t_boot))s"
		;;
	"VMTEST ok "*) tap ok "${line#VMTEST ok }" ;;
	"VMTEST not ok "*) tap not-ok "${line#VMTEST not ok }" ;;
	"VMTEST #"*) echo "#${line#VMTEST #}" ;;
	"VMTEST end "*)
		ended=1
		announced=${line#VMTEST end }
		;;
	esac
done <"$rundir/console"
wait "$qemu_pid"
status=$?
qemu_pid=

why="qemu exited with status $status"
((status == 124 || status == 137)) && why="killed by the hard timeout after ${hard_timeout}s"
tail_of_console() { tail -n 25 "$console_log" | sed 's/^/#   /'; }
if ((!booted)); then
	tap not-ok "boot: the VM did not start its tests ($why)"
	echo "# last console lines ($console_log):"
	tail_of_console
elif ((!ended)); then
	tap not-ok "guest: the run did not finish ($why)"
	echo "# last console lines ($console_log):"
	tail_of_console
elif ((n == 0)); then
	tap not-ok "guest: no test ran${only:+ (RUNAC_VM_ONLY='$only' matched none)}"
elif [[ $announced != "$n" ]]; then
	tap not-ok "console: the guest reported $announced results, $n were read"
elif ((status != 0)); then
	tap not-ok "poweroff: $why"
fi
echo "# VM tier: $((SECONDS - t_start))s in all, console log $console_log"
finish
