#!/usr/bin/env bats
# The agent policy at create, and `runac policy validate|explain`. Those of
# a policy's rules that this build does not enforce yet make strict mode (the
# default) refuse the container naming them; best-effort starts it and logs
# them. What the enforced rules do to the container: enforcement.bats. The
# host's runac.conf and profiles are never touched: each test has its own
# (--config FILE, whose profile-dir and secrets-dir point into the test's
# temp dir).

load ../lib/helpers

setup() {
	common_setup
	CONF_DIR=$BATS_TEST_TMPDIR/etc-runac
	mkdir -p "$CONF_DIR/profiles" "$CONF_DIR/secrets"
	cat >"$CONF_DIR/runac.conf" <<-EOF2
		# this test's own runac.conf
		profile-dir = "$CONF_DIR/profiles"
		secrets-dir = "$CONF_DIR/secrets"
		audit-dir = "$BATS_TEST_TMPDIR/audit"
	EOF2
	cd "$BUNDLE"
}
teardown() { common_teardown; }

# prunac ARGS...: runac with this test's runac.conf.
prunac() { runac --config "$CONF_DIR/runac.conf" "$@"; }

# create_to_file ARGS...: create with output in a file (a created container
# would hold bats' pipe), setting status, output and lines.
create_to_file() {
	status=0
	prunac "$@" create "$CID" >"$BATS_TEST_TMPDIR/create.out" 2>&1 || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/create.out")
	mapfile -t lines <"$BATS_TEST_TMPDIR/create.out"
}

# expect_refusal MESSAGE [GLOBAL ARGS...]: create fails with one line holding
# MESSAGE and leaves no state (the leak guard checks the rest).
expect_refusal() {
	local msg=$1
	shift
	create_to_file "$@"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"$msg"* ]]
	[ -z "$(ls -A "$RUNAC_ROOT" 2>/dev/null)" ]
}

POLICY='{
  // what the container may do
  "capabilities": {
    "filesystem": {"write": ["/tmp"]},
    "network": {"egress": [{"host": "api.github.com", "port": 443}]}
  },
  // only BPF LSM enforces it, and this host refuses to load BPF LSM programs
  "secrets": {"TERM": {"provider": "env", "allowedTools": ["git"]}}
}'
# The rule that no layer of this host enforces, and how create names it.
UNENFORCED='"secrets": {"TERM": {"provider": "env", "allowedTools": ["git"]}}'
REFUSED="agent policy: not enforceable on this kernel: secrets.allowedTools (needs bpf-lsm"

@test "a container with a policy is refused in strict mode, naming every unenforced rule" {
	annotate org.agentcontainers.agent "$POLICY"
	expect_refusal "runac create failed: $REFUSED (load refused: Operation not permitted (EPERM))) (strict mode; see runac policy explain)"
}

@test "in best-effort mode the container runs and the log lists every unenforced rule" {
	annotate org.agentcontainers.agent '{"capabilities": {"filesystem": {"write": ["/tmp"]}}, '"$UNENFORCED"', "enforcement": {"mode": "best-effort"}}'
	set_cmd 'echo ran'
	run prunac --log "$BATS_TEST_TMPDIR/log.json" --log-format json run "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = ran ]
	run jq -r 'select(.level == "warning") | .msg' "$BATS_TEST_TMPDIR/log.json"
	echo "$output"
	[ "${lines[0]}" = "agent policy (best-effort): secrets.allowedTools is not enforced: this kernel lacks bpf-lsm (load refused: Operation not permitted (EPERM))" ]
	[ "${#lines[@]}" -eq 1 ]
}

# The VM tier's tests/lsm.sh and tests/apparmor.sh run these layers where
# the kernel has them.
@test "enforcement.require names the layers this host lacks, in either mode, and nothing is left" {
	annotate org.agentcontainers.agent '{"enforcement": {"mode": "best-effort", "require": ["bpf-lsm", "apparmor"]}}'
	expect_refusal "runac create failed: agent policy: enforcement.require: bpf-lsm is not available on this kernel (load refused: Operation not permitted (EPERM)), apparmor is not available on this kernel (not in this kernel or not in lsm=)"
}

@test "a container without a policy and without a floor runs as before" {
	set_cmd 'echo plain'
	run prunac --require-agent-policy=false run "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = plain ]
}

@test "--require-agent-policy refuses a container without a policy" {
	expect_refusal "no agent policy: this runtime requires one (require-agent-policy)" --require-agent-policy
}

