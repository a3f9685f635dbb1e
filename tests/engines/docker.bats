#!/usr/bin/env bats
# Docker runs containers with runac: a dockerd of the test's own (Debian's
# docker.io, its own data and exec roots and socket, no bridge, no
# iptables) with runac registered as a runtime, once plainly and once with
# runtimeArgs (Docker then calls a wrapper that puts them before every
# subcommand). Every operation runs through runac and through runc, and
# both must exit and print alike.

load engines

# @RT@ becomes runc or runac: the runtime flag for `docker run`.
RUN=(dk run --runtime @RT@ --network none)

teardown_file() {
	engine_net_servers_stop
	remap_cleanup
	stop_dockerd
	engine_guard_release
}

@test "dockerd starts with runac registered, and imports the busybox image" {
	engine_guard_begin
	engine_rootfs
	mkdir -p "$DOCKER_DIR"
	# runac-agent: a runtime registered per agent profile, the way Docker
	# 20.10 (no --annotation) chooses a policy: the profile is the floor.
	mkdir -p "$DOCKER_DIR/runac-etc/profiles"
	printf 'profile-dir = "%s"\n' "$DOCKER_DIR/runac-etc/profiles" >"$DOCKER_DIR/runac-etc/runac.conf"
	echo "$ENGINE_POLICY" >"$DOCKER_DIR/runac-etc/profiles/agent.json"
	jq -n --arg runac "$RUNAC" --arg conf "$DOCKER_DIR/runac-etc/runac.conf" '{runtimes: {runac: {path: $runac},
		"runac-args": {path: $runac, runtimeArgs: ["--debug"]},
		"runac-agent": {path: $runac, runtimeArgs: ["--config", $conf, "--agent-profile", "agent"]},
		"runac-net": {path: $runac, runtimeArgs: ["--config", $conf, "--agent-profile", "net"]}}}' \
		>"$DOCKER_DIR/daemon.json"
	# The README's runtime per profile, its profiles the shipped ones.
	mkdir -p "$DOCKER_DIR/journey"
	printf 'profile-dir = "%s"\naudit-dir = "%s"\n' "$(cd "$BATS_TEST_DIRNAME/../../profiles" && pwd)" \
		"$DOCKER_DIR/journey/audit" >"$DOCKER_DIR/journey/runac.conf"
	journey docker-runtimes | sed -e "s#\"/usr/local/sbin/runac\"#\"$RUNAC\"#" \
		-e "s#\"--agent-profile\"#\"--config\", \"$DOCKER_DIR/journey/runac.conf\", \"--agent-profile\"#" \
		>"$DOCKER_DIR/journey/daemon.json"
	jq -s '.[0] * .[1]' "$DOCKER_DIR/daemon.json" "$DOCKER_DIR/journey/daemon.json" >"$DOCKER_DIR/daemon.merged"
	mv "$DOCKER_DIR/daemon.merged" "$DOCKER_DIR/daemon.json"
	dockerd --data-root "$DOCKER_DIR/data" --exec-root "$DOCKER_DIR/exec" --pidfile "$DOCKER_DIR/docker.pid" \
		-H "unix://$DOCKER_DIR/docker.sock" --config-file "$DOCKER_DIR/daemon.json" \
		--bridge=none --iptables=false --ip6tables=false --cgroup-parent "/$ENGINE_CGROUP_PARENT" \
		>"$DOCKER_DIR/dockerd.log" 2>&1 &
	for _ in $(seq 200); do dk info >/dev/null 2>&1 && break; sleep 0.1; done
	dk info --format '{{json .Runtimes}}' | jq -e '.runac and .["runac-args"] and .["runac-agent"] and .["runac-net"]
		and .["runac-claude-code"]'
	tar -C "$ENGINE_IMAGE_ROOTFS" --exclude=./.runac-rootfs-stamp -c . | dk import - busybox:test
	agent_image | dk import - my-agent-image
}

@test "docker run --rm passes exit codes through: 0, non-zero, 127, killed by a signal" {
	same "${RUN[@]}" --rm busybox:test sh -c 'echo hello; id'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hello ]
	same "${RUN[@]}" --rm busybox:test sh -c 'exit 3'
	[ "$status" -eq 3 ]
	same "${RUN[@]}" --rm busybox:test nosuchcommand
	[ "$status" -eq 127 ]
	[[ "$output" == *"executable file not found"* ]]
	# Killed by SIGKILL (not as pid 1, which the kernel protects from its own signals).
	same "${RUN[@]}" --rm --init busybox:test sh -c 'kill -KILL $$'
	[ "$status" -eq 137 ]
}

