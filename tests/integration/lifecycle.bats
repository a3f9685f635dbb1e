#!/usr/bin/env bats
# The container lifecycle as engines drive it: create, start, state, kill,
# delete, run, list. Each test runs real containers on a busybox rootfs.

load ../lib/helpers

setup() {
	common_setup
	cd "$BUNDLE"
}
teardown() { common_teardown; }

@test "create parks the init until start; start runs the program" {
	set_cmd 'echo started > /tmp/marker; sleep 100'
	update_config '.root.readonly = false'
	runac create "$CID"
	[ "$(runac state "$CID" | jq -r .status)" = created ]
	pid=$(runac state "$CID" | jq -r .pid)
	[ -d "/proc/$pid" ]
	[ ! -e "$BUNDLE/rootfs/tmp/marker" ]
	runac start "$CID"
	[ "$(runac state "$CID" | jq -r .status)" = running ]
	for _ in $(seq 100); do [ -e "$BUNDLE/rootfs/tmp/marker" ] && break; sleep 0.02; done
	[ "$(cat "$BUNDLE/rootfs/tmp/marker")" = started ]
	runac delete --force "$CID"
}

@test "state prints runc's JSON keys with the bundle, rootfs and annotations" {
	update_config '.annotations = {"org.example.k": "v"}'
	runac create "$CID"
	run runac state "$CID"
	[ "$status" -eq 0 ]
	[ "$(jq -r 'keys_unsorted | join(",")' <<<"$output")" = "ociVersion,id,pid,status,bundle,rootfs,created,owner,annotations" ]
	[ "$(jq -r .id <<<"$output")" = "$CID" ]
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
	[ "$(jq -r .rootfs <<<"$output")" = "$BUNDLE/rootfs" ]
	[ "$(jq -r '.annotations["org.example.k"]' <<<"$output")" = v ]
	[[ "$(jq -r .created <<<"$output")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$ ]]
	runac delete "$CID"
}

@test "create --pid-file writes the init's pid" {
	runac create --pid-file "$BATS_TEST_TMPDIR/pid" "$CID"
	[ "$(cat "$BATS_TEST_TMPDIR/pid")" = "$(runac state "$CID" | jq -r .pid)" ]
	runac delete "$CID"
}

@test "create --bundle works from another directory" {
	cd /
	runac create --bundle "$BUNDLE" "$CID"
	[ "$(runac state "$CID" | jq -r .bundle)" = "$BUNDLE" ]
	runac delete "$CID"
}

@test "a container that exits is stopped, with pid 0" {
	set_cmd 'exit 0'
	runac create "$CID"
	runac start "$CID"
	wait_for_state "$CID" stopped
	[ "$(runac state "$CID" | jq -r .pid)" = 0 ]
	runac delete "$CID"
	run runac state "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"container does not exist"* ]]
}

@test "foreground run exits with the container's status" {
	set_cmd 'exit 3'
	run runac run "$CID"
	[ "$status" -eq 3 ]
	run runac state "$CID"
	[[ "$output" == *"container does not exist"* ]]
}

@test "foreground run of a container killed by a signal exits 128+signal" {
	set_cmd 'sleep 100'
	"$RUNAC" --root "$RUNAC_ROOT" run "$CID" &
	wait_for_state "$CID" running
	runac kill "$CID" KILL
	status=0
	wait $! || status=$?
	[ "$status" -eq 137 ]
}

@test "run --keep keeps the stopped container" {
	run runac run --keep "$CID"
	[ "$status" -eq 0 ]
	[ "$(runac state "$CID" | jq -r .status)" = stopped ]
	runac delete "$CID"
}

@test "run relays SIGTERM to the container" {
	set_cmd 'trap "exit 42" TERM; while true; do sleep 0.05; done'
	"$RUNAC" --root "$RUNAC_ROOT" run "$CID" &
	wait_for_state "$CID" running
	sleep 0.2
	kill -TERM $!
	status=0
	wait $! || status=$?
	[ "$status" -eq 42 ]
}

@test "run --detach returns with the container running" {
	set_cmd 'sleep 100'
	runac run -d "$CID"
	[ "$(runac state "$CID" | jq -r .status)" = running ]
	runac kill "$CID" KILL
	wait_for_state "$CID" stopped
	runac delete "$CID"
}

@test "kill takes a signal name, SIG-name or number; default is SIGTERM" {
	set_cmd 'trap "echo usr1 >> /tmp/log" USR1; trap "echo term >> /tmp/log; exit 0" TERM; while true; do sleep 0.05; done'
	update_config '.root.readonly = false'
	runac run -d "$CID"
	sleep 0.2
	runac kill "$CID" USR1
	sleep 0.2
	runac kill "$CID" SIGUSR1
	sleep 0.2
	runac kill "$CID" 10
	sleep 0.2
	runac kill "$CID"
	wait_for_state "$CID" stopped
	[ "$(cat "$BUNDLE/rootfs/tmp/log" | tr '\n' ' ')" = "usr1 usr1 usr1 term " ]
	runac delete "$CID"
}

@test "kill of an unknown signal fails" {
	set_cmd 'sleep 100'
	runac run -d "$CID"
	run runac kill "$CID" NOPE
	[ "$status" -ne 0 ]
	[[ "$output" == *'unknown signal'*NOPE* ]]
	runac delete -f "$CID"
}

@test "kill --all reaches every process in the container" {
	# The init ignores TERM and waits for its children: only a signal that
	# reaches them (not the init alone, whose death would end them all) lets
	# the container stop.
	set_cmd 'sleep 100 & sleep 100 & trap "" TERM; echo ready >/tmp/ready; wait'
	update_config '.root.readonly = false'
	runac run -d "$CID"
	wait_in_rootfs tmp/ready
	runac kill --all "$CID" TERM
	wait_for_state "$CID" stopped 5
	runac delete "$CID"
}

@test "kill of a stopped container says container not running" {
	set_cmd 'true'
	runac run --keep "$CID"
	run runac kill "$CID" KILL
	[ "$status" -eq 1 ]
	[[ "$output" == *"container not running"* ]]
	runac delete "$CID"
}

@test "delete refuses a running container; delete --force kills it" {
	set_cmd 'sleep 100'
	runac run -d "$CID"
	pid=$(runac state "$CID" | jq -r .pid)
	run runac delete "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot delete container $CID that is not stopped: running"* ]]
	runac delete --force "$CID"
	[ ! -d "/proc/$pid" ] || grep -q '^State:.*Z' "/proc/$pid/status"
	run runac state "$CID"
	[[ "$output" == *"container does not exist"* ]]
}

