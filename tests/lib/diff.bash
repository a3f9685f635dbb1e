# diff.bash: differential runner (load ../lib/diff in tests/diff/*.bats).
#
# The reference runtime ("$RUNC", side a) and the runtime under test
# ("$RUNAC", side b) run the same config.json, each on its own state root and
# bundle copy. The two sides use paths and ids of equal length, so even
# column-aligned output (`list`) lines up; then known-noisy values are
# normalised and the results must be identical. Deliberate differences are
# declared by the test with diff_allow, and their reasons are printed.
#
#   setup()    { diff_setup; }
#   teardown() { diff_teardown; }
#   @test "hostname is the config's" { diff_probe hostname 'hostname'; }

load "$(dirname "${BASH_SOURCE[0]}")/helpers"

DIFF_TIMEOUT=${DIFF_TIMEOUT:-60}

diff_setup() {
	DIFF_DIR_A=$BATS_TEST_TMPDIR/diff-a DIFF_DIR_B=$BATS_TEST_TMPDIR/diff-b
	DIFF_ID_A=$CID-a DIFF_ID_B=$CID-b
	RUNAC_ROOT=$DIFF_DIR_B/root
	mkdir -p "$DIFF_DIR_A/root" "$DIFF_DIR_B/root"
	LEAK_GUARD_ROOTS=("$RUNC"$'\t'"$DIFF_DIR_A/root" "$RUNAC"$'\t'"$DIFF_DIR_B/root")
	DIFF_ALLOW=() DIFF_REASONS=() DIFF_SED=()
	common_setup
}

diff_teardown() {
	common_teardown
}

# diff_allow REGEX REASON: drop lines matching REGEX (extended) from both
# sides before comparing. Every deliberate difference carries its reason.
diff_allow() {
	DIFF_ALLOW+=("$1") DIFF_REASONS+=("$2")
	echo "# allowed difference /$1/: $2" >&3
}

# diff_normalize SED_EXPR: one more normalisation for this test (sed -E).
diff_normalize() {
	DIFF_SED+=(-e "$1")
}

_diff_quote() { sed 's/[][\.*^$|+?(){}#]/\\&/g' <<<"$1"; }

