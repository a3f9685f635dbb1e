#!/usr/bin/env bash
# A tour of runac on a busybox rootfs: builds, makes a bundle, then walks a
# container through its life the way Docker's shim does (create, state,
# start, exec fifo released, kill, delete) and runs one in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then echo "scripts/demo.sh: run as root" >&2; exit 1; fi
bash scripts/build.sh
runac=$PWD/build/runac

work=$(mktemp -d /tmp/runac-demo.XXXXXX)
root=$work/state
cleanup() {
  "$runac" --root "$root" delete --force demo >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

bash tests/lib/make-rootfs.sh "$work/bundle/rootfs" >/dev/null
cd "$work/bundle"
step runac spec
"$runac" spec
jq '.process.terminal = false | .process.args = ["sh", "-c",
  "echo \"hello from $(hostname): pid $$, uid $(id -u)\"; grep -E \"^(CapEff|NoNewPrivs)\" /proc/self/status; touch /etc/x 2>&1 || true; sleep 30"]' \
  config.json >config.new && mv config.new config.json

step runac create demo
"$runac" --root "$root" create demo
step runac state demo
"$runac" --root "$root" state demo; echo
step runac start demo
"$runac" --root "$root" start demo
sleep 0.5
step runac list
"$runac" --root "$root" list
step runac kill demo KILL
"$runac" --root "$root" kill demo KILL
sleep 0.2
"$runac" --root "$root" state demo | jq -c '{id, status, pid}'
step runac delete demo
"$runac" --root "$root" delete demo

jq '.process.args = ["sh", "-c", "echo goodbye; exit 7"]' config.json >config.new && mv config.new config.json
step runac run demo "(foreground: exits with the container's status)"
set +e
"$runac" --root "$root" run demo
echo "exit status: $?"
