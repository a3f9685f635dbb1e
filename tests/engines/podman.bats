#!/usr/bin/env bats
# Podman runs containers with runac (`podman --runtime /abs/runac`): its
# own storage and run directories and a containers.conf of the test's
# (cgroupfs, file events, netavark networks, no default ulimits: Podman's default
# RLIMIT_NOFILE of 1048576 is above this machine's hard limit; runac among
# the runtimes that write JSON logs, as the README tells users to set). Every
# operation runs through runac and through runc, and both must agree.

load engines
load ../adversarial/network

PODMAN_DIR=$ENGINE_DIR/podman
pm() {
	CONTAINERS_CONF=$PODMAN_DIR/containers.conf podman --root "$PODMAN_DIR/root" --runroot "$PODMAN_DIR/run" \
		--tmpdir "$PODMAN_DIR/tmp" --storage-driver vfs "$@"
}
# Podman takes the runtime as a path: @RTBIN@.
RUN=(pm --runtime @RTBIN@ run --network none --cgroup-parent "/$ENGINE_CGROUP_PARENT")

# csv_field TEXT: TEXT as one CSV field ("..." with inner quotes doubled).
csv_field() { printf '"%s"' "${1//\"/\"\"}"; }

teardown_file() {
	engine_net_servers_stop
	pm rm -af -t 0 >/dev/null 2>&1 || true
	engine_guard_release
}

@test "podman imports the busybox image" {
	engine_guard_begin
	engine_rootfs
	mkdir -p "$PODMAN_DIR/tmp"
	cat >"$PODMAN_DIR/containers.conf" <<-'CONF'
		[containers]
		default_ulimits = []
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		# Podman then reads runac's errors from its --log-format json log, as runc's.
		runtime_supports_json = ["crun", "runc", "runac"]
		[network]
		# Podman 4's own bridge (Debian 12 also ships the older CNI plugins).
		network_backend = "netavark"
	CONF
	tar -C "$ENGINE_IMAGE_ROOTFS" --exclude=./.runac-rootfs-stamp -c . | pm import - busybox:test
	agent_image | pm import - my-agent-image
}

@test "podman run --rm passes exit codes through: 0, non-zero, 127" {
	same "${RUN[@]}" --rm busybox:test sh -c 'echo hello; id'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hello ]
	same "${RUN[@]}" --rm busybox:test sh -c 'exit 3'
	[ "$status" -eq 3 ]
	same "${RUN[@]}" --rm busybox:test nosuchcommand
	[ "$status" -eq 127 ]
	[[ "$output" == *"executable file not found"* ]]
}

@test "podman run -d, logs, exec, stop and rm" {
	same "${RUN[@]}" -d --name ct-@RT@ busybox:test sh -c 'echo started; trap "echo stopping; exit 0" TERM; while :; do sleep 0.1; done'
	sleep 0.5
	same pm logs ct-@RT@
	[ "$output" = started ]
	same pm exec ct-@RT@ sh -c 'echo in-exec; exit 5'
	[ "$status" -eq 5 ]
	same script -qec "CONTAINERS_CONF=$PODMAN_DIR/containers.conf podman --root $PODMAN_DIR/root --runroot $PODMAN_DIR/run --tmpdir $PODMAN_DIR/tmp --storage-driver vfs exec -it ct-@RT@ sh -c 'tty; exit 4'" /dev/null
	[ "$status" -eq 4 ]
	[[ "$output" == *"/dev/pts/"* ]]
	same pm stop -t 5 ct-@RT@
	same pm logs ct-@RT@
	[ "${lines[1]}" = stopping ]
	same pm inspect -f '{{.State.Status}} {{.State.ExitCode}}' ct-@RT@
	[ "$output" = "exited 0" ]
	same pm rm ct-@RT@
}