@test "runtimeArgs reach runac before every subcommand" {
	same dk run --rm --runtime "$(sed s/runac/runac-args/ <<<@RT@)" --network none busybox:test echo ok
	[ "$output" = ok ]
	# The wrapper Docker wrote puts the arguments first.
	grep -q -- "--debug" "$DOCKER_DIR/data/runtimes/runac-args"
}

@test "a runtime registered per agent profile confines docker run and docker exec" {
	run dk run --rm --runtime runac-agent --network none -e "TOKEN=$ENGINE_TOKEN" busybox:test sh -c "$POLICY_PROBE"
	[ "$status" -eq 0 ]
	expect_confined
	# docker exec passes the container's environment, TOKEN included, again.
	dk run -d --name agent --runtime runac-agent --network none -e "TOKEN=$ENGINE_TOKEN" busybox:test sleep 100
	run dk exec agent sh -c "$POLICY_PROBE"
	dk rm -f agent
	expect_confined
	# The plain runtime beside it runs the same image unconfined.
	run dk run --rm --runtime runac --network none busybox:test sh -c "$POLICY_PROBE"
	[[ "$output" != *"Read-only file system"* ]]
}

@test "README journey: a runtime per profile runs the agent confined, its refusals in the audit log" {
	JOURNEY_WS=$DOCKER_DIR/journey/project
	mkdir -p "$JOURNEY_WS"
	JOURNEY_PRELUDE='docker() { command docker -H "unix://$DOCKER_DIR/docker.sock" "$@"; }'
	export ANTHROPIC_API_KEY=$AGENT_KEY
	run journey_run docker-agent
	[ "$status" -eq 0 ]
	expect_agent_confined
	run "$RUNAC" --config "$DOCKER_DIR/journey/runac.conf" audit show "$(dk inspect -f '{{.Id}}' agent)"
	dk rm agent
	echo "$output"
	[[ $output == *"source=floor profile claude-code"* ]]
	[[ $output == *"denied  rule=network.egress"*"address=203.0.113.7  port=443"* ]]
}

@test "--network host: egress by name through the monitor's resolver, and by address; loopback obeys the rules" {
	# The host's network namespace: the test's servers on a loopback address.
	local a=127.100.0.1
	net_policy_for "$a" >"$DOCKER_DIR/runac-etc/profiles/net.json"
	engine_net_servers "$a"
	run dk run --rm --runtime runac-net --network host --dns "$a" -v "$ESCAPE:/usr/bin/escape:ro" \
		busybox:test sh -c "$(net_probe_for "$a")"
	engine_net_servers_stop
	[ "$status" -eq 0 ]
	expect_net_confined "$a"
}

@test "run -d, logs, stop and rm" {
	same "${RUN[@]}" -d --name ct-@RT@ busybox:test sh -c 'echo started; trap "echo stopping; exit 0" TERM; while :; do sleep 0.1; done'
	sleep 0.5
	same dk logs ct-@RT@
	[ "$output" = started ]
	same dk stop ct-@RT@
	same dk logs ct-@RT@
	[ "${lines[1]}" = stopping ]
	same dk inspect -f '{{.State.Status}} {{.State.ExitCode}}' ct-@RT@
	[ "$output" = "exited 0" ]
	same dk rm ct-@RT@
}

@test "exec, plain and with a terminal, and -it with a pty" {
	same "${RUN[@]}" -d --name ex-@RT@ busybox:test sleep 60
	same dk exec ex-@RT@ sh -c 'echo in-exec; exit 5'
	[ "$status" -eq 5 ]
	[ "$output" = in-exec ]
	same script -qec "docker -H unix://$DOCKER_DIR/docker.sock exec -it ex-@RT@ sh -c 'tty; exit 4'" /dev/null
	[ "$status" -eq 4 ]
	[[ "$output" == *"/dev/pts/"* ]]
	same script -qec "docker -H unix://$DOCKER_DIR/docker.sock run --rm -it --runtime @RT@ --network none busybox:test sh -c 'tty; exit 2'" /dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"/dev/pts/0"* ]]
	same dk rm -f ex-@RT@
}

