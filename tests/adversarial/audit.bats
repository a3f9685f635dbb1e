#!/usr/bin/env bats
# policy.auditLog: what the container did and what was refused, in a
# hash-chained log per container (runac audit verify, show). The container
# joins a network namespace of the test's own (network.bash) with a DNS
# server; the log goes to an audit directory of the test's own.

bats_require_minimum_version 1.5.0
load ../lib/helpers
load network

POLICY='{"capabilities": {"network": {"egress": [{"host": "api.test", "port": 8080}], "deny": ["192.0.2.66"]},
           "shell": {"commands": ["sh", "escape", "sleep"]}}}'

setup() {
	netns_setup 192.0.2.53/32 192.0.2.10/32 192.0.2.66/32
	echo "nameserver 192.0.2.53" >rootfs/etc/resolv.conf
	DNS_LOG=$BATS_TEST_TMPDIR/dns.log
	in_netns_background "$DNS_LOG" /usr/bin/python3 "$BATS_TEST_DIRNAME/dns_server.py" "$DNS_LOG" 192.0.2.53 \
		api.test=A:192.0.2.10 other.test=A:192.0.2.10
	AUDIT_DIR=$BATS_TEST_TMPDIR/audit
	printf 'audit-dir = "%s"\n' "$AUDIT_DIR" >"$BATS_TEST_TMPDIR/runac.conf"
	LOG=$AUDIT_DIR/$CID.jsonl
	with_policy
}

teardown() {
	netns_teardown
	# The kernel's audit as the test found it.
	[[ ! -e $BATS_TEST_TMPDIR/kernel-audit-was ]] || kernel_audit set "$(cat "$BATS_TEST_TMPDIR/kernel-audit-was")"
}

kernel_audit() { /usr/bin/python3 "$BATS_TEST_DIRNAME/kernel_audit.py" "$@"; }
# kernel_audit_to 0|1: switches the host's audit for this test (teardown restores it).
kernel_audit_to() {
	[[ -e $BATS_TEST_TMPDIR/kernel-audit-was ]] || kernel_audit get >"$BATS_TEST_TMPDIR/kernel-audit-was"
	kernel_audit set "$1"
}

arunac() { runac --config "$BATS_TEST_TMPDIR/runac.conf" "$@"; }

# event NAME [JQ FILTER]: the log's records of that event (and filter), compact.
records() { jq -c "select(.event == \"$1\")${2:+ | select($2)}" "$LOG"; }
# all_hold CHECK: there are records on stdin, and CHECK holds for each
# (jq -e alone passes on no input at all).
all_hold() { jq -se "length > 0 and all(.[]; $1)" >/dev/null; }

@test "the log records the lifecycle, the refused connects and names with their process and rule, and a refused exec" {
	set_cmd 'sleep 30'
	arunac create "$CID"
	arunac start "$CID"
	run arunac exec "$CID" sh -c 'escape tcp 192.0.2.10 8080; escape tcp 192.0.2.66 80; escape dns 192.0.2.53 other.test
		escape dns 192.0.2.53 api.test; escape tcp 192.0.2.10 8080'
	echo "$output"
	run ! arunac exec "$CID" cat /etc/hostname
	arunac kill "$CID" KILL
	arunac delete "$CID"
	sleep 0.2
	cat "$LOG"
	[ "$(jq -r .event "$LOG" | paste -sd' ' | sed 's/ denied//g; s/ dns//g')" = "create start exec exec kill delete" ] || {
		jq -r .event "$LOG" | paste -sd' '; false; }
	records create '.rules | map(.rule) | index("network.egress")' | grep -q .
	records exec '.argv[0] == "cat"' | all_hold '.refused | test("shell.commands: cat")'
	records denied '.address == "192.0.2.10" and .port == 8080' |
		all_hold '.rule == "network.egress" and .protocol == "tcp" and .command == "escape" and .pid > 0'
	records denied '.address == "192.0.2.66"' | all_hold '.rule == "network.deny" and .port == 80'
	records dns '.name == "other.test"' | all_hold '.answer | startswith("refused: not allowed")'
	records dns '.name == "api.test"' | all_hold '.answer | startswith("answered")'
	# The kill's record: signal 9.
	records kill | all_hold '.signal == 9'
	run arunac audit verify "$LOG"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"records, the chain and its head agree"* ]]
	run arunac audit show "$CID"
	[[ $output == *"  denied  rule=network.deny"* ]]
}