@test "delete of a created container kills its parked init" {
	runac create "$CID"
	pid=$(runac state "$CID" | jq -r .pid)
	runac delete "$CID"
	run ! runac state "$CID"
	[[ "$output" == *"container does not exist"* ]]
	[ ! -d "/proc/$pid" ] || grep -q '^State:.*Z' "/proc/$pid/status"
}

@test "start of a started or stopped container fails with runc's words" {
	set_cmd 'sleep 100'
	runac run -d "$CID"
	run runac start "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot start an already running container"* ]]
	runac kill "$CID" KILL
	wait_for_state "$CID" stopped
	run runac start "$CID"
	[[ "$output" == *"cannot start a container that has stopped"* ]]
	runac delete "$CID"
}

@test "commands on an unknown container say it does not exist" {
	for cmd in state start kill delete; do
		run runac $cmd nosuch
		[ "$status" -eq 1 ]
		[[ "$output" == *"container does not exist"* ]]
	done
	run runac delete --force nosuch
	[ "$status" -eq 0 ]
}

@test "create of an existing id says it already exists and keeps the first" {
	runac create "$CID"
	run runac create "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"already exists"* ]]
	[ "$(runac state "$CID" | jq -r .status)" = created ]
	runac delete "$CID"
}

@test "an id that could escape the state root is refused" {
	run runac create ../escape
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid id format"* ]]
	[ ! -e "$RUNAC_ROOT/../escape" ]
}