@test "podman --read-only, capabilities, --user, --memory and --pids-limit" {
	same "${RUN[@]}" --rm --read-only --cap-drop all --cap-add net_bind_service --user 1000:1000 \
		busybox:test sh -c 'touch /x 2>&1; id -u; grep -E "^CapBnd" /proc/self/status'
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *"CapBnd:	0000000000000400"* ]]
	same "${RUN[@]}" --rm --memory 64m --pids-limit 20 busybox:test \
		cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max
	[ "${lines[0]}" = $((64 << 20)) ]
	[ "${lines[1]}" = 20 ]
}

@test "podman --tmpfs, a bind mount, --init, --network host, no-new-privileges and --cpus" {
	echo from-host >"$PODMAN_DIR/shared.txt"
	same "${RUN[@]}" --rm --tmpfs /scratch -v "$PODMAN_DIR/shared.txt:/data/shared.txt:ro" \
		--security-opt no-new-privileges --cpus 0.5 busybox:test sh -c 'touch /scratch/y && echo tmpfs-ok;
		cat /data/shared.txt; grep NoNewPrivs /proc/self/status; cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us'
	[ "${lines[0]}" = tmpfs-ok ]
	[ "${lines[1]}" = from-host ]
	[ "${lines[2]}" = "NoNewPrivs:	1" ]
	[ "${lines[3]}" = 50000 ]
	same "${RUN[@]}" --rm --init busybox:test sh -c 'cat /proc/1/cmdline | tr "\0" " "'
	[[ "$output" == "/run/podman-init -- sh"* ]]
	same pm --runtime @RTBIN@ run --rm --network host --cgroup-parent "/$ENGINE_CGROUP_PARENT" busybox:test \
		sh -c '[ "$(readlink /proc/self/ns/net)" = "$(readlink /proc/1/ns/net)" ] && echo host-net'
}

@test "podman --uidmap runs the container in a user namespace" {
	same "${RUN[@]}" --rm --uidmap 0:100000:65536 --gidmap 0:100000:65536 busybox:test \
		sh -c 'id -u; cat /proc/self/uid_map; touch /tmp/x && stat -c "%u:%g" /tmp/x; ls -ln /etc/passwd | cut -c1-30'
	[ "${lines[0]}" = 0 ]
	[ "$(echo ${lines[1]})" = "0 100000 65536" ]
	[ "${lines[2]}" = 0:0 ]
	same "${RUN[@]}" -d --name un-@RT@ --uidmap 0:100000:65536 --gidmap 0:100000:65536 busybox:test sleep 30
	same pm exec un-@RT@ sh -c 'id -u; cat /proc/self/uid_map'
	[ "$(echo ${lines[1]})" = "0 100000 65536" ]
	# The host sees the container's root as host uid 100000.
	pid=$(pm inspect -f '{{.State.Pid}}' un-runac)
	[ "$(awk '/^Uid:/ {print $2}' /proc/$pid/status)" = 100000 ]
	# Not compared: Podman's cleanup of a user namespace container's shm
	# mount races its own rm now and then, with runc as with runac.
	local rt
	for rt in runc runac; do
		pm rm -f -t 0 "un-$rt" >/dev/null 2>&1 || { sleep 1; pm rm -f -t 0 "un-$rt"; }
	done
	# With Podman's own network namespace (netavark's bridge), joined by path.
	same pm --runtime @RTBIN@ run --rm --cgroup-parent "/$ENGINE_CGROUP_PARENT" --uidmap 0:100000:65536 \
		--gidmap 0:100000:65536 busybox:test sh -c 'id -u; ip link show eth0 >/dev/null && echo eth0;
		awk "\$5 == \"/proc/sys\" || \$5 == \"/sys\" {print \$5, \$6}" /proc/self/mountinfo'
	[ "${lines[1]}" = eth0 ]
	[[ "${lines[2]}" == "/sys ro,nosuid,nodev,noexec,"* ]]
	[[ "${lines[3]}" == "/proc/sys ro,nosuid,nodev,noexec,"* ]]
}

