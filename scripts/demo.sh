#!/usr/bin/env bash
# A tour of runac on a busybox rootfs: builds, makes a bundle, then walks a
# container through its life the way Docker's shim does (create, state,
# start, exec into it, kill, delete), runs one in the foreground, and shows
# what runac makes of an AI agent's policy on this kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then echo "scripts/demo.sh: run as root" >&2; exit 1; fi
bash scripts/build.sh
repo=$PWD
runac=$repo/build/runac

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
step runac exec demo sh -c "'id; head -2 /proc/self/cgroup'"
"$runac" --root "$root" exec demo sh -c 'id; head -2 /proc/self/cgroup'
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
set -e

# The agent policy: a Claude Code policy (docs/agent-policy.md), what each
# rule turns into on this kernel, and a container carrying it, which strict
# mode refuses while this build cannot enforce every rule (network, commands,
# secrets, audit); then a filesystem policy this build enforces, confining
# the container and what `runac exec` starts in it.
policy=$repo/tests/fuzz/corpus/policy/claude-code.jsonc
step runac policy explain claude-code.jsonc
"$runac" policy explain "$policy" | head -40
jq --rawfile p "$policy" '.annotations["org.agentcontainers.agent"] = $p' config.json >config.new && mv config.new config.json
step runac create agent "(annotated with that policy)"
"$runac" --root "$root" create agent || echo "exit status: $? (refused, nothing left behind: $(ls "$root" | wc -l) containers)"

fs_policy='{"capabilities": {"filesystem": {"write": ["/workspace", "/tmp"], "deny": ["/workspace/.env"]}}, "policy": {"auditLog": false}}'
mkdir -p rootfs/workspace && echo "TOKEN=not-for-the-agent" >rootfs/workspace/.env
jq --arg p "$fs_policy" '.root.readonly = false | .annotations["org.agentcontainers.agent"] = $p |
	.process.args = ["sh", "-c", "sleep 30"]' config.json >config.new && mv config.new config.json
step runac run -d agent "(policy: $fs_policy)"
"$runac" --root "$root" run -d agent
probe='touch /etc/x; echo ok >/workspace/out && cat /workspace/out; cat /workspace/.env; unshare -U true; grep -E "^(CapEff|NoNewPrivs|Seccomp_filters)" /proc/self/status'
step runac exec agent sh -c "'$probe'"
"$runac" --root "$root" exec agent sh -c "$probe" 2>&1 || true
"$runac" --root "$root" delete --force agent