@test "--read-only, --cap-drop/--cap-add, no-new-privileges and a seccomp profile" {
	same "${RUN[@]}" --rm --read-only --cap-drop ALL --cap-add NET_BIND_SERVICE --security-opt no-new-privileges \
		busybox:test sh -c 'touch /x 2>&1; grep -E "^Cap|NoNewPrivs" /proc/self/status'
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *"CapEff:	0000000000000400"* ]]
	[[ "$output" == *"NoNewPrivs:	1"* ]]
	echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18}]}' \
		>"$DOCKER_DIR/seccomp.json"
	same "${RUN[@]}" --rm --security-opt seccomp="$DOCKER_DIR/seccomp.json" busybox:test sh -c 'mkdir /tmp/d 2>&1; echo rc=$?'
	[[ "$output" == *"Invalid cross-device link"* ]]
}

@test "--memory, --pids-limit and --cpus bite inside the container" {
	# An allocation past the limit is killed by the OOM killer.
	same "${RUN[@]}" --rm --memory 32m --memory-swap 32m busybox:test sh -c 'x=$(head -c 100m /dev/zero | tr "\0" a); echo survived'
	[ "$status" -eq 137 ]
	same "${RUN[@]}" --rm --pids-limit 8 busybox:test sh -c 'for i in $(seq 20); do sleep 5 & done 2>&1 | grep -c "can.t fork"; kill $(jobs -p) 2>/dev/null; true'
	[ "$output" -gt 0 ]
	same "${RUN[@]}" --rm --cpus 0.5 busybox:test sh -c 'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us'
	[ "${lines[0]}" = 50000 ]
	[ "${lines[1]}" = 100000 ]
}

@test "pause and unpause, top, stats and update" {
	same "${RUN[@]}" -d --name pu-@RT@ --memory 64m busybox:test sh -c 'while :; do sleep 0.1; done'
	same dk pause pu-@RT@
	same dk inspect -f '{{.State.Status}}' pu-@RT@
	[ "$output" = paused ]
	same dk unpause pu-@RT@
	same dk inspect -f '{{.State.Status}}' pu-@RT@
	[ "$output" = running ]
	ENGINE_NORM=(-e 's#^[0-9]+ +#<PID> #' -e '/ sleep$/d')
	same dk top pu-@RT@ -o pid,comm
	ENGINE_NORM=()
	[[ "$output" == *"sh"* ]]
	ENGINE_NORM=(-e 's#^([0-9]+) [0-9.]+[KMG]?i?B / #\1 <USAGE> / #')
	same dk stats --no-stream --format '{{.PIDs}} {{.MemUsage}}' pu-@RT@
	ENGINE_NORM=()
	[ "$output" = "2 <USAGE> / 64MiB" ] || [[ "$output" == "2 "*" / 64MiB" ]]
	same dk update --memory 48m --memory-swap 96m --pids-limit 30 pu-@RT@
	same dk exec pu-@RT@ cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max
	[ "${lines[0]}" = $((48 << 20)) ]
	[ "${lines[1]}" = 30 ]
	same dk rm -f pu-@RT@
}

@test "--user, --tmpfs, a bind mount, --network host and --init" {
	echo from-host >"$DOCKER_DIR/shared.txt"
	same "${RUN[@]}" --rm --user 1000:1000 --tmpfs /scratch -v "$DOCKER_DIR/shared.txt:/data/shared.txt:ro" --init \
		busybox:test sh -c 'id -u; touch /scratch/y && echo tmpfs-ok; cat /data/shared.txt; cat /proc/1/cmdline | tr "\0" " "'
	[ "${lines[0]}" = 1000 ]
	[ "${lines[2]}" = from-host ]
	[[ "${lines[3]}" == /sbin/docker-init* ]]
	same dk run --rm --runtime @RT@ --network host busybox:test sh -c '[ "$(readlink /proc/self/ns/net)" = "$(readlink /proc/1/ns/net)" ] && ip link show lo >/dev/null && echo host-net'
}

@test "restart brings a failing container back" {
	same "${RUN[@]}" -d --name rs-@RT@ --restart on-failure:2 busybox:test sh -c 'sleep 0.3; exit 1'
	for rt in runc runac; do
		for _ in $(seq 100); do
			[ "$(dk inspect -f '{{.State.Status}} {{.RestartCount}}' rs-$rt)" = "exited 2" ] && break
			sleep 0.1
		done
	done
	same dk inspect -f '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}' rs-@RT@
	[ "$output" = "exited 2 1" ]
	same dk rm rs-@RT@
}

