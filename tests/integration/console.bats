#!/usr/bin/env bats
# process.terminal: the pty goes to the engine's --console-socket, or a
# foreground `run` relays it. CI has no terminal: the tests make their own
# (a receiver program, or script(1)).

load ../lib/helpers

setup() {
	common_setup
	cd "$BUNDLE"
	update_config '.process.terminal = true'
}
teardown() { common_teardown; }

@test "the console socket receives a working pty with the config's size" {
	[ -x "${CONSOLE_RECEIVER:-}" ]
	sock=$BATS_TEST_TMPDIR/console.sock
	"$CONSOLE_RECEIVER" "$sock" ping >"$BATS_TEST_TMPDIR/tty.out" &
	receiver=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.02; done
	update_config '.process.consoleSize = {"height": 33, "width": 101}'
	set_cmd 'read x; echo "got:$x"; tty; readlink /proc/self/fd/1'
	runac create --console-socket "$sock" "$CID"
	runac start "$CID"
	wait $receiver
	cat "$BATS_TEST_TMPDIR/tty.out"
	grep -q "^size 33 101" "$BATS_TEST_TMPDIR/tty.out"
	grep -q "got:ping" "$BATS_TEST_TMPDIR/tty.out"
	grep -q "^/dev/pts/0" "$BATS_TEST_TMPDIR/tty.out"
	wait_for_state "$CID" stopped
	runac delete "$CID"
}

@test "/dev/console is the container's pty" {
	sock=$BATS_TEST_TMPDIR/console.sock
	"$CONSOLE_RECEIVER" "$sock" x >"$BATS_TEST_TMPDIR/tty.out" &
	receiver=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.02; done
	set_cmd 'read x; stat -c "%t:%T" /dev/console /dev/pts/0'
	runac run -d --console-socket "$sock" "$CID"
	wait $receiver
	[ "$(grep -c '^88:0' "$BATS_TEST_TMPDIR/tty.out")" -eq 2 ]
	runac delete --force "$CID"
}

@test "foreground run relays the pty to its own terminal and exits with the status" {
	set_cmd 'tty; echo hello; exit 5'
	run script -qec "'$RUNAC' --root '$RUNAC_ROOT' run '$CID'" /dev/null
	[ "$status" -eq 5 ]
	[[ "$output" == *"/dev/pts/0"* ]]
	[[ "$output" == *"hello"* ]]
}

@test "a terminal for a detached container needs a console socket" {
	runac create "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1 && false
	grep -q "cannot allocate tty if runac will detach without setting console socket" "$BATS_TEST_TMPDIR/out"
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

@test "a console socket without a terminal is refused" {
	update_config '.process.terminal = false'
	runac create --console-socket /tmp/nowhere.sock "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1 && false
	grep -q "cannot use console socket if runac will not detach or allocate tty" "$BATS_TEST_TMPDIR/out"
}
