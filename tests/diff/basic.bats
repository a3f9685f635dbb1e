#!/usr/bin/env bats
# What a process sees inside a container, and what the CLI says, must match
# runc for the same config.json (runc's default `spec`, non-interactive).
# RUNAC=/path/to/runac bats tests/diff

load ../lib/diff

setup() { diff_setup; }
teardown() { diff_teardown; }

# --- the process ------------------------------------------------------------

@test "process runs as uid 0 gid 0 by default" {
	diff_probe id 'id'
}

@test "process.user uid, gid and additionalGids are applied" {
	update_config '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [65534]}'
	diff_probe id 'id'
}

@test "capability sets, no_new_privs and seccomp mode match the config" {
	diff_probe status "grep -E '^(Cap|NoNewPrivs|Seccomp)' /proc/self/status"
}

@test "config.json keys match in any case, as Go's decoder reads them for runc" {
	update_config '.HOSTNAME = "case-host" | del(.hostname) |
		.process.Env = (.process.env + ["CASE=any"]) | del(.process.env) |
		.process.User = {"UID": 1000, "gid": 1000} | del(.process.user)'
	diff_probe any-case 'hostname; echo "CASE=$CASE"; id -u'
	grep -q "case-host" "$BATS_TEST_TMPDIR"/diff-a/out
}

@test "hostname is the config's hostname" {
	diff_probe hostname 'hostname'
}

@test "working directory defaults to /" {
	diff_probe pwd 'pwd'
}

@test "process.cwd is the working directory" {
	update_config '.process.cwd = "/tmp"'
	diff_probe pwd 'pwd'
}

@test "environment is process.env plus HOME from /etc/passwd" {
	diff_probe env 'env | sort'
}

@test "HOME of a non-root user comes from its /etc/passwd entry" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	diff_probe env 'env | sort'
}

@test "rlimits are the config's (RLIMIT_NOFILE 1024) and the rest inherited" {
	diff_probe limits 'ulimit -n; cat /proc/self/limits'
}

# --- the container's view of the system ----------------------------------------

@test "mount points, fs types and mount options match" {
	# Sorted: the set matters; masking order (same paths) is not behaviour.
	diff_probe mounts "awk '{ for (i = 7; \$i != \"-\"; i++); print \$5, \$(i+1), \$6, \$(i+3) }' /proc/self/mountinfo | sort"
}

@test "/dev holds the same nodes, types, modes, owners and major:minor" {
	diff_probe dev 'for f in $(find /dev | sort); do
		if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"
		else stat -c "%n %F %a %U:%G %t:%T" "$f"; fi
	done'
}

@test "process is in the same cgroups (container id normalised)" {
	diff_probe cgroup 'cat /proc/self/cgroup'
}

@test "namespaces are new or shared with the host as configured" {
	diff_probe ns 'for f in /proc/self/ns/*; do echo "${f##*/} $(readlink "$f")"; done'
}

# --- exit status -------------------------------------------------------------

@test "run returns the container's exit code (exit 3 -> 3)" {
	diff_probe --status 3 exit 'exit 3'
}

@test "SIGKILL from inside is ignored by pid 1 of a new pid namespace" {
	diff_probe kill-self 'kill -9 $$; echo survived'
}

@test "run returns 128+9 when the container process is killed by SIGKILL" {
	# In the host pid namespace the shell is not an init, so SIGKILL works.
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	diff_probe --status 137 kill-self 'kill -9 $$; echo survived'
}

# --- CLI wording (engines match these strings) ----------------------------------

@test "state of a nonexistent container: exit 1, 'container does not exist'" {
	diff_cli state nonexistent
}

@test "kill of a nonexistent container: exit 1, 'container does not exist'" {
	diff_cli kill nonexistent
	diff_cli kill nonexistent KILL
}

@test "delete of a nonexistent container: exit 1, 'container does not exist'" {
	diff_cli delete nonexistent
}

@test "delete --force of a nonexistent container succeeds silently" {
	diff_cli delete --force nonexistent
}

@test "start of a nonexistent container: exit 1, 'container does not exist'" {
	diff_cli start nonexistent
}

@test "state and list of a created container have runc's keys and layout" {
	set_cmd 'sleep 100'
	# The table's column widths follow the cell lengths, and "created" (Go's
	# RFC 3339 with nanoseconds) drops trailing zeros: compare cells, not padding.
	diff_normalize 's/   +/   /g; s/^<ID>   [0-9]+   /<ID>   <PID>   /'
	diff_cli create --bundle @BUNDLE@ @ID@
	diff_cli state @ID@
	diff_cli list
	diff_cli list --format json
	diff_cli list -q
	diff_cli delete --force @ID@
	diff_cli list
}

@test "kill with signal 0, the existence check engines use: running, --all, stopped" {
	set_cmd 'sleep 100'
	diff_cli create --bundle @BUNDLE@ @ID@
	diff_cli start @ID@
	diff_wait_state running
	diff_cli kill @ID@ 0
	diff_cli kill --all @ID@ 0
	diff_cli state @ID@
	diff_cli kill @ID@ KILL
	diff_wait_state stopped
	diff_cli kill @ID@ 0
	diff_cli delete @ID@
}

@test "lifecycle errors: delete running, kill stopped, start stopped" {
	set_cmd 'sleep 100'
	diff_cli create --bundle @BUNDLE@ @ID@
	diff_cli start @ID@
	diff_wait_state running
	diff_cli start @ID@
	diff_cli delete @ID@
	diff_cli kill @ID@ KILL
	diff_wait_state stopped
	diff_cli state @ID@
	diff_cli kill @ID@ KILL
	diff_cli start @ID@
	diff_cli delete @ID@
	diff_cli state @ID@
}
