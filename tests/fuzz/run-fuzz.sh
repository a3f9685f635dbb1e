#!/usr/bin/env bash
# run-fuzz.sh FUZZER SEED_DIR SECONDS: a short libFuzzer run for CI. New
# inputs go to a scratch corpus in the build tree, never into the seeds;
# a crash leaves its input there (crash-*) and fails the test.
set -euo pipefail
fuzzer=${1:?usage: run-fuzz.sh FUZZER SEED_DIR SECONDS}
seeds=${2:?}
seconds=${3:?}
work=$(dirname "$fuzzer")/$(basename "$fuzzer")-corpus
mkdir -p "$work"
cd "$(dirname "$fuzzer")"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	-print_final_stats=1 "$work" "$seeds"
