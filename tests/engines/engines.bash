# engines.bash: shared by tests/engines/*.bats. Each file starts its own
# daemon (dockerd, containerd) or gives podman its own storage, all under
# $BATS_FILE_TMPDIR, and runs every operation through runac and through
# Debian's runc, comparing what each prints and how each exits.
#
# The leak guard works per file, not per test: a daemon's own mounts and
# processes live as long as it does. The file's first test takes the
# snapshot (engine_guard_begin), its last stops the daemon and compares
# (engine_guard_end); the test lock is held in between, so no other test
# run changes the host meanwhile.

load ../lib/helpers

ENGINE_DIR=$BATS_FILE_TMPDIR
ENGINE_IMAGE_ROOTFS=${RUNAC_TEST_ROOTFS:-$BATS_RUN_TMPDIR/rootfs}
# Host cgroups of the engine's containers go under this parent, so that
# the guard can tell them from anything else's (and remove it at the end).
ENGINE_CGROUP_PARENT=runac-engines-${BATS_RUN_TMPDIR##*-}

engine_rootfs() {
	"$HELPERS_DIR/make-rootfs.sh" "$ENGINE_IMAGE_ROOTFS" >/dev/null
}

# containerd_config OUT: the configuration of a containerd of the test's own
# (root, state and sockets under $CTD_DIR), the test's own settings from
# stdin, then the snippet of containerd-shim/ that registers the runac
# runtime, its BinaryName made $RUNAC.
containerd_config() {
	{
		cat <<-TOML
			version = 2
			root = "$CTD_DIR/root"
			state = "$CTD_DIR/state"
			[grpc]
			  address = "$CTD_DIR/containerd.sock"
			[ttrpc]
			  address = "$CTD_DIR/containerd.sock.ttrpc"
			[debug]
			  address = ""
			[metrics]
			  address = ""
		TOML
		cat
		sed "s#/usr/local/sbin/runac#$RUNAC#" "$BATS_TEST_DIRNAME/../../containerd-shim/config.toml"
	} >"$1"
}

# start_containerd CONFIG: in the background, until it answers.
start_containerd() {
	containerd --config "$1" >"$CTD_DIR/containerd.log" 2>&1 &
	echo $! >"$CTD_DIR/containerd.pid"
	for _ in $(seq 100); do ctr --address "$CTD_DIR/containerd.sock" version >/dev/null 2>&1 && return 0; sleep 0.1; done
	cat "$CTD_DIR/containerd.log" >&2
	return 1
}

stop_containerd() {
	[[ -f $CTD_DIR/containerd.pid ]] || return 0
	local pid
	pid=$(cat "$CTD_DIR/containerd.pid")
	kill "$pid" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	rm -f "$CTD_DIR/containerd.pid"
}

# A dockerd of the test file's own (docker.bats, package.bats): dk talks to
# it, stop_dockerd ends it and what it runs.
DOCKER_DIR=$ENGINE_DIR/docker
dk() { docker -H "unix://$DOCKER_DIR/docker.sock" "$@"; }
stop_dockerd() {
	[[ -f $DOCKER_DIR/docker.pid ]] || return 0
	# Containers first, so that nothing of theirs outlives the daemon.
	dk ps -aq | xargs -r docker -H "unix://$DOCKER_DIR/docker.sock" rm -f >/dev/null 2>&1
	kill "$(cat "$DOCKER_DIR/docker.pid")" 2>/dev/null
	for _ in $(seq 200); do [[ -e $DOCKER_DIR/docker.pid ]] || break; sleep 0.05; done
	# dockerd's own: the handle it keeps on the host's network namespace.
	umount "$DOCKER_DIR/exec/netns/default" 2>/dev/null || true
}

engine_guard_begin() {
	# _lg_lock and the snapshot helpers keep their files in BATS_TEST_TMPDIR.
	BATS_TEST_TMPDIR=$ENGINE_DIR _lg_lock || return 1
	# The first network namespace anyone names on a machine (iproute2, podman)
	# makes /run/netns a shared mount for good: host set-up, not a leak.
	if ! mountpoint -q /run/netns; then
		ip netns add "runac-prime-$$" && ip netns delete "runac-prime-$$"
	fi
	echo "$LEAK_GUARD_LOCK_PID" >"$ENGINE_DIR/lock.pid"
	_lg_snapshot >"$ENGINE_DIR/guard-before"
	_lg_sane "$ENGINE_DIR/guard-before"
}

# engine_guard_end: after the daemon stopped, nothing of this file's may be
# left: no process naming its directory, no mount, cgroup or BPF program.
engine_guard_end() {
	local rc=0 left
	for _ in $(seq 100); do
		left=$(pgrep -af -- "$ENGINE_DIR" | grep -v pgrep || true)
		[[ -z $left ]] && break
		sleep 0.1
	done
	if [[ -n $left ]]; then
		echo "LEAK GUARD: processes still running: $left" >&2
		pkill -KILL -f -- "$ENGINE_DIR" || true
		rc=1
	fi
	# The engine leaves the (empty) parent of its containers' cgroups, and
	# Podman a "conmon" cgroup in it for its monitors.
	local parent
	for parent in $(find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d -name "$ENGINE_CGROUP_PARENT" 2>/dev/null); do
		find "$parent" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
	_lg_snapshot >"$ENGINE_DIR/guard-after"
	if ! diff "$ENGINE_DIR/guard-before" "$ENGINE_DIR/guard-after" >"$ENGINE_DIR/guard-diff"; then
		echo "LEAK GUARD: the host changed:" >&2
		grep '^[<>]' "$ENGINE_DIR/guard-diff" >&2
		grep '^> mount ' "$ENGINE_DIR/guard-diff" | awk '{ print $3 }' | sort -r |
			while read -r m; do if [[ $m == "$ENGINE_DIR"/* ]]; then umount -l "$m"; fi; done
		rc=1
	fi
	engine_guard_release
	return $rc
}

engine_guard_release() {
	if [[ -f $ENGINE_DIR/lock.pid ]]; then
		kill "$(cat "$ENGINE_DIR/lock.pid")" 2>/dev/null || true
		rm -f "$ENGINE_DIR/lock.pid"
	fi
}

# same CMD...: runs CMD twice, with @RT@ replaced by "runc", then by
# "runac" (in names and runtime flags) and @RTBIN@ by that runtime's
# binary (/usr/sbin/runc, $RUNAC), and fails unless both exit alike and print the same, once the runtime's
# name and container ids are normalised. Leaves runac's side in $status,
# $output and $lines for further checks. ENGINE_STDIN: what both read.
same() {
	local rt args
	local rc bin
	for rt in runc runac; do
		if [[ $rt == runc ]]; then bin=/usr/sbin/runc; else bin=$RUNAC; fi
		args=("${@//@RTBIN@/$bin}")
		args=("${args[@]//@RT@/$rt}")
		rc=0
		"${args[@]}" <"${ENGINE_STDIN:-/dev/null}" >"$ENGINE_DIR/$rt.out" 2>"$ENGINE_DIR/$rt.err" || rc=$?
		echo $rc >"$ENGINE_DIR/$rt.status"
		{
			echo "exit status: $(cat "$ENGINE_DIR/$rt.status")"
			echo "--- stdout"
			_engine_norm <"$ENGINE_DIR/$rt.out"
			echo "--- stderr"
			_engine_norm <"$ENGINE_DIR/$rt.err"
		} >"$ENGINE_DIR/$rt.cmp"
	done
	status=$(cat "$ENGINE_DIR/runac.status")
	output=$(cat "$ENGINE_DIR/runac.out" "$ENGINE_DIR/runac.err")
	mapfile -t lines <"$ENGINE_DIR/runac.out"
	if ! diff -u --label runc --label runac "$ENGINE_DIR/runc.cmp" "$ENGINE_DIR/runac.cmp" >&2; then
		echo "MISMATCH: ${*//@RT@/<RT>}" >&2
		return 1
	fi
}

# Besides names, ids and times (and the NUL that the docker client's -t
# echoes as ^@ somewhere in the output), one wording: runc says "unable to start container
# process: exec: ...", runac "exec: ..." (docs/runtime.md); engines match
# the part after it.
_engine_norm() {
	sed -E -e "s#$(_diff_quote "$RUNAC")|/usr/sbin/runc#<RT>#g" -e 's#\brun(a)?c\b#<RT>#g' \
		-e 's#unable to start container process: ##' -e 's#time="[^"]*"#time="<TIME>"#g' -e 's#\^@##g' \
		-e 's#[0-9a-f]{64}#<ID>#g' -e 's#\b[0-9a-f]{12}\b#<ID>#g' -e 's#\r##g' "${ENGINE_NORM[@]}"
}
ENGINE_NORM=()

_diff_quote() { sed 's/[][\.*^$|+?(){}#]/\\&/g' <<<"$1"; }

# What a process sees of the agent policy the engine tests use (ENGINE_POLICY:
# write /tmp, deny /etc/passwd, only sh runs, the secret TOKEN from the
# engine's environment): POLICY_PROBE prints it, expect_confined checks
# $output. The engine passes TOKEN=$ENGINE_TOKEN to the container.
ENGINE_POLICY='{"capabilities": {"filesystem": {"write": ["/tmp"], "deny": ["/etc/passwd"]}, "shell": {"commands": ["sh"]}}, "secrets": {"TOKEN": "env://TOKEN"}, "policy": {"auditLog": false}}'
ENGINE_TOKEN=tok-engine-91c2
POLICY_PROBE='touch /etc/x 2>&1; echo w >/tmp/ok && cat /tmp/ok; cat /etc/passwd 2>&1
	cp /bin/busybox /tmp/bb && /tmp/bb true 2>&1; echo "secret: $(cat /run/secrets/TOKEN)"; echo "env: $(env | grep -c TOKEN)"
	grep -E "^(CapEff|NoNewPrivs|Seccomp_filters)" /proc/self/status'
expect_confined() {
	echo "$output"
	[[ "$output" == *"touch: /etc/x: Read-only file system"* ]]
	[[ "$output" == *$'\nw\n'* ]]
	[[ "$output" == *"cat: can't open '/etc/passwd': Permission denied"* ]]
	[[ "$output" == *"/tmp/bb: Permission denied"* ]]  # written, so not executable
	[[ "$output" == *$'\nsecret: '"$ENGINE_TOKEN"$'\n'* ]]
	[[ "$output" == *$'\nenv: 0\n'* ]]
	[[ "$output" == *$'CapEff:\t0000000000000000'* ]]
	[[ "$output" == *$'NoNewPrivs:\t1'* ]]
	[[ "$output" == *$'Seccomp_filters:\t3'* ]]  # the engine's profile and the agent baseline's two
}

# The network half, for an engine's own network: NET_POLICY_FOR ADDRESS is
# a policy allowing api.test on port 18080 by name and ADDRESS on 18081 by
# address; engine_net_servers ADDRESS starts the tests' DNS server (api.test
# and other.test at ADDRESS) and listeners on 18080-18082 there, logging to
# $ENGINE_DIR/dns.log and listeners.log; NET_PROBE_FOR ADDRESS is what the
# container tries (the tests' escape program, bound in at /usr/bin/escape),
# and expect_net_confined ADDRESS checks its answers and the logs.
net_policy_for() {
	printf '{"capabilities": {"network": {"egress": [{"host": "api.test", "port": 18080}, {"host": "%s", "port": 18081}]}}, "policy": {"auditLog": false}}' "$1"
}

engine_net_servers() {
	local a=$1 log
	rm -f "$ENGINE_DIR/dns.log" "$ENGINE_DIR/listeners.log"
	/usr/bin/python3 "$BATS_TEST_DIRNAME/../adversarial/dns_server.py" "$ENGINE_DIR/dns.log" "$a" \
		"api.test=A:$a" "other.test=A:$a" &
	NET_SERVERS=($!)
	/usr/bin/python3 "$BATS_TEST_DIRNAME/../adversarial/listeners.py" "$ENGINE_DIR/listeners.log" \
		"tcp:$a:18080" "tcp:$a:18081" "tcp:$a:18082" &
	NET_SERVERS+=($!)
	for log in dns listeners; do
		for _ in $(seq 100); do grep -qx ready "$ENGINE_DIR/$log.log" 2>/dev/null && break; sleep 0.05; done
	done
}

engine_net_servers_stop() {
	local pid
	for pid in "${NET_SERVERS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; done
	NET_SERVERS=()
}
NET_SERVERS=()

net_probe_for() {
	echo "escape tcp $1 18080; escape dns $1 api.test; escape tcp $1 18080; escape tcp $1 18081; escape tcp $1 18082
		escape dns $1 other.test"
}

expect_net_confined() {
	local a=$1 want got
	echo "$output"
	want="tcp: refused (EPERM)|dns api.test: $a|tcp: ALLOWED|tcp: ALLOWED|tcp: refused (EPERM)|dns other.test: NXDOMAIN"
	got=$(grep -E '^(tcp|dns)' <<<"$output" | paste -sd'|')
	[ "$got" = "$want" ] || { echo "expected: $want"; return 1; }
	sleep 0.2
	[ "$(grep -vx ready "$ENGINE_DIR/dns.log" | paste -sd'|')" = "api.test A" ]
	[ "$(grep -vx ready "$ENGINE_DIR/listeners.log" | LC_ALL=C sort | paste -sd'|')" = "tcp $a 18080|tcp $a 18081" ]
}

# The README's journeys: each fenced block that follows a line
# "<!-- journey: NAME -->" in README.md is run as written by a test, so that
# what the README tells users is what is tested.
#
# journey NAME: that block's text (fails when the README has none).
journey() {
	local text
	text=$(awk -v mark="<!-- journey: $1 -->" '
		$0 == mark { found = 1; next }
		found && /^```/ { if (inside) exit; inside = 1; next }
		found && inside { print }' "$BATS_TEST_DIRNAME/../../README.md")
	[[ -n $text ]] || { echo "README.md has no journey $1" >&2; return 1; }
	printf '%s\n' "$text"
}

# journey_run NAME: the block's commands in a subshell, in $JOURNEY_WS,
# after $JOURNEY_PRELUDE (the test's docker, podman and runac functions:
# its daemon's socket, its storage, its runac.conf).
journey_run() {
	local script
	script=$(journey "$1") || return 1
	(cd "$JOURNEY_WS" && eval "$JOURNEY_PRELUDE" && eval "$script")
}

# agent_image: a tar of the busybox rootfs with a stand-in for an agent's
# CLI, `claude` (the README's my-agent-image): a turn's work in the
# workspace, then what an injected prompt would try.
agent_image() {
	local d=$ENGINE_DIR/agent-image
	rm -rf "$d"
	cp -a "$ENGINE_IMAGE_ROOTFS" "$d"
	rm -f "$d/.runac-rootfs-stamp"
	cp "$ESCAPE" "$d/usr/bin/escape"
	mkdir -p "$d/usr/local/bin" "$d/workspace"
	cat >"$d/usr/local/bin/claude" <<-'AGENT'
		#!/bin/sh
		echo turn >/workspace/notes.txt && echo "workspace: written"
		echo "key: $(cat /run/secrets/ANTHROPIC_API_KEY)"
		env | grep -q '^ANTHROPIC_API_KEY=' && echo "key in env: yes" || echo "key in env: no"
		escape write /etc/agent
		escape tcp 203.0.113.7 443
	AGENT
	chmod 0755 "$d/usr/local/bin/claude"
	tar -C "$d" -c .
}
AGENT_KEY=sk-ant-journey-5e1f
# What the stand-in prints, confined by the claude-code profile.
expect_agent_confined() {
	echo "$output"
	[[ $output == *"workspace: written"$'\n'"key: $AGENT_KEY"$'\n'"key in env: no"$'\n'"write: refused (EROFS)"$'\n'"tcp: refused (EPERM)"* ]]
	[ "$(cat "$JOURNEY_WS/notes.txt")" = turn ]
}
