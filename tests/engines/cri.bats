#!/usr/bin/env bats
# Kubernetes' path, kubelet's part played by a CRI client of the tests' own
# (cri/client.py): containerd's CRI plugin runs one pod at a time with the
# runac runtime handler (containerd-shim/config.toml, as a node would have
# it), through the runc-v2 shim with runac as its binary. Pods use the
# host's network (no CNI); the pause and busybox images are imported
# offline into containerd's k8s.io namespace.

load engines
bats_require_minimum_version 1.5.0

CTD_DIR=$ENGINE_DIR/containerd
IMAGE=docker.io/library/busybox:test
PAUSE=runac.test/pause:1
RUNAC_ROOT_DIR=$CTD_DIR/runac-root/k8s.io
RUNC_ROOT_DIR=$CTD_DIR/runc-root/k8s.io

# cri METHOD [JSON]: one RuntimeService call; the response's JSON on stdout.
cri() {
	CRI_PROTO_OUT=$ENGINE_DIR/cri-proto /usr/bin/python3 "$BATS_TEST_DIRNAME/cri/client.py" "$CTD_DIR/containerd.sock" "$@"
}

# The pod of a test: kubelet's defaults (a pid namespace per container, the
# pod's IPC), the host's network (and so no hostname of its own, as kubelet
# sends it), its cgroups under the guard's parent.
# pod_config NAME ANNOTATIONS_JSON
pod_config() {
	jq -cn --arg name "$1" --argjson ann "$2" --arg logs "$CTD_DIR/logs/$1" \
		--arg parent "/$ENGINE_CGROUP_PARENT/pod-$1" '{
		metadata: {name: $name, uid: ("uid-" + $name), namespace: "default"},
		log_directory: $logs, annotations: $ann,
		linux: {cgroup_parent: $parent,
			security_context: {namespace_options: {network: "NODE", pid: "CONTAINER", ipc: "POD"}}}}'
}

# run_pod HANDLER NAME [ANNOTATIONS_JSON]: RunPodSandbox; its id in $POD,
# its config in $POD_CONFIG.
run_pod() {
	POD_CONFIG=$(pod_config "$2" "${3:-{\}}")
	POD=$(cri RunPodSandbox "$(jq -cn --argjson c "$POD_CONFIG" --arg h "$1" '{config: $c, runtime_handler: $h}')" |
		jq -r .pod_sandbox_id)
	[[ -n $POD && $POD != null ]]
}

# create_container NAME COMMAND_JSON [ENVS_JSON]: CreateContainer in $POD,
# with the runtime's default seccomp profile (kubelet's seccompDefault);
# prints the container id.
create_container() {
	cri CreateContainer "$(jq -cn --arg pod "$POD" --argjson sc "$POD_CONFIG" --arg name "$1" --arg image "$IMAGE" \
		--argjson cmd "$2" --argjson envs "${3:-[]}" '{pod_sandbox_id: $pod, sandbox_config: $sc,
		config: {metadata: {name: $name}, image: {image: $image}, command: $cmd, envs: $envs, log_path: ($name + ".log"),
			linux: {security_context: {namespace_options: {network: "NODE", pid: "CONTAINER", ipc: "POD"},
				seccomp: {profile_type: "RuntimeDefault"}}}}}')" |
		jq -r .container_id
}

# remove_pod: StopPodSandbox and RemovePodSandbox of $POD, as kubelet ends a pod.
remove_pod() {
	cri StopPodSandbox "{\"pod_sandbox_id\": \"$POD\"}" >/dev/null
	cri RemovePodSandbox "{\"pod_sandbox_id\": \"$POD\"}" >/dev/null
	POD=
}

start_container() { # ID
	cri StartContainer "{\"container_id\": \"$1\"}" >/dev/null
}

exec_sync() { # ID COMMAND_JSON
	cri ExecSync "$(jq -cn --arg id "$1" --argjson cmd "$2" '{container_id: $id, cmd: $cmd, timeout: 30}')"
}

# wait_exited ID: until the container's state is EXITED; prints its status.
wait_exited() {
	local s
	for _ in $(seq 100); do
		s=$(cri ContainerStatus "{\"container_id\": \"$1\"}")
		[[ $(jq -r .status.state <<<"$s") == CONTAINER_EXITED ]] && break
		sleep 0.1
	done
	jq -c .status <<<"$s"
}

# After a failed test too: the pod goes, as kubelet would remove it.
teardown() {
	if [[ -n ${POD:-} ]]; then remove_pod; fi
}

# runtime_of ROOT: the binary whose state ROOT holds.
runtime_of() { if [[ $1 == "$RUNAC_ROOT_DIR" ]]; then echo "$RUNAC"; else echo /usr/sbin/runc; fi; }

