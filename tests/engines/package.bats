#!/usr/bin/env bats
# The Debian package, end to end: built with dpkg-buildpackage from a copy
# of this tree's tracked files (as they are in the working tree, committed
# or not), checked by lintian, installed with apt, used by a dockerd of the
# test's own through /usr/sbin/runac (plainly and with an installed agent
# profile as the floor), then purged; nothing of it may be left.
#
# It installs a package on the host, so it refuses to run where runac is
# already installed (a package, /usr/sbin/runac or /etc/runac), and
# teardown_file purges what it installed should a test fail midway.

# The build compiles runac once more: minutes on a 2-core machine.
: "${BATS_TEST_TIMEOUT:=1200}"
load engines

PKG_DIR=$ENGINE_DIR/package
SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

# installed: whether dpkg holds runac in any state but "not installed".
installed() {
	local s
	s=$(dpkg-query -W -f='${db:Status-Abbrev}' runac 2>/dev/null) || return 1
	[[ $s != "un "* && -n $s ]]
}

setup_file() {
	mkdir -p "$PKG_DIR"
	local p
	if installed; then
		echo "refusing to run: a runac package is installed ($(dpkg-query -W -f='${Version} ${db:Status-Abbrev}' runac)); this test installs and purges its own" >&2
		return 1
	fi
	for p in /usr/sbin/runac /etc/runac; do
		if [[ -e $p || -L $p ]]; then
			echo "refusing to run: $p exists; this test installs a runac package and purges it, which would remove it" >&2
			return 1
		fi
	done
	# The audit directory is shared with any runac on the host: the test
	# removes only its own containers' logs there, and the directory if it
	# made it.
	[[ -d /var/log/runac ]] || touch "$PKG_DIR/made-audit-dir"
}

remove_audit_logs() {
	local id
	for id in $(cat "$PKG_DIR"/*.cid 2>/dev/null); do
		rm -f "/var/log/runac/$id.jsonl" "/var/log/runac/$id.jsonl.head"
	done
	if [[ -f $PKG_DIR/made-audit-dir ]]; then rmdir /var/log/runac 2>/dev/null || true; fi
}

teardown_file() {
	stop_dockerd
	engine_guard_release
	remove_audit_logs
	# Only what this test installed (setup_file refused any other).
	if [[ -f $PKG_DIR/installed-by-test ]] && installed; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q -o DPkg::Lock::Timeout=300 runac >&2
	fi
}

@test "dpkg-buildpackage builds runac from the working tree, and lintian finds only what the overrides justify" {
	# The tracked files as they are in the working tree (CI: a clean clone;
	# by hand: with the uncommitted changes), nothing else of it (no build/).
	mkdir -p "$PKG_DIR/src/runac"
	git -C "$SRC" ls-files -z | (cd "$SRC" && while IFS= read -r -d '' f; do
		if [[ -e $f || -L $f ]]; then printf '%s\0' "$f"; fi
	done) | tar -C "$SRC" --null -T - -cf - | tar -C "$PKG_DIR/src/runac" -xf -
	[ -f "$PKG_DIR/src/runac/debian/control" ]
	cd "$PKG_DIR/src/runac"
	if ! DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -b -us -uc >"$PKG_DIR/build.log" 2>&1; then
		tail -40 "$PKG_DIR/build.log"
		false
	fi
	local version
	version=$(dpkg-parsechangelog -S Version)
	# meson.build's project version is the package's.
	[ "${version%-*}" = "$(sed -nE "s/^  version : '([^']+)',$/\1/p" meson.build)" ]
	deb=$PKG_DIR/src/runac_${version}_$(dpkg --print-architecture).deb
	[ -f "$deb" ]
	# Overridden tags (debian/runac.lintian-overrides, each with its reason)
	# are neither printed nor counted: any E: or W: left is a finding.
	run lintian --fail-on error,warning "$deb"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $'\n'"$output" != *$'\n'[EW]': '* ]]
}

@test "apt installs it: the binary, runac.conf as a conffile, the profiles, the man pages and the engine snippets" {
	touch "$PKG_DIR/installed-by-test"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends "$PKG_DIR"/src/runac_*.deb
	installed
	run /usr/sbin/runac --version
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "runac version $(dpkg-query -W -f='${source:Upstream-Version}' runac)" ]
	# dpkg knows runac.conf as a conffile (a local edit survives upgrades
	# and removal), and the profiles too.
	dpkg-query -W -f='${Conffiles}\n' runac >"$PKG_DIR/conffiles"
	cat "$PKG_DIR/conffiles"
	grep -qE '^ /etc/runac/runac\.conf [0-9a-f]{32}$' "$PKG_DIR/conffiles"
	cmp "$SRC/etc/runac.conf" /etc/runac/runac.conf
	local f
	for f in "$SRC"/profiles/*.json; do
		cmp "$f" "/etc/runac/profiles/${f##*/}"
		grep -q "^ /etc/runac/profiles/${f##*/} " "$PKG_DIR/conffiles"
	done
	for f in "$SRC"/man/*.[58]; do
		local page=${f##*/}
		[ -e "/usr/share/man/man${page##*.}/$page.gz" ]
	done
	for f in config.toml runtimeclass.yaml pod-example.yaml; do
		[ -f "/usr/share/doc/runac/containerd-shim/$f" ]
	done
	for f in "$SRC"/oci-hooks/*.json; do
		[[ -e $f ]] || continue
		[ -f "/usr/share/doc/runac/oci-hooks/${f##*/}" ]
	done
	# The snippets name the installed binary, not meson's default place.
	grep -qx '  BinaryName = "/usr/sbin/runac"' /usr/share/doc/runac/containerd-shim/config.toml
	run grep -rl /usr/local/sbin/runac /usr/share/doc/runac --include '*.toml' --include '*.yaml' --include '*.json'
	[ "$status" -eq 1 ]
	# Only glibc is loaded at run time (the libraries are linked in).
	run ldd /usr/sbin/runac
	echo "$output"
	[ "$(grep -cvE 'linux-vdso|libc\.so|ld-linux|libresolv\.so' <<<"$output")" -eq 0 ]
}