@test "podman pause, unpause and top" {
	same "${RUN[@]}" -d --name pu-@RT@ busybox:test sh -c 'while :; do sleep 0.1; done'
	same pm pause pu-@RT@
	same pm inspect -f '{{.State.Status}}' pu-@RT@
	[ "$output" = paused ]
	same pm unpause pu-@RT@
	# Podman's own helper joins the container's pid namespace to read it
	# ("exe", its re-executed self), when it is fast enough to be seen.
	ENGINE_NORM=(-e 's#^[0-9]+ +#<PID> #' -e '/ (sleep|exe)$/d')
	same pm top pu-@RT@ pid comm
	ENGINE_NORM=()
	same pm rm -f -t 0 pu-@RT@
}

@test "podman --annotation reaches the runtime: a strict policy runs confined, one it cannot enforce is refused" {
	same "${RUN[@]}" --rm --annotation org.example.note=hello busybox:test true
	[ "$status" -eq 0 ]
	# podman reads --annotation as a CSV field: a JSON policy goes quoted.
	policy=$(csv_field "org.agentcontainers.agent=$ENGINE_POLICY")
	# runc ignores the policy; runac confines the container with it.
	run pm --runtime /usr/sbin/runc run --rm --network none --cgroup-parent "/$ENGINE_CGROUP_PARENT" \
		--annotation "$policy" busybox:test sh -c "$POLICY_PROBE"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"Read-only file system"* ]]
	run pm --runtime "$RUNAC" run --rm --network none --cgroup-parent "/$ENGINE_CGROUP_PARENT" \
		--env "TOKEN=$ENGINE_TOKEN" --annotation "$policy" busybox:test sh -c "$POLICY_PROBE"
	[ "$status" -eq 0 ]
	expect_confined
	# podman exec gets the same confinement.
	pm --runtime "$RUNAC" run -d --name pol --network none --cgroup-parent "/$ENGINE_CGROUP_PARENT" \
		--env "TOKEN=$ENGINE_TOKEN" --annotation "$policy" busybox:test sleep 100
	run pm exec pol sh -c "$POLICY_PROBE"
	pm rm -f -t 0 pol
	expect_confined
	# A rule this build does not enforce yet refuses the container (it never
	# runs unconfined), naming the rule.
	run pm --runtime "$RUNAC" run --rm --network none --cgroup-parent "/$ENGINE_CGROUP_PARENT" \
		--annotation "$(csv_field 'org.agentcontainers.agent={"capabilities": {"filesystem": {"write": ["/tmp"]}}, "secrets": {"TERM": {"provider": "env", "allowedTools": ["git"]}}}')" busybox:test echo ran
	[ "$status" -ne 0 ]
	[[ "$output" == *"agent policy: not enforceable on this kernel: secrets.allowedTools"* ]]
	[[ "$output" != *ran* ]]
	# A typo in the policy is an error naming its JSON path.
	run pm --runtime "$RUNAC" run --rm --network none --cgroup-parent "/$ENGINE_CGROUP_PARENT" \
		--annotation "$(csv_field 'org.agentcontainers.agent={"capabilities": {"filesytem": {}}}')" busybox:test true
	[ "$status" -ne 0 ]
	[[ "$output" == *"agent.capabilities.filesytem"* ]]
}

@test "podman with its own network: egress by name through the monitor's resolver, and by address" {
	# A container of runc's keeps Podman's bridge up, so that the test's
	# servers can listen on its host address.
	pm --runtime /usr/sbin/runc run -d --name bridge-keeper --cgroup-parent "/$ENGINE_CGROUP_PARENT" busybox:test sleep 300
	local gw
	gw=$(pm network inspect podman | jq -r '.[0].subnets[0].gateway')
	ip -4 -o addr show | grep -q " $gw/" || { ip -4 -o addr show; false; }
	engine_net_servers "$gw"
	run pm --runtime "$RUNAC" run --rm --dns "$gw" --cgroup-parent "/$ENGINE_CGROUP_PARENT" -v "$ESCAPE:/usr/bin/escape:ro" \
		--annotation "$(csv_field "org.agentcontainers.agent=$(net_policy_for "$gw")")" busybox:test sh -c "$(net_probe_for "$gw")"
	engine_net_servers_stop
	pm rm -f -t 0 bridge-keeper
	[ "$status" -eq 0 ]
	expect_net_confined "$gw"
}