@test "what runac cannot do fails with a message naming the field" {
	# A hard limit above runac's own needs CAP_SYS_RESOURCE, which this host's
	# bounding set lacks: the error names the rlimit, as runc's does.
	run dk run --rm --runtime runc --network none --ulimit nofile=$(( $(ulimit -Hn) + 1000 )) busybox:test true
	[ "$status" -eq 125 ]
	run dk run --rm --runtime runac --network none --ulimit nofile=$(( $(ulimit -Hn) + 1000 )) busybox:test true
	[ "$status" -eq 125 ]
	[[ "$output" == *"process.rlimits: setting RLIMIT_NOFILE above the current hard limit needs CAP_SYS_RESOURCE"* ]]
}

# userns-remap needs a user of its own with subordinate ids: made for the
# test and removed after it (teardown_file too, should the test fail).
REMAP_USER=runac-remap
remap_cleanup() {
	[[ -f $DOCKER_DIR/remap/docker.pid ]] && kill "$(cat "$DOCKER_DIR/remap/docker.pid")" 2>/dev/null
	for _ in $(seq 200); do [[ -e $DOCKER_DIR/remap/docker.pid ]] || break; sleep 0.05; done
	umount "$DOCKER_DIR/remap/exec/netns/default" 2>/dev/null || true
	local f
	for f in /etc/subuid /etc/subgid; do
		[[ -f $f ]] && sed -i "/^$REMAP_USER:/d" "$f"
		# A file the test made is removed again.
		[[ -f $DOCKER_DIR/remap/made-${f##*/} && ! -s $f ]] && rm -f "$f"
	done
	if id "$REMAP_USER" >/dev/null 2>&1; then userdel "$REMAP_USER"; fi
	return 0
}

@test "a dockerd with userns-remap runs containers in a user namespace" {
	local d=$DOCKER_DIR/remap
	mkdir -p "$d"
	# dockerd wants the remapped root to reach its data root (its own task
	# directories it keeps closed: runac enters them as the host's root).
	reachable_by_all "$d"
	useradd --system --no-create-home --shell /usr/sbin/nologin "$REMAP_USER"
	for f in /etc/subuid /etc/subgid; do [[ -e $f ]] || touch "$d/made-${f##*/}"; done
	echo "$REMAP_USER:300000:65536" >>/etc/subuid
	echo "$REMAP_USER:300000:65536" >>/etc/subgid
	jq -n --arg runac "$RUNAC" --arg user "$REMAP_USER" '{runtimes: {runac: {path: $runac}}, "userns-remap": $user}' \
		>"$d/daemon.json"
	dockerd --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/docker.pid" -H "unix://$d/docker.sock" \
		--config-file "$d/daemon.json" --bridge=none --iptables=false --ip6tables=false \
		--cgroup-parent "/$ENGINE_CGROUP_PARENT" >"$d/dockerd.log" 2>&1 &
	dr() { docker -H "unix://$d/docker.sock" "$@"; }
	for _ in $(seq 200); do dr info >/dev/null 2>&1 && break; sleep 0.1; done
	[[ "$(dr info --format '{{.DockerRootDir}}')" == */300000.300000 ]] || { tail -5 "$d/dockerd.log"; false; }
	tar -C "$ENGINE_IMAGE_ROOTFS" --exclude=./.runac-rootfs-stamp -c . | dr import - busybox:test
	same dr run --rm --runtime @RT@ --network none busybox:test sh -c 'id -u; cat /proc/self/uid_map;
		touch /x && stat -c %u /x; stat -c "%u %t:%T" /dev/null; grep -c . /proc/self/gid_map'
	[ "${lines[0]}" = 0 ]
	[ "$(echo ${lines[1]})" = "0 300000 65536" ]
	[ "${lines[2]}" = 0 ]
	# The host's /dev/null, bound: owned by the host's root, unmapped here.
	[ "${lines[3]}" = "65534 1:3" ]
	same dr run -d --name remap-@RT@ --runtime @RT@ --network none busybox:test sleep 30
	same dr exec remap-@RT@ sh -c 'id -u; cat /proc/self/uid_map'
	[ "$(echo ${lines[1]})" = "0 300000 65536" ]
	pid=$(dr inspect -f '{{.State.Pid}}' remap-runac)
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = 300000 ]
	same dr rm -f remap-@RT@
	remap_cleanup
}

@test "dockerd stops, and nothing of its containers is left on the host" {
	stop_dockerd
	[ ! -e "$DOCKER_DIR/docker.pid" ]
	engine_guard_end
}