@test "with the kernel's audit on, Landlock's and seccomp's refusals are in the log with the process and the rule" {
	kernel_audit_to 1
	POLICY='{"capabilities": {"filesystem": {"read": ["/bin", "/usr", "/proc", "/dev", "/tmp"], "write": ["/tmp"]},
	           "shell": {"commands": ["sh", "escape", "sleep"]}}}'
	with_policy
	cp "$ESCAPE" rootfs/usr/bin/escape2
	# A seccomp refusal, and the Landlock domain of a `runac exec`, are the
	# container's while their process is: the attempts stay until the
	# monitor has read their records (a process reaped first is not recorded).
	update_config '.process.env += ["ESCAPE_LINGER=0.3"] | .root.readonly = false'
	set_cmd 'escape read /etc/passwd; escape2 ran; escape write /proc/self/oom_score_adj; escape ptrace; : >/tmp/done
		sleep 30'
	arunac create "$CID"
	arunac start "$CID"
	run arunac exec --env ESCAPE_LINGER=0.3 "$CID" escape read /etc/hostname
	echo "$output"
	[[ $output == *"read: refused (EACCES)"* ]]
	local n=50
	until [[ -e rootfs/tmp/done ]]; do ((n-- > 0)) || false; sleep 0.1; done
	arunac kill "$CID" KILL
	arunac delete "$CID"
	cat "$LOG"
	records create | all_hold '.kernelRefusals == true'
	records denied '.path == "/etc/passwd"' |
		all_hold '.rule == "filesystem.read" and .layer == "landlock" and .access == "fs.read_file" and .command == "escape" and .pid > 0'
	# The exec'd process has a Landlock domain of its own: still the container's.
	records denied '.path == "/etc/hostname"' | all_hold '.rule == "filesystem.read" and .command == "escape"'
	records denied '.path == "/usr/bin/escape2"' | all_hold '.rule == "shell.commands" and .access == "fs.execute"'
	records denied '.access == "fs.write_file"' |
		all_hold '.rule == "filesystem.write" and (.path | endswith("/oom_score_adj"))'
	records denied '.layer == "seccomp"' |
		all_hold '.rule == "baseline" and .syscall == "ptrace" and .command == "escape" and .executable == "/usr/bin/escape"'
	# The delete is the last record: the monitor wrote what it had first.
	[ "$(tail -n1 "$LOG" | jq -r .event)" = delete ]
	arunac audit verify "$LOG"
}

@test "with the kernel's audit off, the create record says so and no kernel refusal is recorded" {
	kernel_audit_to 0
	POLICY='{"capabilities": {"filesystem": {"read": ["/bin", "/usr", "/proc", "/dev"]}}}'
	with_policy
	set_cmd 'escape read /etc/passwd; escape ptrace'
	arunac run "$CID"
	records create | all_hold '.kernelRefusals == false'
	[ -z "$(records denied)" ]
	run arunac policy explain "$BATS_TEST_DIRNAME/../fuzz/corpus/policy/claude-code.jsonc"
	[[ $output == *"  kernel-audit: unavailable (the kernel's audit is off; runac leaves it so"* ]]
}