@test "require-agent-policy in runac.conf refuses a container without a policy" {
	echo "require-agent-policy = true" >>"$CONF_DIR/runac.conf"
	expect_refusal "no agent policy: this runtime requires one"
}

@test "a floor profile plus a widening container policy is refused naming the rule" {
	echo '{"capabilities": {"filesystem": {"write": ["/workspace"]}}, "enforcement": {"mode": "best-effort"}}' >"$CONF_DIR/profiles/base.json"
	annotate org.agentcontainers.agent '{"capabilities": {"filesystem": {"write": ["/workspace", "/etc"]}}, "enforcement": {"mode": "best-effort"}}'
	expect_refusal "agent.capabilities.filesystem.write[1]: writing /etc widens the floor (profile base)" --agent-profile base
}

@test "agent-profile in runac.conf is the floor for a container without a policy" {
	echo '{"capabilities": {"filesystem": {"write": ["/workspace"]}}, "secrets": {"TERM": {"provider": "env", "allowedTools": ["git"]}}}' >"$CONF_DIR/profiles/base.json"
	echo 'agent-profile = base' >>"$CONF_DIR/runac.conf"
	expect_refusal "$REFUSED"
}

@test "runac called as runac-NAME takes the profile NAME as its floor; a different --agent-profile is refused" {
	echo '{"capabilities": {"filesystem": {"write": ["/workspace"]}}, "enforcement": {"mode": "best-effort"}}' >"$CONF_DIR/profiles/base.json"
	ln -s "$RUNAC" "$BATS_TEST_TMPDIR/runac-base"
	update_config '.root.readonly = false'
	set_cmd 'touch /x 2>&1; echo done'
	run "$BATS_TEST_TMPDIR/runac-base" --root "$RUNAC_ROOT" --config "$CONF_DIR/runac.conf" run "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"touch: /x: Read-only file system"* ]]
	# The same container through plain runac: no floor, the rootfs writable.
	run prunac run "$CID"
	[[ $output != *"Read-only file system"* ]]
	rm -f rootfs/x
	run "$BATS_TEST_TMPDIR/runac-base" --root "$RUNAC_ROOT" --config "$CONF_DIR/runac.conf" --agent-profile other create "$CID"
	[ "$status" -eq 1 ]
	[[ $output == *"--agent-profile other: runac was called as runac-base, whose floor is the profile base"* ]]
	[ -z "$(ls -A "$RUNAC_ROOT" 2>/dev/null)" ]
}

@test "a sha256 mismatch is refused" {
	annotate org.agentcontainers.agent "$POLICY"
	annotate org.agentcontainers.agent.sha256 "$(printf '%s ' "$POLICY" | sha256sum | cut -d' ' -f1)"
	expect_refusal "org.agentcontainers.agent.sha256: mismatch: org.agentcontainers.agent has sha256 $(printf '%s' "$POLICY" | sha256sum | cut -d' ' -f1)"
}

@test "a matching sha256 pin passes on to the enforcement check" {
	annotate org.agentcontainers.agent "$POLICY"
	annotate org.agentcontainers.agent.sha256 "$(printf '%s' "$POLICY" | sha256sum | cut -d' ' -f1)"
	expect_refusal "$REFUSED"
}

@test "a profile annotation reads the profile directory; a name that escapes it is refused" {
	echo '{"capabilities": {"shell": {"commands": ["git"]}}, "secrets": {"TERM": {"provider": "env", "allowedTools": ["git"]}}}' >"$CONF_DIR/profiles/coder.json"
	annotate org.agentcontainers.profile coder
	expect_refusal "$REFUSED"
	annotate org.agentcontainers.profile ../runac
	expect_refusal 'org.agentcontainers.profile: invalid profile name'
}

@test "a policy with an unknown key is refused naming its JSON path" {
	annotate org.agentcontainers.agent '{"capabilities": {"network": {"egress": [{"host": "a.com"}, {"host": "b.com"}, {"host": "c.com", "port": 70000}]}}}'
	expect_refusal 'agent.capabilities.network.egress[2].port: port 70000 out of range (1-65535)'
}

@test "a Kubernetes sandbox container is left unconfined and the log says so" {
	annotate org.agentcontainers.agent "$POLICY"
	annotate io.kubernetes.cri.container-type sandbox
	set_cmd 'echo pause'
	run prunac --require-agent-policy --log "$BATS_TEST_TMPDIR/log.json" --log-format json run "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = pause ]
	grep -q 'agent policy: a Kubernetes sandbox container (left unconfined)' "$BATS_TEST_TMPDIR/log.json"
}

