#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, runs every tier and
# ends with one line "N passed, N failed". Must run as root: the tests run
# real containers. One tier: scripts/test.sh --suite unit (meson suites:
# unit, integration, diff, lib, vm, fuzz).
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then echo "scripts/test.sh: run as root (the tests create real containers)" >&2; exit 1; fi
bash scripts/build.sh || exit 1
# runac's per-boot cache of shared BPF programs: a cache on a host, but the
# suite leaves a test machine as it found it.
bpffs=/run/runac-cache/bpffs
had_bpffs=$(findmnt -n "$bpffs" >/dev/null && echo 1)
meson test -C build --print-errorlogs --num-processes 1 "$@"
status=$?
if [ -z "$had_bpffs" ] && findmnt -n "$bpffs" >/dev/null; then umount "$bpffs"; fi
python3 scripts/test-summary.py build/meson-logs/testlog.json || status=1
exit $status