# _diff_norm SIDE [stderr]: stdin -> stdout with this side's noise replaced.
_diff_norm() {
	local side=$1 dir id args=() ns link allow=() re
	if [[ $side == a ]]; then dir=$DIFF_DIR_A id=$DIFF_ID_A; else dir=$DIFF_DIR_B id=$DIFF_ID_B; fi
	args=(
		-e "s#$(_diff_quote "$dir")/#<DIR>/#g"
		-e "s#$(_diff_quote "$id")#<ID>#g"
		# logrus / JSON log timestamps and RFC 3339 times (state "created").
		-e 's#time="[^"]*"#time="<TIME>"#g'
		-e 's#[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?#<TIME>#g'
		# Host pids of the container in state JSON (0, for stopped, is kept).
		-e 's#"pid":( ?)[1-9][0-9]*#"pid":\1<PID>#g'
		# mountinfo: mount id, parent id and st_dev change from run to run.
		-e 's#^[0-9]+ [0-9]+ [0-9]+:[0-9]+ #<MNT> <PARENT> <DEV> #'
	)
	if [[ ${2:-} == stderr ]]; then
		# The runtime's own name in its messages ("runc run failed: ...").
		args+=(-e "s#$(_diff_quote "$RUNC")|$(_diff_quote "$RUNAC")#<RUNTIME>#g"
			-e "s#(^|[^[:alnum:]_./-])($(_diff_quote "${RUNC##*/}")|$(_diff_quote "${RUNAC##*/}"))([^[:alnum:]_-]|\$)#\\1<RUNTIME>\\3#g")
	fi
	# Namespace links: "host" when the container shares the caller's, else "new".
	for ns in /proc/self/ns/*; do
		link=$(readlink "$ns") && args+=(-e "s#$(_diff_quote "$link")#${link%%:*}:[host]#g")
	done
	args+=(-e 's#([a-z_]+):\[[0-9]+\]#\1:[new]#g')
	for re in "${DIFF_ALLOW[@]}"; do allow+=(-e "$re"); done
	sed -E "${args[@]}" "${DIFF_SED[@]}" |
		if ((${#allow[@]})); then grep -Ev "${allow[@]}" || true; else cat; fi
}

# _diff_run SIDE ARGS...: run one runtime; writes the side's "out" file
# (exit status, stdout and stderr, normalised). @ID@ and @BUNDLE@ in ARGS
# become this side's container id and bundle.
_diff_run() {
	local side=$1 bin dir id status
	shift
	if [[ $side == a ]]; then bin=$RUNC dir=$DIFF_DIR_A id=$DIFF_ID_A; else bin=$RUNAC dir=$DIFF_DIR_B id=$DIFF_ID_B; fi
	local args=("${@//@ID@/$id}")
	args=("${args[@]//@BUNDLE@/$dir/bundle}")
	timeout -k 5 "$DIFF_TIMEOUT" "$bin" --root "$dir/root" "${args[@]}" \
		</dev/null >"$dir/stdout" 2>"$dir/stderr"
	status=$?
	{
		echo "exit status: $status"
		echo "--- stdout"
		_diff_norm "$side" <"$dir/stdout"
		echo "--- stderr"
		_diff_norm "$side" stderr <"$dir/stderr"
	} >"$dir/out"
	# Every invocation of the test, for reading after a failure.
	{ echo "### ${bin##*/} $*"; cat "$dir/out"; } >>"$dir/transcript"
	return $status
}

# _diff_compare WHAT: unified diff of the two sides; non-zero on a mismatch.
_diff_compare() {
	local i
	if ! diff -u --label "${RUNC##*/} ($RUNC)" --label "${RUNAC##*/} ($RUNAC)" \
		"$DIFF_DIR_A/out" "$DIFF_DIR_B/out" >"$BATS_TEST_TMPDIR/diff.txt"; then
		echo "MISMATCH in $1:" >&2
		cat "$BATS_TEST_TMPDIR/diff.txt" >&2
		for i in "${!DIFF_ALLOW[@]}"; do
			echo "(already allowed: /${DIFF_ALLOW[$i]}/ ${DIFF_REASONS[$i]})" >&2
		done
		return 1
	fi
}

# diff_probe [--status N] NAME 'SHELL SNIPPET': run the current $BUNDLE
# config with process.args = sh -c SNIPPET under both runtimes (`run`,
# foreground) and compare exit status, stdout and stderr. The reference
# runtime must exit with N (default 0): a probe that fails identically on
# both sides would otherwise pass while checking nothing.
diff_probe() {
	local want=0 status side name
	if [[ $1 == --status ]]; then want=$2; shift 2; fi
	name=$1
	set_cmd "$2"
	# Fresh bundle copies: a probe that writes to its rootfs cannot leak into
	# the other side or into the next probe.
	for side in a b; do
		rm -rf "$BATS_TEST_TMPDIR/diff-$side/bundle"
		cp -a "$BUNDLE" "$BATS_TEST_TMPDIR/diff-$side/bundle"
	done
	_diff_run a run --bundle @BUNDLE@ @ID@ && status=0 || status=$?
	if [[ $status != "$want" ]]; then
		echo "probe '$name' is broken: ${RUNC##*/} exited $status, expected $want:" >&2
		cat "$DIFF_DIR_A/out" >&2
		return 1
	fi
	_diff_run b run --bundle @BUNDLE@ @ID@ || true
	_diff_compare "probe '$name' ($2)"
}

# diff_cli ARGS...: the same CLI invocation on both sides (with @ID@ and
# @BUNDLE@ substituted); compares exit status, stdout and stderr. The bundle
# for @BUNDLE@ is the current $BUNDLE, copied per side on first use.
diff_cli() {
	local side
	for side in a b; do
		[[ -d $BATS_TEST_TMPDIR/diff-$side/bundle ]] || cp -a "$BUNDLE" "$BATS_TEST_TMPDIR/diff-$side/bundle"
		_diff_run "$side" "$@" || true
	done
	_diff_compare "cli: $*"
}

# diff_wait_state STATE [TIMEOUT_SECONDS=10]: wait until both sides' @ID@
# container has .status STATE.
diff_wait_state() {
	local deadline=$((SECONDS + ${2:-10})) a b
	while :; do
		a=$(timeout 5 "$RUNC" --root "$DIFF_DIR_A/root" state "$DIFF_ID_A" 2>/dev/null | jq -r .status)
		b=$(timeout 5 "$RUNAC" --root "$DIFF_DIR_B/root" state "$DIFF_ID_B" 2>/dev/null | jq -r .status)
		[[ $a == "$1" && $b == "$1" ]] && return 0
		if ((SECONDS >= deadline)); then
			echo "diff_wait_state: ${RUNC##*/} says '$a', ${RUNAC##*/} says '$b', wanted '$1'" >&2
			return 1
		fi
		sleep 0.05
	done
}