@test "README journeys: containers.conf, a profile by annotation, and what the agent needs from its audit log" {
	# The README's containers.conf (its runac a wrapper naming the test's
	# runac.conf, whose profiles are the shipped ones) after the test's own
	# settings for this machine.
	local j=$ENGINE_DIR/journey
	mkdir -p "$j/project"
	printf 'profile-dir = "%s"\naudit-dir = "%s"\n' "$(cd "$BATS_TEST_DIRNAME/../../profiles" && pwd)" "$j/audit" >"$j/runac.conf"
	printf '#!/bin/sh\nexec "%s" --config "%s" "$@"\n' "$RUNAC" "$j/runac.conf" >"$j/runac"
	chmod +x "$j/runac"
	{
		printf '[containers]\ndefault_ulimits = []\n[network]\nnetwork_backend = "netavark"\n'
		journey podman-conf | sed -e "s#\"/usr/local/sbin/runac\"#\"$j/runac\"#" \
			-e 's#^\[engine\]$#[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"#'
	} >"$j/containers.conf"
	grep -q "$j/runac" "$j/containers.conf"
	JOURNEY_WS=$j/project
	JOURNEY_PRELUDE='podman() {
			local args=("$@")
			[[ $1 == run ]] && args=(run --cgroup-parent "/$ENGINE_CGROUP_PARENT" "${@:2}")
			CONTAINERS_CONF=$ENGINE_DIR/journey/containers.conf command podman --root "$PODMAN_DIR/root" \
				--runroot "$PODMAN_DIR/run" --tmpdir "$PODMAN_DIR/tmp" --storage-driver vfs "${args[@]}"
		}
		runac() { "$RUNAC" --config "$ENGINE_DIR/journey/runac.conf" "$@"; }'
	export ANTHROPIC_API_KEY=$AGENT_KEY
	run journey_run podman-agent
	[ "$status" -eq 0 ]
	expect_agent_confined
	run journey_run what-it-needs
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"source=profile claude-code ("* ]]
	[[ $output == *"denied  rule=network.egress"*"address=203.0.113.7  port=443"* ]]
	# The profile's rules, with what was refused added.
	jq -e '.capabilities.network.egress | any(.host == "203.0.113.7" and .port == 443)' "$JOURNEY_WS/my-agent.json"
	jq -e '.capabilities.network.egress | any(.host == "api.anthropic.com")' "$JOURNEY_WS/my-agent.json"
	[[ $output == *"network.egress [203.0.113.7:443/tcp]: enforced"* ]]
	[[ $output == *"create: allowed, every rule enforced"* ]]
	run pm inspect agent
	[ "$status" -ne 0 ]
}

# hook_setup: the hooks.d file of oci-hooks/ in a hooks directory of the
# test's own, its runac the build's, its log and audit directory the test's.
hook_setup() {
	mkdir -p "$ENGINE_DIR/hooks.d" "$ENGINE_DIR/audit"
	printf 'audit-dir = %s\n' "$ENGINE_DIR/audit" >"$ENGINE_DIR/runac.conf"
	sed -e "s#\"/usr/local/sbin/runac\"#\"$RUNAC\"#" \
		-e "s#\"runac\", \"--log\", \"/var/log/runac-hook.log\"#\"runac\", \"--config\", \"$ENGINE_DIR/runac.conf\", \"--log\", \"$ENGINE_DIR/hook.log\"#" \
		"$BATS_TEST_DIRNAME/../../oci-hooks/runac-agent-policy.json" >"$ENGINE_DIR/hooks.d/runac-agent-policy.json"
	grep -q "$ENGINE_DIR/hook.log" "$ENGINE_DIR/hooks.d/runac-agent-policy.json"
	rm -f "$ENGINE_DIR/hook.log"
}

# hook_left_nothing: the hook's record, its monitor and the container's
# egress maps are gone.
hook_left_nothing() {
	[ -z "$(ls -A /run/runac-hooks 2>/dev/null)" ]
	no_egress_objects
}

