#!/usr/bin/env bats
# policy.sessionTimeout: an agent does not outlive its session. The monitor
# ends the container at its deadline; with the monitor gone, the next runac
# command on the expired container does (engines poll `state`). Liveness is
# read from /proc, not through runac, whose commands would end it.

bats_require_minimum_version 1.5.0
load ../lib/helpers

setup() {
	common_setup
	jq '.annotations["org.agentcontainers.agent"] = "{\"policy\": {\"auditLog\": false, \"sessionTimeout\": \"3s\"}}"' \
		config.json >config.new && mv config.new config.json
	set_cmd 'sleep 30'
}

teardown() { common_teardown; }

field() { jq -r ".$1 // empty" "$RUNAC_ROOT/$CID/state.json"; }
alive() { [[ -r /proc/$1/stat && $(cut -d' ' -f3 /proc/"$1"/stat) != Z ]]; }

@test "a 3 s session is ended by the monitor within a second of its deadline" {
	local created pid deadline
	created=$(date +%s)
	runac create "$CID"
	runac start "$CID"
	pid=$(field pid)
	deadline=$(field sessionDeadline)
	((deadline >= created + 3 && deadline <= created + 4))
	# The monitor keeps CAP_KILL alone (bit 5), as user 65534.
	run grep -E '^(Uid|CapEff):' /proc/"$(monitor_pid)"/status
	[[ $output == *$'Uid:\t65534\t'* && $output == *$'CapEff:\t0000000000000020'* ]]
	# Still running in the second before its deadline (whole seconds: the
	# monitor ends it at the deadline's first instant)...
	while (($(date +%s) < deadline - 1)); do sleep 0.1; done
	if (($(date +%s) < deadline)); then alive "$pid"; fi
	# ... and gone by a second after it.
	while alive "$pid" && (($(date +%s) <= deadline + 1)); do sleep 0.1; done
	run ! alive "$pid"
	[ "$(runac state "$CID" | jq -r .status)" = stopped ]
	runac delete "$CID"
}

@test "with the monitor killed, the next runac command on the expired container ends it" {
	local pid deadline
	runac create "$CID"
	runac start "$CID"
	pid=$(field pid)
	deadline=$(field sessionDeadline)
	kill -9 "$(monitor_pid)"
	while (($(date +%s) <= deadline)); do sleep 0.1; done
	sleep 0.5
	# Nothing else ended it...
	alive "$pid"
	# ... until runac looked at it.
	run runac exec "$CID" true
	[ "$status" -ne 0 ]
	[[ $output == *"cannot exec in a stopped container"* ]]
	run ! alive "$pid"
	[ "$(runac state "$CID" | jq -r .status)" = stopped ]
	runac delete "$CID"
}

@test "explain says the monitor enforces the timeout" {
	runac create "$CID"
	run runac policy explain --container "$CID"
	echo "$output"
	[[ $output == *$'  policy.sessionTimeout [3s]: enforced\n    monitor (required, available here, built)'* ]]
	runac delete --force "$CID"
}