@test "every subcommand accepts the global policy flags (Docker puts runtimeArgs first)" {
	echo '{}' >"$CONF_DIR/profiles/base.json"
	for sub in "list" "state $CID" "kill $CID" "delete $CID" "policy validate $CONF_DIR/profiles/base.json"; do
		# shellcheck disable=SC2086
		run runac --config "$CONF_DIR/runac.conf" --agent-profile base --require-agent-policy $sub
		echo "$sub: $output"
		[[ "$output" != *"flag provided but not defined"* ]]
	done
	run runac --config "$CONF_DIR/runac.conf" --agent-profile base --require-agent-policy list -q
	[ "$status" -eq 0 ]
}

@test "policy validate accepts a valid file and stdin" {
	echo "$POLICY" >"$BATS_TEST_TMPDIR/p.json"
	run prunac policy validate "$BATS_TEST_TMPDIR/p.json"
	[ "$status" -eq 0 ]
	[ "$output" = "$BATS_TEST_TMPDIR/p.json: valid" ]
	run prunac policy validate - <"$BATS_TEST_TMPDIR/p.json"
	[ "$status" -eq 0 ]
	[ "$output" = "(stdin): valid" ]
}

@test "policy validate refuses a bad policy with one line naming the JSON path" {
	echo '{"capabilities": {"filesystem": {"write": ["tmp"]}}}' >"$BATS_TEST_TMPDIR/p.json"
	run prunac policy validate "$BATS_TEST_TMPDIR/p.json"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *'agent.capabilities.filesystem.write[0]: \"tmp\" is not an absolute path'* ]]
	run prunac policy validate "$BATS_TEST_TMPDIR/missing.json"
	[ "$status" -eq 1 ]
	[[ "$output" == *"missing.json: no such file"* ]]
	run prunac policy frobnicate x
	[ "$status" -eq 1 ]
	[[ "$output" == *'policy: unknown subcommand'* ]]
}

@test "policy validate checks a document against the floor" {
	echo '{"capabilities": {"filesystem": {"write": ["/workspace"]}}}' >"$CONF_DIR/profiles/base.json"
	echo '{"capabilities": {"filesystem": {"write": ["/"]}}}' >"$BATS_TEST_TMPDIR/p.json"
	run prunac --agent-profile base policy validate "$BATS_TEST_TMPDIR/p.json"
	[ "$status" -eq 1 ]
	[[ "$output" == *'agent.capabilities.filesystem.write[0]: writing / widens the floor (profile base)'* ]]
}

@test "policy explain says per rule which layer enforces it, or would where this build does not yet" {
	echo '{"capabilities": {"filesystem": {"write": ["/tmp"]}, "shell": {"commands": ["git status"]}, "network": {"egress": [{"host": "github.com", "port": 443}]}}, "secrets": {"TERM": {"provider": "env", "allowedTools": ["git"]}}, "policy": {"escalation": "prompt"}, "provenance": {}}' >"$BATS_TEST_TMPDIR/p.json"
	run prunac policy explain "$BATS_TEST_TMPDIR/p.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'  filesystem.write [/tmp]: enforced\n    mounts (required, available here, built)'* ]]
	[[ "$output" == *$'  baseline [any policy]: enforced\n'* ]]
	[[ "$output" == *$'  network names [github.com:443/tcp]: enforced\n    cgroup-bpf (required, available here, built)'* ]]
	[[ "$output" == *"weakness: a multi-call binary (busybox) allows all of its applets"* ]]
	[[ "$output" == *"weakness: an allowed interpreter (sh, python, node) runs any script"* ]]
	[[ "$output" == *'weakness: without BPF LSM, `ld.so BINARY` runs a binary that is not allowed'* ]]
	[[ "$output" == *'    bpf-lsm (extra, unavailable here, built): bprm_check_security runs only the allowed executables'* ]]
	[[ "$output" == *"weakness: names are DNS-following"* ]]
	[[ "$output" == *"weakness: processes the agent starts itself are checked by binary, not by arguments"* ]]
	[[ "$output" == *"enforced nowhere (outside a runtime): provenance"* ]]
	[[ "$output" == *$'  shell.commands [git]: enforced\n    landlock (required, available here, built)'* ]]
	[[ "$output" == *$'  shell.commands arguments [subcommands, denyArgs]: enforced\n    runac-exec (required, available here, built)'* ]]
	[[ "$output" == *$'  policy.escalation [prompt]: enforced\n    monitor (required, available here, built)'* ]]
	[[ "$output" == *"create: refused: $REFUSED"* ]]
}