@test "a missing executable fails create with Docker's 127 wording" {
	update_config '.process.args = ["nosuchcmd"]'
	run "$RUNAC" --root "$RUNAC_ROOT" --log "$BATS_TEST_TMPDIR/log.json" --log-format json create "$CID"
	[ "$status" -eq 1 ]
	[ "$(tail -n1 "$BATS_TEST_TMPDIR/log.json" | jq -r .msg)" = 'runac create failed: exec: "nosuchcmd": executable file not found in $PATH' ]
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

@test "list shows containers as a table, JSON and ids" {
	run runac list --format json
	[ "$output" = null ]
	runac create "$CID"
	run runac list
	[ "${lines[0]%%ID*}" = "" ]
	[[ "${lines[0]}" =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER$ ]]
	[[ "${lines[1]}" =~ ^$CID\ +[0-9]+\ +created\ +$BUNDLE\ +.*root$ ]]
	run runac list --format json
	[ "$(jq -r '.[0].id + " " + .[0].status + " " + .[0].owner' <<<"$output")" = "$CID created root" ]
	run runac list -q
	[ "$output" = "$CID" ]
	runac delete "$CID"
}

@test "--log with --log-format json writes one JSON object per line" {
	run "$RUNAC" --root "$RUNAC_ROOT" --log "$BATS_TEST_TMPDIR/log.json" --log-format json state nosuch
	[ "$status" -eq 1 ]
	[ "$output" = "container does not exist" ]
	line=$(tail -n1 "$BATS_TEST_TMPDIR/log.json")
	[ "$(jq -r .level <<<"$line")" = error ]
	[ "$(jq -r .msg <<<"$line")" = "container does not exist" ]
	[[ "$(jq -r .time <<<"$line")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]]
}

@test "--version names runac and the runtime-spec version" {
	run "$RUNAC" --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^runac\ version\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	[[ "${lines[1]}" =~ ^spec:\ 1\.2\.[0-9]+$ ]]
	[ "$("$RUNAC" -v)" = "$output" ]
}

@test "global flags are accepted before every command; single dash works" {
	run "$RUNAC" -root "$RUNAC_ROOT" --debug list -q
	[ "$status" -eq 0 ]
	run "$RUNAC" --root="$RUNAC_ROOT" --log-format=text list --format=json
	[ "$output" = null ]
}

@test "flags of features not built yet fail naming the flag" {
	run "$RUNAC" --root "$RUNAC_ROOT" --rootless true list
	[ "$status" -eq 1 ]
	[[ "$output" == *"--rootless"* ]]
	run runac create --nonsense "$CID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"flag provided but not defined: -nonsense"* ]]
}

@test "--help works for runac and every command" {
	run "$RUNAC" --help
	[ "$status" -eq 0 ]
	for cmd in spec create start run state list kill delete; do
		run "$RUNAC" $cmd --help
		[ "$status" -eq 0 ]
		[[ "$output" == "Usage: runac $cmd"* ]]
	done
}

@test "spec writes a config runac runs, and refuses to overwrite it" {
	rm "$BUNDLE/config.json"
	(cd "$BUNDLE" && "$RUNAC" spec)
	[ "$(jq -r .ociVersion "$BUNDLE/config.json")" = 1.2.0 ]
	run "$RUNAC" spec --bundle "$BUNDLE"
	[ "$status" -eq 1 ]
	[[ "$output" == *"exists. Remove it first"* ]]
	update_config '.process.terminal = false | .process.args = ["hostname"]'
	run runac run "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = runac ]
}

@test "a state root whose parents do not exist is created, as engines expect" {
	local root=$BATS_TEST_TMPDIR/missing/parents/root
	"$RUNAC" --root "$root" create "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1
	[ "$(stat -c %a "$root")" = 711 ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/missing")" = 700 ]
	"$RUNAC" --root "$root" delete --force "$CID"
}
