#!/usr/bin/env bats
# Each shipped agent profile (profiles/) around a scripted turn of its
# agent, in a Debian 12 rootfs with node, python3 and git from Debian's
# archive (tests/lib/make-debian-rootfs.sh; the agents' own binaries are not
# in Debian): Claude Code, Codex and Gemini CLI are Node.js programs
# (sessions/session.js), Aider a Python one (sessions/session.py). The
# container joins a network namespace of the test's own whose DNS server
# (dns_server.py) answers the agent's API host and its registry with
# addresses where listeners (listeners.py) log every connection, and a
# host no profile allows, with listeners of its own that must log none.
#
# The turn works: the workspace edited (a rename across directories), a git
# commit, the result run, the API and the registry reached by name, the key
# a file and not in the environment. What an injected prompt asks for is
# refused: a write outside the writable paths (EROFS), the workspace's .env
# (EACCES), the other host's name (not found: the monitor's NXDOMAIN) and
# address (EPERM), a download-and-run from it, by name and by address, and
# for Python a fileless run of code held in an executable memfd (EACCES).

bats_require_minimum_version 1.5.0
load ../lib/helpers
load network

DEBIAN_ROOTFS=${RUNAC_TEST_DEBIAN_ROOTFS:-/var/cache/runac-tests/debian-agents}
API=192.0.2.10 REGISTRY=192.0.2.20 BAD=192.0.2.66

setup_file() {
	"$BATS_TEST_DIRNAME/../lib/make-debian-rootfs.sh" "$DEBIAN_ROOTFS" >&3
}

setup() {
	netns_setup 192.0.2.53/32 $API/32 $REGISTRY/32 $BAD/32
	SHIPPED=$(cd "$BATS_TEST_DIRNAME/../../profiles" && pwd)
	printf 'profile-dir = "%s"\naudit-dir = "%s/audit"\n' "$SHIPPED" "$BATS_TEST_TMPDIR" >"$BATS_TEST_TMPDIR/runac.conf"
	mkdir -p "$BATS_TEST_TMPDIR/workspace"
	# A project keeps its .env out of git, as projects do: a denied file
	# that git must read (git add -A) fails the commit.
	echo 'API_KEY=from-dotenv' >"$BATS_TEST_TMPDIR/workspace/.env"
	echo .env >"$BATS_TEST_TMPDIR/workspace/.gitignore"
	echo "nameserver 192.0.2.53" >"$BATS_TEST_TMPDIR/resolv.conf"
	DNS_LOG=$BATS_TEST_TMPDIR/dns.log LOG=$BATS_TEST_TMPDIR/listeners.log
	in_netns_background "$DNS_LOG" /usr/bin/python3 "$BATS_TEST_DIRNAME/dns_server.py" "$DNS_LOG" 192.0.2.53 \
		api.anthropic.com=A:$API api.openai.com=A:$API generativelanguage.googleapis.com=A:$API \
		registry.npmjs.org=A:$REGISTRY pypi.org=A:$REGISTRY exfil.test=A:$BAD
	in_netns_background "$LOG" /usr/bin/python3 "$BATS_TEST_DIRNAME/listeners.py" "$LOG" \
		tcp:$API:443 tcp:$REGISTRY:443 tcp:$BAD:443 tcp:$BAD:80
}

# A session that was not confined may have written into the shared rootfs.
teardown() {
	rm -f "$DEBIAN_ROOTFS/etc/agent" "$DEBIAN_ROOTFS/usr/local/bin/agent"
	netns_teardown
}

# session PROFILE LANGUAGE API_HOST REGISTRY_HOST KEY: the turn under
# PROFILE (the container's annotation), KEY=sk-test-PROFILE from the engine.
session() {
	local profile=$1 program
	case $2 in
	node) program=(node /opt/session/session.js) ;;
	python) program=(python3 /opt/session/session.py) ;;
	esac
	program+=("$3" "$4" exfil.test "$BAD" "$5")
	jq --arg p "$profile" --arg k "$5" --arg root "$DEBIAN_ROOTFS" --arg ws "$BATS_TEST_TMPDIR/workspace" \
		--arg sessions "$BATS_TEST_DIRNAME/sessions" --arg resolv "$BATS_TEST_TMPDIR/resolv.conf" \
		--args '.annotations["org.agentcontainers.profile"] = $p | .root.path = $root | .root.readonly = false
		| .process.args = $ARGS.positional | .process.cwd = "/workspace"
		| .process.env = ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/root", $k + "=sk-test-" + $p]
		| .mounts += [{"destination": "/workspace", "type": "bind", "source": $ws, "options": ["rbind", "rw"]},
		              {"destination": "/opt/session", "type": "bind", "source": $sessions, "options": ["rbind", "ro"]},
		              {"destination": "/etc/resolv.conf", "type": "bind", "source": $resolv, "options": ["bind", "ro"]},
		              {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777"]}]' \
		"${program[@]}" <config.json >config.new && mv config.new config.json
	run runac --config "$BATS_TEST_TMPDIR/runac.conf" run "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	expect_lines "edit: written" "commit: turn 1" "run: built and ran" "api $3: connected" "registry $4: connected" \
		"secret: sk-test-$profile" "secret in env: absent" \
		"write /etc: EROFS" "write /usr/local/bin: EROFS" "read .env: EACCES" \
		"dns exfil.test: ENOTFOUND" "connect $BAD: EPERM" "download-and-run: ENOTFOUND" \
		"download-and-run by address: EPERM" "${FILELESS[@]}"
	# The policy made the shared rootfs read-only, not the config.
	[ ! -e "$DEBIAN_ROOTFS/etc/agent" ] && [ ! -e "$DEBIAN_ROOTFS/usr/local/bin/agent" ]
	# The commit is in the workspace, as the agent left it.
	[ "$(git -C "$BATS_TEST_TMPDIR/workspace" log --format=%s)" = "turn 1" ]
	# The API and the registry were reached once each; the other host never,
	# and its name never left the container.
	expect_logged "$LOG" "tcp $API 443" "tcp $REGISTRY 443"
	run ! grep -q exfil.test "$DNS_LOG"
	# Its audit log has the refused connections.
	run jq -r 'select(.event == "denied") | "\(.address):\(.port)"' "$BATS_TEST_TMPDIR/audit/$CID.jsonl"
	[[ $output == *"$BAD:443"* && $output == *"$BAD:80"* ]]
}
FILELESS=()

@test "claude-code: a Node.js agent's turn works, what an injected prompt asks for is refused" {
	session claude-code node api.anthropic.com registry.npmjs.org ANTHROPIC_API_KEY
}

@test "codex: a Node.js agent's turn works, what an injected prompt asks for is refused" {
	session codex node api.openai.com registry.npmjs.org OPENAI_API_KEY
}

@test "gemini-cli: a Node.js agent's turn works, what an injected prompt asks for is refused" {
	session gemini-cli node generativelanguage.googleapis.com registry.npmjs.org GEMINI_API_KEY
}

@test "aider: a Python agent's turn works, a fileless run of fetched code too is refused" {
	FILELESS=("fileless run: EACCES")
	session aider python api.openai.com pypi.org OPENAI_API_KEY
}