# The host facts (TESTING.md): BPF LSM is listed but loading is refused with
# EPERM, and there is no AppArmor. The VM tier asserts the opposite there.
@test "policy explain on this host: BPF LSM refused, no AppArmor, Landlock, seccomp and cgroup BPF available" {
	echo '{"secrets": {"T": {"provider": "env", "allowedTools": ["git"]}}}' >"$BATS_TEST_TMPDIR/p.json"
	run prunac policy explain "$BATS_TEST_TMPDIR/p.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\n  bpf-lsm: unavailable (load refused: Operation not permitted (EPERM))\n'* ]]
	[[ "$output" == *$'\n  apparmor: unavailable ('* ]]
	[[ "$output" == *$'\n  landlock: available (ABI '* ]]
	[[ "$output" == *$'\n  seccomp: available ('* ]]
	[[ "$output" == *$'\n  cgroup-bpf: available ('* ]]
	[[ "$output" == *$'\n  memfd-noexec: available ('* ]]
	[[ "$output" == *"  secrets.allowedTools [per-tool access]: not enforceable on this kernel: needs bpf-lsm (load refused: Operation not permitted (EPERM))"* ]]
	[[ "$output" == *$'  memfd-exec [no executable memfd (any policy)]: enforced\n    memfd-noexec (alternative, available here, chosen, built)'* ]]
}

@test "policy explain --container explains a running container's policy" {
	annotate org.agentcontainers.agent '{"capabilities": {"filesystem": {"write": ["/tmp"]}}, '"$UNENFORCED"', "enforcement": {"mode": "best-effort"}}'
	set_cmd 'sleep 100'
	prunac create "$CID" >"$BATS_TEST_TMPDIR/create.out" 2>&1
	run prunac policy explain --container "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"policy: annotation org.agentcontainers.agent"* ]]
	[[ "$output" == *"mode: best-effort"* ]]
	[[ "$output" == *"create: allowed (best-effort), 1 rule(s) not enforced, each logged as a warning"* ]]
	runac delete --force "$CID"
	run prunac policy explain --container "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"container does not exist"* ]]
}

@test "policy explain --container says when a container has no policy" {
	set_cmd 'sleep 100'
	prunac create "$CID" >"$BATS_TEST_TMPDIR/create.out" 2>&1
	run prunac policy explain --container "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = "container $CID: no agent policy (runs as runc would run it)" ]
	runac delete --force "$CID"
}

@test "a --config file that does not exist is refused" {
	run runac --config "$BATS_TEST_TMPDIR/nope.conf" policy validate /dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"--config: cannot read $BATS_TEST_TMPDIR/nope.conf"* ]]
}

@test "a file secret outside the secrets directory is refused" {
	annotate org.agentcontainers.agent '{"secrets": {"K": {"provider": "file", "path": "/etc/shadow"}}}'
	expect_refusal "agent.secrets.K.path: /etc/shadow is outside $CONF_DIR/secrets/ (file secrets come only from there)"
}

@test "the shipped profiles and presets validate, explain by name, and a container's policy includes them" {
	local shipped name
	shipped=$(cd "$BATS_TEST_DIRNAME/../../profiles" && pwd)
	echo "profile-dir = \"$shipped\"" >>"$CONF_DIR/runac.conf"
	for name in aider claude-code codex gemini-cli crates debian github-https github-ssh go-proxy npm pypi; do
		run prunac policy explain --profile "$name"
		[ "$status" -eq 0 ]
		[[ ${lines[0]} == "policy: profile $name ($shipped/$name.json)"* ]]
		[ "${lines[-1]}" = "create: allowed, every rule enforced" ]
	done
	annotate org.agentcontainers.agent '{"include": ["npm", "github-https"], "capabilities": {"filesystem": {"write": ["/tmp"]}}}'
	set_cmd 'sleep 100'
	prunac run -d "$CID" >/dev/null
	run prunac policy explain --container "$CID"
	prunac delete --force "$CID"
	echo "$output"
	[ "${lines[0]}" = "policy: annotation org.agentcontainers.agent (including npm, github-https)" ]
	[[ $output == *"registry.npmjs.org:443/tcp"* && $output == *"api.github.com:443/tcp"* ]]
}
