#!/usr/bin/env bash
# selftest.sh: tests the VM tier's harness (run-vm.sh) itself, as TAP. The
# tier is only worth something if it fails when it should:
#   1. a failing guest test (RUNAC_VM_INJECT=fail adds the guest tests of
#      inject/selftest.sh: one passes, one is broken on purpose) is reported as
#      "not ok" under its name, the passing one as "ok", and the run fails;
#   2. a guest that hangs (RUNAC_VM_INJECT=hang) is ended by the hard
#      timeout, reported, and leaves no qemu behind;
#   3. a VM that does not boot (RUNAC_VM_INJECT=noboot) fails the run;
#   4. run-vm.sh killed by SIGTERM (what meson does on its timeout) takes
#      qemu down with it.
# Same environment as run-vm.sh; each case boots the VM once.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
builddir=${RUNAC_VM_BUILD_DIR:-$repo/build/tests/vm}
mkdir -p "$builddir"
work=$(mktemp -d "$builddir/selftest.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

n=0 failures=0
# verdict DESCRIPTION CASE PROBLEM: ok when PROBLEM is empty; otherwise
# not ok, with the problem and the case's TAP output as diagnostics.
verdict() {
	n=$((n + 1))
	if [[ -z $3 ]]; then
		echo "ok $n - $1"
		return
	fi
	failures=$((failures + 1))
	echo "not ok $n - $1"
	sed 's/^/#   /' <<<"$3"
	echo "#   run-vm.sh output:"
	sed 's/^/#     /' "$work/$2.tap"
}

# run_case NAME VAR=VALUE...: run-vm.sh with these settings, its TAP in
# $work/NAME.tap, its temporary directory under $work/NAME; sets rc and took.
run_case() {
	local name=$1
	shift
	mkdir -p "$work/$name"
	local t0=$SECONDS
	env "$@" RUNAC_VM_TMPDIR="$work/$name" RUNAC_VM_CONSOLE_LOG="$work/$name/console.log" \
		"$here/run-vm.sh" >"$work/$name.tap" 2>&1
	rc=$?
	took=$((SECONDS - t0))
	echo "# case $name: exit status $rc after ${took}s"
}

# Problems every failed run shares: a non-zero exit, a "not ok", no qemu
# and no temporary files left.
common_problems() { # NAME
	local tap=$work/$1.tap p
	((rc != 0)) || echo "run-vm.sh exited 0"
	grep -q '^not ok ' "$tap" || echo "no 'not ok' line"
	for p in /proc/[0-9]*; do
		if grep -qF "$work/$1/" "$p/cmdline" 2>/dev/null; then
			echo "left running: pid ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline")"
		fi
	done
	if compgen -G "$work/$1/run.*" >/dev/null; then echo "left its temporary directory: $(echo "$work/$1"/run.*)"; fi
}

# 1. A broken guest test fails the run, under its own name.
run_case fail RUNAC_VM_INJECT=fail "RUNAC_VM_ONLY=selftest/*"
problems=$(
	common_problems fail
	tap=$work/fail.tap
	grep -Eq '^ok [0-9]+ - selftest/passes$' "$tap" || echo "the passing injected test is not reported 'ok'"
	grep -Eq '^not ok [0-9]+ - selftest/deliberately_broken$' "$tap" || echo "the broken injected test is not reported 'not ok'"
	grep -q "^#   FAIL: exit status of the container: got '1', want '0'" "$tap" || echo "the broken test's failure message is not in the diagnostics"
	grep -q '^1\.\.2$' "$tap" || echo "plan is not 1..2"
)
verdict "a failing guest test is reported 'not ok' under its name and fails the run" fail "$problems"

# 2. A hung guest is killed by the hard timeout.
hang_timeout=20
run_case hang RUNAC_VM_INJECT=hang RUNAC_VM_TIMEOUT=$hang_timeout
problems=$(
	common_problems hang
	grep -Eq "^not ok [0-9]+ - .*killed by the hard timeout after ${hang_timeout}s" "$work/hang.tap" || echo "no 'killed by the hard timeout' failure"
	((took <= hang_timeout + 20)) || echo "took ${took}s with a ${hang_timeout}s hard timeout"
)
verdict "a hung guest is killed by the hard timeout, reported, and no qemu is left" hang "$problems"

# 3. A kernel without a working init.
run_case noboot RUNAC_VM_INJECT=noboot
problems=$(
	common_problems noboot
	grep -Eq '^not ok 1 - boot: the VM did not start its tests' "$work/noboot.tap" || echo "no 'did not start its tests' failure"
	grep -q '^1\.\.1$' "$work/noboot.tap" || echo "plan is not 1..1"
)
verdict "a VM that does not boot fails the run" noboot "$problems"

# 4. SIGTERM to run-vm.sh once the guest runs: qemu goes too.
mkdir -p "$work/term"
RUNAC_VM_INJECT=hang RUNAC_VM_TMPDIR="$work/term" RUNAC_VM_CONSOLE_LOG="$work/term/console.log" \
	"$here/run-vm.sh" >"$work/term.tap" 2>&1 &
pid=$!
for _ in $(seq 600); do
	grep -q '^# guest booted' "$work/term.tap" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
sleep 1 # qemu ends on SIGTERM at once; give it a moment anyway
problems=$(
	grep -q '^# guest booted' "$work/term.tap" || echo "the guest did not boot within 60s"
	((rc != 0)) || echo "run-vm.sh exited 0"
	for p in /proc/[0-9]*; do
		if grep -qF "$work/term/" "$p/cmdline" 2>/dev/null; then
			echo "left running: pid ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline")"
		fi
	done
	if compgen -G "$work/term/run.*" >/dev/null; then echo "left its temporary directory"; fi
)
echo "# case term: exit status $rc"
verdict "run-vm.sh killed by SIGTERM leaves no qemu behind" term "$problems"

echo "1..$n"
((failures == 0))
