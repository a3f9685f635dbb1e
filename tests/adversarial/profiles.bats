#!/usr/bin/env bats
# The shipped agent profiles (profiles/), each as a container's profile: a
# session of the kind the agent runs works (writing and renaming in the
# workspace, its secret as a file), and what the profile refuses is refused
# by the kernel: the image's files, the workspace's .env, an address it
# does not list, the cloud metadata address, the key in the environment.

bats_require_minimum_version 1.5.0
load ../lib/helpers

setup() {
	common_setup
	cd "$BUNDLE"
	cp "$ESCAPE" rootfs/usr/bin/escape
	mkdir -p rootfs/workspace/src
	echo 'OPENAI_API_KEY=from-dotenv' >rootfs/workspace/.env
	SHIPPED=$(cd "$BATS_TEST_DIRNAME/../../profiles" && pwd)
	printf 'profile-dir = "%s"\naudit-dir = "%s/audit"\n' "$SHIPPED" "$BATS_TEST_TMPDIR" >"$BATS_TEST_TMPDIR/runac.conf"
}
teardown() { common_teardown; }

SESSION='echo draft >/workspace/src/a.txt && mkdir -p /workspace/out && mv /workspace/src/a.txt /workspace/out/ &&
	cat /workspace/out/a.txt; echo scratch >/tmp/s && cat /tmp/s
	escape write /etc/agent; escape write /usr/bin/agent; escape read /workspace/.env
	escape tcp 192.0.2.1 443; escape tcp 169.254.169.254 80
	cat /run/secrets/$KEY; echo; env | grep -c "$KEY="; true'

# session PROFILE KEY: the session under PROFILE with KEY in the environment.
session() {
	jq --arg p "$1" --arg k "$2" --arg s "$SESSION" \
		'.annotations["org.agentcontainers.profile"] = $p | .root.readonly = false | .process.args = ["sh", "-c", $s]
		 | .process.env += [$k + "=sk-test-" + $p, "KEY=" + $k]' config.json >config.new && mv config.new config.json
	run runac --config "$BATS_TEST_TMPDIR/runac.conf" run "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = draft ]
	[ "${lines[1]}" = scratch ]
	[ "${lines[2]}" = "write: refused (EROFS)" ]
	[ "${lines[3]}" = "write: refused (EROFS)" ]
	[ "${lines[4]}" = "read: refused (EACCES)" ]
	[ "${lines[5]}" = "tcp: refused (EPERM)" ]
	[ "${lines[6]}" = "tcp: refused (EPERM)" ]
	[ "${lines[7]}" = "sk-test-$1" ]
	[ "${lines[8]}" = 0 ]
}

@test "claude-code: the session works, the rest is refused" { session claude-code ANTHROPIC_API_KEY; }
@test "codex: the session works, the rest is refused" { session codex OPENAI_API_KEY; }
@test "aider: the session works, the rest is refused" { session aider OPENAI_API_KEY; }
@test "gemini-cli: the session works, the rest is refused" { session gemini-cli GEMINI_API_KEY; }