@test "podman --runtime runc with runac hook: egress by name and address enforced, audited, removed at poststop" {
	hook_setup
	pm --runtime /usr/sbin/runc run -d --name bridge-keeper --cgroup-parent "/$ENGINE_CGROUP_PARENT" busybox:test sleep 300
	local gw policy
	gw=$(pm network inspect podman | jq -r '.[0].subnets[0].gateway')
	engine_net_servers "$gw"
	# Best-effort: a hook cannot apply the baseline (mounts, capabilities,
	# seccomp); it says so in its log and in the audit log.
	policy=$(net_policy_for "$gw" | jq -c '.enforcement.mode = "best-effort" | .policy.auditLog = true')
	# Without the hook, runc lets everything through: the hook is what refuses.
	run pm --runtime /usr/sbin/runc run --rm --dns "$gw" --cgroup-parent "/$ENGINE_CGROUP_PARENT" \
		-v "$ESCAPE:/usr/bin/escape:ro" --annotation "$(csv_field "org.agentcontainers.agent=$policy")" busybox:test \
		sh -c "$(net_probe_for "$gw")"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'tcp: ALLOWED' <<<"$output")" -eq 4 ]
	engine_net_servers_stop
	engine_net_servers "$gw"
	run pm --hooks-dir "$ENGINE_DIR/hooks.d" --runtime /usr/sbin/runc run --rm --name hooked --dns "$gw" \
		--cgroup-parent "/$ENGINE_CGROUP_PARENT" -v "$ESCAPE:/usr/bin/escape:ro" \
		--annotation "$(csv_field "org.agentcontainers.agent=$policy")" busybox:test sh -c "$(net_probe_for "$gw")"
	engine_net_servers_stop
	pm rm -f -t 0 bridge-keeper
	[ "$status" -eq 0 ]
	expect_net_confined "$gw"
	hook_left_nothing
	cat "$ENGINE_DIR/hook.log"
	grep -q 'baseline is not enforced: a hook cannot apply it' "$ENGINE_DIR/hook.log"
	local log
	log=$(ls "$ENGINE_DIR"/audit/*.jsonl)
	"$RUNAC" audit verify "$log"
	run jq -r '[.event, .appliedBy // .rule // "", (.rules // [] | map(select(.status == "enforced") | .rule) | join(","))] | join(" ")' "$log"
	echo "$output"
	[ "${lines[0]}" = "create hook network.egress,network names,policy.auditLog" ]
	[[ "$output" == *"denied network.egress"* ]]
	[ "${lines[-1]}" = "delete  " ]
	jq -se 'map(select(.event == "create"))[0].rules[] | select(.rule == "baseline") | .status == "not applied by the hook"' "$log"
}

@test "runac hook refuses a strict policy it cannot wholly apply, naming the rules, and leaves nothing" {
	hook_setup
	run pm --hooks-dir "$ENGINE_DIR/hooks.d" --runtime /usr/sbin/runc run --rm --network none \
		--cgroup-parent "/$ENGINE_CGROUP_PARENT" --annotation "$(csv_field "org.agentcontainers.agent=$(net_policy_for 192.0.2.1)")" \
		busybox:test echo ran
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" != *ran* ]]
	[[ "$output" == *"agent policy: a hook cannot apply (they need runac as the container's runtime): baseline, memfd-exec (strict mode; see runac policy explain --hook)"* ]]
	hook_left_nothing
	run "$RUNAC" policy explain --hook - <<<"$(net_policy_for 192.0.2.1)"
	[[ "$output" == *"network.egress [192.0.2.1:18081/tcp]: enforced"* ]]
	[[ "$output" == *"baseline [any policy]: not applied by a hook"* ]]
	[[ "$output" == *"hook: refused: agent policy: a hook cannot apply"* ]]
	pm rm -af -t 0
}

@test "podman leaves nothing of its containers on the host" {
	pm rm -af -t 0
	engine_guard_end
}