@test "policy suggest: from a recorded session, a policy under which the same session has no denial" {
	kernel_audit_to 1
	POLICY='{"capabilities": {"filesystem": {"read": ["/bin", "/usr", "/proc", "/dev", "/tmp"], "write": ["/tmp"]},
	           "network": {"egress": [{"host": "api.test", "port": 8080}]}, "shell": {"commands": ["sh", "escape"]}}}'
	with_policy
	update_config '.root.readonly = false'
	cp "$ESCAPE" rootfs/usr/bin/escape2
	set_cmd 'escape read /etc/hostname; escape2 ran installed; escape tcp 192.0.2.10 9090
		escape dns 192.0.2.53 other.test'
	run arunac run "$CID"
	echo "$output"
	[[ $output == *"read: refused (EACCES)"* && $output == *"tcp: refused (EPERM)"* ]]
	[ "$(records denied | wc -l)" -ge 3 ]
	run --separate-stderr arunac policy suggest "$CID"
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	local suggested=$output
	jq -e '.capabilities.filesystem.read | index("/etc/hostname")' <<<"$suggested"
	jq -e '.capabilities.shell.commands | index("/usr/bin/escape2")' <<<"$suggested"
	jq -e '.capabilities.network.egress | index({"host": "192.0.2.10", "port": 9090})' <<<"$suggested"
	jq -e '.capabilities.network.egress | index({"host": "other.test"})' <<<"$suggested"
	# Nothing else was widened: the write paths are as they were.
	[ "$(jq -c .capabilities.filesystem.write <<<"$suggested")" = '["/tmp"]' ]
	arunac policy validate - <<<"$suggested"

	# The same session under the suggestion: no denial at all.
	rm -f "$LOG" "$LOG.head"
	POLICY=$suggested
	with_policy
	run arunac run "$CID"
	echo "$output"
	# (ECONNREFUSED: the policy let the connect through to a port nobody listens on.)
	[ "$output" = $'read: ALLOWED\ninstalled: ALLOWED\ntcp: refused (ECONNREFUSED)\ndns other.test: 192.0.2.10' ]
	cat "$LOG"
	[ -z "$(records denied)" ]
	[ -z "$(records dns '.answer | startswith("refused")')" ]
}

@test "audit verify names the first bad record: an edited field, a deleted record, a cut-off tail" {
	set_cmd 'escape tcp 192.0.2.10 8080; escape tcp 192.0.2.10 8081; escape tcp 192.0.2.10 8082'
	arunac run "$CID"
	sleep 0.2
	arunac audit verify "$LOG"
	local n
	n=$(wc -l <"$LOG")
	((n >= 5))
	cp "$LOG" "$LOG.orig"
	# An edited field of record 2: record 3 no longer names its hash.
	sed -i '2s/"event":"start"/"event":"stArt"/' "$LOG"
	run arunac audit verify "$LOG"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *": record 3: the record before it was changed or removed"* ]]
	# A deleted record.
	cp "$LOG.orig" "$LOG"
	sed -i '3d' "$LOG"
	run arunac audit verify "$LOG"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *": record 3: numbered 4 (a record is missing)"* ]]
	# A cut-off tail: the head names a record that is gone.
	cp "$LOG.orig" "$LOG"
	sed -i '$d' "$LOG"
	run arunac audit verify "$LOG"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *": record $n: missing (the head names record $n; the log was cut off)"* ]]
	# The last record edited.
	cp "$LOG.orig" "$LOG"
	sed -i '$s/"event":"delete"/"event":"deleted"/' "$LOG"
	run arunac audit verify "$LOG"
	[ "$status" -eq 1 ]
	[[ $output == *": record $n: not the one the head names"* ]]
}

@test "a storm of 100 000 refused connects leaves a bounded log, with the rest counted" {
	set_cmd 'escape storm 192.0.2.10 9999 100000'
	arunac run "$CID"
	sleep 1.5
	local size denied
	size=$(stat -c %s "$LOG")
	denied=$(records denied | wc -l)
	echo "size $size, denied records $denied"
	records held-back | head -3
	((size < 100000))
	((denied > 0 && denied <= 200))
	records held-back '.rule == "network.egress"' | all_hold '.records > 0'
	# Every refusal is in the log, as a record or in a count.
	[ "$(( denied + $(records held-back | jq -s 'map(.records) | add') ))" -eq 100000 ]
	arunac audit verify "$LOG"
}

@test "auditLog false writes no log; explain names the log's layer" {
	POLICY='{"policy": {"auditLog": false}}'
	with_policy
	arunac run "$CID"
	[ ! -e "$LOG" ]
	run arunac policy explain "$BATS_TEST_DIRNAME/../fuzz/corpus/policy/claude-code.jsonc"
	[[ $output == *$'  policy.auditLog [on]: enforced\n    audit-log (required, available here, built)'* ]]
}