@test "the installed runac reads /etc/runac/runac.conf: as shipped it sets nothing, each key in it is valid, one set takes effect" {
	run /usr/sbin/runac policy explain --profile claude-code
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "policy: profile claude-code (/etc/runac/profiles/claude-code.json)"* ]]
	# Every key runac knows (src/agent/settings.cpp) is in the file, and
	# uncommented at the values shown, the file still parses.
	sed -E 's/^#([a-z-]+ = )/\1/' /etc/runac/runac.conf >"$PKG_DIR/all-keys.conf"
	diff <(grep -oE '^[a-z-]+' "$PKG_DIR/all-keys.conf" | sort) \
		<(grep -oE 'key == "[a-z-]+"' "$SRC/src/agent/settings.cpp" | cut -d'"' -f2 | sort)
	echo '{}' >"$PKG_DIR/empty-policy.json"
	run /usr/sbin/runac --config "$PKG_DIR/all-keys.conf" policy explain "$PKG_DIR/empty-policy.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" != *floor* ]]
	# One key set: the floor profile, found in the installed profile directory.
	sed -E 's/^#agent-profile = ""/agent-profile = "claude-code"/' /etc/runac/runac.conf >"$PKG_DIR/floor.conf"
	run /usr/sbin/runac --config "$PKG_DIR/floor.conf" policy explain "$PKG_DIR/empty-policy.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"narrowing the floor profile claude-code"* ]]
	# And a bad value is refused naming the file and line.
	sed -E 's/^#require-agent-policy = false/require-agent-policy = maybe/' /etc/runac/runac.conf >"$PKG_DIR/bad.conf"
	run /usr/sbin/runac --config "$PKG_DIR/bad.conf" policy explain "$PKG_DIR/empty-policy.json"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"$PKG_DIR/bad.conf:$(grep -n '^require-agent-policy' "$PKG_DIR/bad.conf" | cut -d: -f1): expected true or false"* ]]
}

