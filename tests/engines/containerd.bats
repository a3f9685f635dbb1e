#!/usr/bin/env bats
# containerd runs containers with runac: a containerd of the test's own (its
# own root, state and socket) driven with ctr, the busybox image imported
# from an OCI layout made here, and runac given as the runc-v2 shim's
# binary (`ctr run --runc-binary`, as containerd's BinaryName option does).
# Also: containerd starts with the configuration snippet of
# containerd-shim/ and knows the runac runtime.

load engines

CTD_DIR=$ENGINE_DIR/containerd
IMAGE=docker.io/library/busybox:test
# ctr puts a container's cgroup at /NAMESPACE/ID: the namespace is the
# engine cgroup parent the guard knows.
c() { ctr --address "$CTD_DIR/containerd.sock" -n "$ENGINE_CGROUP_PARENT" "$@"; }

teardown_file() {
	c tasks ls -q 2>/dev/null | xargs -r -n1 ctr --address "$CTD_DIR/containerd.sock" -n "$ENGINE_CGROUP_PARENT" tasks kill -s KILL 2>/dev/null
	stop_containerd
	engine_guard_release
}

@test "containerd starts with the runac snippet and lists the runtime" {
	engine_guard_begin
	engine_rootfs
	mkdir -p "$CTD_DIR"
	containerd_config "$CTD_DIR/config.toml" </dev/null
	start_containerd "$CTD_DIR/config.toml"
	containerd --config "$CTD_DIR/config.toml" config dump >"$CTD_DIR/dump.toml"
	grep -q 'runtimes.runac]' "$CTD_DIR/dump.toml"
	grep -q "BinaryName = \"$RUNAC\"" "$CTD_DIR/dump.toml"
	grep -q 'runtime_type = "io.containerd.runc.v2"' "$CTD_DIR/dump.toml"
	"$BATS_TEST_DIRNAME/make-oci-image.sh" "$ENGINE_IMAGE_ROOTFS" "$CTD_DIR/image.tar" "$IMAGE"
	c images import "$CTD_DIR/image.tar"
	c images ls -q | grep -qx "$IMAGE"
}

@test "ctr run passes the exit status through" {
	same c run --rm --runc-binary @RTBIN@ "$IMAGE" rm-@RT@ sh -c 'echo hello; id; exit 3'
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = hello ]
}

@test "ctr run -d, exec, kill and delete" {
	same c run -d --runc-binary @RTBIN@ "$IMAGE" d-@RT@ sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done'
	same c tasks exec --exec-id e1 d-@RT@ sh -c 'echo in-exec; grep -c . /proc/self/cgroup >/dev/null; exit 5'
	[ "$status" -eq 5 ]
	[ "$output" = in-exec ]
	ENGINE_NORM=(-e 's#^(\S+)\s+[0-9]+\s+#\1 <PID> #')
	same c tasks ls
	ENGINE_NORM=()
	[[ "$output" == *RUNNING* ]]
	same c tasks kill d-@RT@
	for rt in runc runac; do
		for _ in $(seq 100); do c tasks ls | grep -q "d-$rt .*STOPPED" && break; sleep 0.05; done
	done
	same c tasks delete d-@RT@
	[[ "$output" == *"exit code 7"* ]]
	same c containers delete d-@RT@
}

@test "containerd leaves nothing of its containers on the host" {
	stop_containerd
	engine_guard_end
}