teardown_file() {
	# After a failed test: what kubelet would have removed.
	local root id
	for root in "$RUNAC_ROOT_DIR" "$RUNC_ROOT_DIR"; do
		for id in $("$(runtime_of "$root")" --root "$root" list -q 2>/dev/null); do
			"$(runtime_of "$root")" --root "$root" delete --force "$id"
		done
	done
	stop_containerd
	pkill -f -- "$CTD_DIR/containerd.sock" 2>/dev/null || true
	engine_guard_release
}

@test "containerd's CRI plugin starts with the runac handler and answers a CRI client" {
	engine_guard_begin
	engine_rootfs
	mkdir -p "$CTD_DIR/cni-bin" "$CTD_DIR/cni-conf" "$CTD_DIR/logs"
	containerd_config "$CTD_DIR/config.toml" <<-TOML
		[plugins."io.containerd.grpc.v1.cri"]
		  sandbox_image = "$PAUSE"
		  # No CAP_SYS_RESOURCE on the test machines: the pause container's
		  # oom_score_adj (-998) is kept at containerd's own instead.
		  restrict_oom_score_adj = true
		[plugins."io.containerd.grpc.v1.cri".cni]
		  bin_dir = "$CTD_DIR/cni-bin"
		  conf_dir = "$CTD_DIR/cni-conf"
		[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
		  runtime_type = "io.containerd.runc.v2"
		[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
		  Root = "$CTD_DIR/runc-root"
	TOML
	# Both runtimes keep their state under the test's directory.
	echo "  Root = \"$CTD_DIR/runac-root\"" >>"$CTD_DIR/config.toml"
	# The README's runtime per profile. Its binary: runac called by the
	# profile's name (as the README's link does), reading the test's
	# runac.conf, whose profiles are the shipped ones.
	printf 'profile-dir = "%s"\n' "$(cd "$BATS_TEST_DIRNAME/../../profiles" && pwd)" >"$CTD_DIR/runac.conf"
	printf '#!/bin/bash\nexec -a runac-claude-code "%s" --config "%s" "$@"\n' "$RUNAC" "$CTD_DIR/runac.conf" \
		>"$CTD_DIR/runac-claude-code"
	chmod +x "$CTD_DIR/runac-claude-code"
	journey containerd-profile | sed "s#\"/usr/local/sbin/runac-claude-code\"#\"$CTD_DIR/runac-claude-code\"#" \
		>>"$CTD_DIR/config.toml"
	echo "  Root = \"$CTD_DIR/runac-root\"" >>"$CTD_DIR/config.toml"
	grep -q "BinaryName = \"$CTD_DIR/runac-claude-code\"" "$CTD_DIR/config.toml"
	start_containerd "$CTD_DIR/config.toml"
	"$BATS_TEST_DIRNAME/make-oci-image.sh" "$ENGINE_IMAGE_ROOTFS" "$CTD_DIR/image.tar" "$IMAGE"
	"$BATS_TEST_DIRNAME/make-oci-image.sh" "$ENGINE_IMAGE_ROOTFS" "$CTD_DIR/pause.tar" "$PAUSE" '["sleep", "100000"]'
	ctr --address "$CTD_DIR/containerd.sock" -n k8s.io images import "$CTD_DIR/image.tar"
	ctr --address "$CTD_DIR/containerd.sock" -n k8s.io images import "$CTD_DIR/pause.tar"
	run cri Version '{"version": "v1"}'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .runtime_name <<<"$output")" = containerd ]
	[ "$(jq -r .runtime_api_version <<<"$output")" = v1 ]
}

@test "a pod under the runac handler: runac runs both containers; ExecSync and exit codes pass through as under runc" {
	local handler rt results=()
	for handler in "" runac; do
		rt=${handler:-runc}
		run_pod "$handler" "plain-$rt"
		work=$(create_container work '["sleep", "600"]')
		start_container "$work"
		exits=$(create_container exits '["sh", "-c", "echo bye; exit 7"]')
		start_container "$exits"
		results+=("$(exec_sync "$work" '["sh", "-c", "echo out; echo err >&2; exit 3"]')")
		results+=("$(wait_exited "$exits" | jq -c '{state, exit_code}')")
		# The runtime that holds the pod, the exited container deleted: the
		# handler's, not the other.
		if [[ $rt == runac ]]; then mine=$RUNAC_ROOT_DIR other=$RUNC_ROOT_DIR; else mine=$RUNC_ROOT_DIR other=$RUNAC_ROOT_DIR; fi
		ids=$("$(runtime_of "$mine")" --root "$mine" list -q | sort)
		echo "$rt holds: $ids"
		[ "$ids" = "$(printf '%s\n' "$POD" "$work" | sort)" ]
		[ -z "$(ls "$other" 2>/dev/null)" ]
		results+=("$(cri ListContainers "{\"filter\": {\"pod_sandbox_id\": \"$POD\"}}" | jq -c '[.containers[].metadata.name] | sort')")
		pod=$POD
		remove_pod
		[ -z "$("$(runtime_of "$mine")" --root "$mine" list -q)" ]
		[ "$(cri ListContainers "{\"filter\": {\"pod_sandbox_id\": \"$pod\"}}")" = '{"containers": []}' ]
	done
	printf 'runc:  %s\n' "${results[@]:0:3}"
	printf 'runac: %s\n' "${results[@]:3:3}"
	[ "${results[0]}" = '{"stdout": "out\n", "stderr": "err\n", "exit_code": 3}' ]
	[ "${results[1]}" = '{"state":"CONTAINER_EXITED","exit_code":7}' ]
	[ "${results[2]}" = '["exits","work"]' ]
	[ "${results[3]}" = "${results[0]}" ]
	[ "${results[4]}" = "${results[1]}" ]
	[ "${results[5]}" = "${results[2]}" ]
}

@test "the pod's agent annotation confines the workload container; the sandbox stays unconfined" {
	run_pod runac agent "$(jq -cn --arg p "$ENGINE_POLICY" '{"org.agentcontainers.agent": $p}')"
	work=$(create_container work '["sleep", "600"]' "[{\"key\": \"TOKEN\", \"value\": \"$ENGINE_TOKEN\"}]")
	start_container "$work"
	run exec_sync "$work" "$(jq -cn --arg probe "$POLICY_PROBE" '["sh", "-c", $probe]')"
	[ "$status" -eq 0 ]
	output=$(jq -r '.stdout + .stderr' <<<"$output")
	expect_confined
	# The pause container got the annotation too and runs as the engine made
	# it: its capabilities, no seccomp filter (the policy's would drop both).
	sandbox_pid=$("$RUNAC" --root "$RUNAC_ROOT_DIR" state "$POD" | jq -r .pid)
	grep -E "^(CapEff|Seccomp_filters)" "/proc/$sandbox_pid/status" | tee "$ENGINE_DIR/sandbox-status"
	run ! grep -qx $'CapEff:\t0000000000000000' "$ENGINE_DIR/sandbox-status"
	grep -qx $'Seccomp_filters:\t0' "$ENGINE_DIR/sandbox-status"
}

@test "README journey: a RuntimeClass per profile confines its pods by the profile, whatever they say" {
	local handler
	handler=$(journey runtimeclass-profile | sed -n 's/^handler: //p')
	[ "$handler" = runac-claude-code ]
	# The pod asks for nothing: the class's profile is its floor.
	run_pod "$handler" by-class
	work=$(create_container work '["sleep", "600"]' '[{"key": "ANTHROPIC_API_KEY", "value": "sk-ant-pod-0a1b"}]')
	start_container "$work"
	run exec_sync "$work" '["sh", "-c", "touch /etc/x 2>&1; echo key: $(cat /run/secrets/ANTHROPIC_API_KEY); grep -E \"^(CapEff|NoNewPrivs)\" /proc/self/status"]'
	[ "$status" -eq 0 ]
	output=$(jq -r '.stdout + .stderr' <<<"$output")
	echo "$output"
	[[ $output == *"touch: /etc/x: Read-only file system"* ]]
	[[ $output == *"key: sk-ant-pod-0a1b"* ]]
	[[ $output == *$'CapEff:\t0000000000000000'* ]]
	[[ $output == *$'NoNewPrivs:\t1'* ]]
	# The sandbox is left as containerd made it.
	sandbox_pid=$("$RUNAC" --root "$RUNAC_ROOT_DIR" state "$POD" | jq -r .pid)
	run ! grep -qx $'CapEff:\t0000000000000000' "/proc/$sandbox_pid/status"
	remove_pod
}

@test "a typo in the pod's policy fails StartContainer with the policy's JSON path" {
	# The CRI plugin runs the OCI runtime's create at StartContainer
	# (CreateContainer only records the container): that is where it fails.
	run_pod runac typo '{"org.agentcontainers.agent": "{\"capabilities\": {\"filesytem\": {}}}"}'
	work=$(create_container work '["true"]')
	run start_container "$work"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"agent.capabilities.filesytem"* ]]
	# Nothing of it runs: runac holds the sandbox alone.
	[ "$("$RUNAC" --root "$RUNAC_ROOT_DIR" list -q)" = "$POD" ]
}

@test "the CRI plugin leaves nothing of its pods on the host" {
	stop_containerd
	engine_guard_end
}