@test "a dockerd runs busybox with /usr/sbin/runac: output and exit codes pass through" {
	engine_guard_begin
	engine_rootfs
	mkdir -p "$DOCKER_DIR"
	# runac-claude: the installed claude-code profile as the floor of every
	# container of that runtime (Docker 20.10 has no --annotation).
	jq -n '{runtimes: {runac: {path: "/usr/sbin/runac"},
		"runac-claude": {path: "/usr/sbin/runac", runtimeArgs: ["--agent-profile", "claude-code"]}}}' \
		>"$DOCKER_DIR/daemon.json"
	dockerd --data-root "$DOCKER_DIR/data" --exec-root "$DOCKER_DIR/exec" --pidfile "$DOCKER_DIR/docker.pid" \
		-H "unix://$DOCKER_DIR/docker.sock" --config-file "$DOCKER_DIR/daemon.json" \
		--bridge=none --iptables=false --ip6tables=false --cgroup-parent "/$ENGINE_CGROUP_PARENT" \
		>"$DOCKER_DIR/dockerd.log" 2>&1 &
	for _ in $(seq 200); do dk info >/dev/null 2>&1 && break; sleep 0.1; done
	dk info --format '{{json .Runtimes}}' | jq -e '.runac.path == "/usr/sbin/runac" and .["runac-claude"]'
	tar -C "$ENGINE_IMAGE_ROOTFS" --exclude=./.runac-rootfs-stamp -c . | dk import - busybox:test

	run dk run --rm --runtime runac --network none busybox:test sh -c 'echo hello; id -u; exit 3'
	echo "$output"
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = hello ]
	[ "${lines[1]}" = 0 ]
	run -127 dk run --rm --runtime runac --network none busybox:test nosuchcommand
	[[ "$output" == *"executable file not found"* ]]
	# The installed binary holds the container: it reads the state the
	# shim's runtime root holds (Docker 20.10: runtime-runc/moby, whatever
	# the runtime's name).
	dk run -d --name pkg --runtime runac --network none busybox:test sleep 60
	id=$(dk inspect -f '{{.Id}}' pkg)
	local state=("$DOCKER_DIR"/exec/runtime-*/moby/"$id")
	[ -d "${state[0]}" ]
	run /usr/sbin/runac --root "${state[0]%/*}" state "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = running ]
	dk rm -f pkg
}

@test "a runtime registered with --agent-profile claude-code confines the container by the installed profile" {
	local probe='touch /etc/x 2>&1; echo w >/tmp/ok && cat /tmp/ok
		nc -w 1 127.0.0.1 9 </dev/null 2>&1; echo "secret: $(cat /run/secrets/ANTHROPIC_API_KEY)"
		echo "env: $(env | grep -c ANTHROPIC_API_KEY)"; grep -E "^(CapEff|NoNewPrivs)" /proc/self/status; exit 4'
	run dk run --rm --runtime runac-claude --network none --cidfile "$PKG_DIR/claude.cid" \
		-e ANTHROPIC_API_KEY=sk-test-package busybox:test sh -c "$probe"
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" == *"touch: /etc/x: Read-only file system"* ]]
	[[ "$output" == *$'\nw\n'* ]]
	# Loopback is not in the profile's egress list: refused by the kernel.
	[[ "$output" == *"127.0.0.1"*"Operation not permitted"* ]]
	[[ "$output" == *$'\nsecret: sk-test-package\n'* ]]
	[[ "$output" == *$'\nenv: 0\n'* ]]
	[[ "$output" == *$'CapEff:\t0000000000000000'* ]]
	[[ "$output" == *$'NoNewPrivs:\t1'* ]]
	# The profile audits: the log is in the default audit directory, whole.
	id=$(cat "$PKG_DIR/claude.cid")
	/usr/sbin/runac audit verify "/var/log/runac/$id.jsonl"
}

@test "dockerd stops, and nothing of its containers is left on the host" {
	stop_dockerd
	[ ! -e "$DOCKER_DIR/docker.pid" ]
	remove_audit_logs
	engine_guard_end
}

@test "apt purges it, and nothing of the package is left" {
	installed
	dpkg -L runac >"$PKG_DIR/files"
	# The directories only runac owns go with it; /usr, /etc, ... stay.
	local p owners
	: >"$PKG_DIR/must-go"
	while read -r p; do
		[[ $p == /. ]] && continue
		if [[ -d $p && ! -L $p ]]; then
			owners=$(dpkg-query -S "$p" | sed 's/: .*//')
			[[ $owners == runac ]] || continue
		fi
		echo "$p" >>"$PKG_DIR/must-go"
	done <"$PKG_DIR/files"
	grep -qx /usr/sbin/runac "$PKG_DIR/must-go"
	grep -qx /etc/runac "$PKG_DIR/must-go"
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -q -o DPkg::Lock::Timeout=300 runac
	run ! installed
	rm -f "$PKG_DIR/installed-by-test"
	local left=()
	while read -r p; do
		if [[ -e $p || -L $p ]]; then left+=("$p"); fi
	done <"$PKG_DIR/must-go"
	[ "${#left[@]}" -eq 0 ] || { echo "left after purge: ${left[*]}"; false; }
	[ ! -e /etc/runac ]
	[ ! -e /usr/sbin/runac ]
	# No process runs the binary, deleted or not.
	local exe
	for p in /proc/[0-9]*; do
		exe=$(readlink "$p/exe" 2>/dev/null) || continue
		if [[ $exe == "/usr/sbin/runac" || $exe == "/usr/sbin/runac (deleted)" ]]; then
			echo "still running: ${p#/proc/} $(tr '\0' ' ' <"$p/cmdline")"
			false
		fi
	done
}
