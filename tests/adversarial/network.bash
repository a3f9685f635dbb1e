# What the network tests share (egress.bats, names.bats): the container
# joins a network namespace of the test's own, whose destinations are local
# addresses on its lo (this kernel may have no dummy interfaces), and
# listeners of the test's own (listeners.py) log what reaches them.

# netns_setup ADDRESS/PREFIX...: the bundle with the tests' escape program,
# the namespace, its addresses, the container's network namespace set to it.
netns_setup() {
	# iproute2 makes /run/netns a mount of its own the first time a
	# namespace is added on a host, and keeps it: let that happen before
	# the leak guard's first look (a fresh machine would see it as a leak).
	ip netns add "runac-net-first-$$" && ip netns del "runac-net-first-$$"
	common_setup
	[ -x "${ESCAPE:-}" ]
	cp "$ESCAPE" rootfs/usr/bin/escape
	NETNS=runac-net-$CID
	ip netns add "$NETNS"
	ip -n "$NETNS" link set lo up
	local a
	for a in "$@"; do ip -n "$NETNS" addr add "$a" dev lo; done
	update_config '.linux.namespaces |= map(if .type == "network" then .path = "/var/run/netns/'"$NETNS"'" else . end)'
	BACKGROUND=()
}

# in_netns_background LOG PROGRAM ARGS...: a server of the test's inside
# the namespace, once it has written "ready" to LOG.
in_netns_background() {
	local log=$1 n=100
	shift
	ip netns exec "$NETNS" "$@" &
	BACKGROUND+=($!)
	until grep -qx ready "$log" 2>/dev/null; do ((n-- > 0)) || return 1; sleep 0.05; done
}

netns_teardown() {
	local pid
	for pid in "${BACKGROUND[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; done
	ip netns del "$NETNS" 2>/dev/null
	common_teardown
}

# with_policy: $POLICY as the container's agent annotation.
with_policy() {
	jq --arg p "$POLICY" '.annotations["org.agentcontainers.agent"] = $p' config.json >config.new && mv config.new config.json
}

# alive PID: PID is a process that has not exited (a monitor's parent is
# whoever reaps orphans, which here may leave it a zombie).
alive() { [[ -r /proc/$1/stat && $(cut -d' ' -f3 /proc/"$1"/stat) != Z ]]; }

# No egress program or map of a container is left, nor a monitor: besides
# what runac shares per boot (the programs and the outer maps pinned in
# /run/runac-cache/bpffs), no runac program or map, and no entry in the
# outer maps (tests run one at a time). The kernel frees a detached
# program's maps a moment later, so this waits up to a second.
no_egress_objects() {
	local n=20 shared
	until shared=$(_lg_shared_bpf) &&
		! bpftool prog list -j | jq -e --argjson s "$shared" \
			'.[] | select((.name // "") | test("^runac_(connect|sendmsg|recvmsg|sock|bind)")) | select(.id as $i | $s.progs | index($i) | not)' >/dev/null &&
		! bpftool map list -j | jq -e --argjson s "$shared" \
			'.[] | select((.name // "") | startswith("runac_")) | select(.id as $i | $s.maps | index($i) | not)' >/dev/null &&
		! outer_entries | grep -q . &&
		! ps -C runac-monitor -o stat= | grep -qv '^Z'; do
		((n-- > 0)) || { bpftool prog list; bpftool map list; outer_entries; ps -C runac-monitor -o pid=,stat=; return 1; }
		sleep 0.05
	done
}

# outer_entries: the keys in the shared outer maps, one line each.
outer_entries() {
	local pin
	for pin in /run/runac-cache/bpffs/egress-*/runac_{allow,deny,names}{4,6} /run/runac-cache/bpffs/egress-*/runac_{resolver,denials,lost}; do
		[[ -e $pin ]] && bpftool map dump pinned "$pin" -j | jq -r --arg pin "$pin" '.[] | "\($pin) \(.key)"'
	done
	return 0
}

# expect_lines WANT...: $output is exactly these lines.
expect_lines() {
	echo "$output"
	local want=("$@") i
	for i in "${!want[@]}"; do
		[ "${lines[$i]}" = "${want[$i]}" ] || { echo "line $i: expected '${want[$i]}', got '${lines[$i]}'"; return 1; }
	done
	[ "${#lines[@]}" -eq "${#want[@]}" ]
}

# expect_logged LOG WANT...: LOG holds exactly these lines (sorted), besides "ready".
expect_logged() {
	local log=$1 got
	shift
	sleep 0.2 # the servers log after accept or recvfrom
	mapfile -t got < <(grep -vx ready "$log" | LC_ALL=C sort)
	printf 'logged: %s\n' "${got[@]}"
	[ "${got[*]}" = "$*" ]
}
