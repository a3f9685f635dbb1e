#!/usr/bin/env bats
# A strict policy's secrets: files in a tmpfs of their own at /run/secrets,
# readable by the container's process alone, and nowhere else: not in any
# process's environment, not in the state directory, not in an error line.
# Each test has its own runac.conf whose secrets-dir is in its temp dir.

bats_require_minimum_version 1.5.0
load ../lib/helpers

POLICY='{"capabilities": {"filesystem": {"write": ["/tmp"]}},
         "secrets": {"NPM_TOKEN": "env://NPM_TOKEN", "GITHUB_TOKEN": {"provider": "file", "path": "SECRETS/github"}},
         "policy": {"auditLog": false}}'
ENV_VALUE=npm-value-3f9c1d
FILE_VALUE=gh-value-7a21e0

setup() {
	common_setup
	cd "$BUNDLE"
	[ -x "${ESCAPE:-}" ]
	cp "$ESCAPE" rootfs/usr/bin/escape
	SECRETS=$BATS_TEST_TMPDIR/secrets
	mkdir -p "$SECRETS"
	printf %s "$FILE_VALUE" >"$SECRETS/github"
	printf 'secrets-dir = "%s"\n' "$SECRETS" >"$BATS_TEST_TMPDIR/runac.conf"
	set_policy "$POLICY"
	update_config ".root.readonly = false | .process.env += [\"NPM_TOKEN=$ENV_VALUE\"]"
}
teardown() { common_teardown; }

# srunac ARGS...: runac with this test's runac.conf.
srunac() { runac --config "$BATS_TEST_TMPDIR/runac.conf" "$@"; }

set_policy() {
	local cfg=$BUNDLE/config.json
	jq --arg p "${1//SECRETS/$SECRETS}" '.annotations["org.agentcontainers.agent"] = $p' "$cfg" >"$cfg.new" &&
		mv "$cfg.new" "$cfg"
}

# refused_naming TEXT: create fails with TEXT in its one error line, shows no
# secret's value and leaves nothing behind.
refused_naming() {
	# To a file: a create that wrongly succeeded would hold bats' pipe.
	if srunac create "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1; then
		echo "create succeeded"
		srunac delete --force "$CID"
		return 1
	fi
	output=$(cat "$BATS_TEST_TMPDIR/out")
	echo "$output"
	[[ $output == *"$1"* ]]
	[[ $output != *"$ENV_VALUE"* && $output != *"$FILE_VALUE"* ]]
	[ -z "$(ls -A "$RUNAC_ROOT")" ]
}

@test "secrets are 0400 files of the process's user in a read-only tmpfs, and in no environment" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	set_cmd 'stat -c "%A %u %g" /run/secrets/*; stat -c "%a %u" /run/secrets
		cat /run/secrets/NPM_TOKEN; echo; cat /run/secrets/GITHUB_TOKEN; echo
		grep " /run/secrets " /proc/self/mountinfo | cut -d" " -f6,8
		escape write /run/secrets/NPM_TOKEN; escape write /run/secrets/new
		env | grep -c NPM_TOKEN; tr "\0" "\n" </proc/1/environ | grep -c NPM_TOKEN; true'
	run srunac run "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "-r-------- 1000 1000" ]
	[ "${lines[1]}" = "-r-------- 1000 1000" ]
	[ "${lines[2]}" = "700 1000" ]
	[ "${lines[3]}" = "$ENV_VALUE" ]
	[ "${lines[4]}" = "$FILE_VALUE" ]
	[ "${lines[5]}" = "ro,nosuid,nodev,noexec,relatime tmpfs" ]
	[ "${lines[6]}" = "write: refused (EROFS)" ]
	[ "${lines[7]}" = "write: refused (EROFS)" ]
	[ "${lines[8]}" = 0 ]
	[ "${lines[9]}" = 0 ]
}

@test "another user of the container cannot read them" {
	set_cmd 'escape read /run/secrets/NPM_TOKEN; escape read /run/secrets'
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	run srunac run "$CID"
	[ "$output" = $'read: ALLOWED\nread: ALLOWED' ]
	# The same container's files, seen by uid 1001 through runac exec.
	set_cmd 'sleep 100'
	srunac run -d "$CID-2"
	run srunac exec --user 1001:1001 "$CID-2" sh -c 'escape read /run/secrets/NPM_TOKEN; escape read /run/secrets/GITHUB_TOKEN'
	echo "$output"
	[ "$output" = $'read: refused (EACCES)\nread: refused (EACCES)' ]
	srunac delete --force "$CID-2"
}

@test "runac exec gets the files, never the variable, whatever environment the engine passes" {
	set_cmd 'sleep 100'
	srunac run -d "$CID"
	# docker exec passes the container's environment again, NPM_TOKEN included.
	jq -n --arg v "NPM_TOKEN=$ENV_VALUE" '{args: ["sh", "-c", "env | grep -c NPM_TOKEN; cat /run/secrets/NPM_TOKEN"],
		cwd: "/", env: ["PATH=/bin:/usr/bin", $v], user: {uid: 0, gid: 0}}' >"$BATS_TEST_TMPDIR/process.json"
	run srunac exec --process "$BATS_TEST_TMPDIR/process.json" "$CID"
	echo "$output"
	[ "$output" = $'0\n'"$ENV_VALUE" ]
	run srunac exec --env "NPM_TOKEN=$ENV_VALUE" "$CID" sh -c 'env | grep -c NPM_TOKEN'
	[ "$output" = 0 ]
	# Nothing runac keeps of the container holds a value.
	run ! grep -rl -e "$ENV_VALUE" -e "$FILE_VALUE" "$RUNAC_ROOT"
	srunac delete --force "$CID"
}

@test "in a user namespace the files belong to the process's user as the container sees it" {
	userns_bundle
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	set_cmd 'stat -c "%A %u %g" /run/secrets/*; cat /run/secrets/GITHUB_TOKEN'
	run srunac run "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "-r-------- 1000 1000" ]
	[ "${lines[2]}" = "$FILE_VALUE" ]
}

@test "an image whose /run/secrets or /run is a symlink is refused, and nothing is left" {
	mkdir -p rootfs/run
	rm -rf rootfs/run/secrets
	ln -s /etc rootfs/run/secrets
	refused_naming "agent policy: secrets: /run/secrets: not a directory in the image (a symlink?)"
	rm -rf rootfs/run
	ln -s /tmp rootfs/run
	refused_naming "agent policy: secrets: /run/secrets: not a directory in the image (a symlink?)"
}

@test "a missing env:// variable, a file secret leading outside its directory, a mount on /run/secrets: refused" {
	update_config '.process.env |= map(select(startswith("NPM_TOKEN=") | not))'
	refused_naming "agent policy: secrets.NPM_TOKEN: env://NPM_TOKEN: process.env has no NPM_TOKEN"
	update_config ".process.env += [\"NPM_TOKEN=$ENV_VALUE\"]"
	# The directory is the admin's, but a symlink in it still cannot bring a host file in.
	ln -sf /etc/hostname "$SECRETS/github"
	refused_naming "agent policy: secrets.GITHUB_TOKEN: $SECRETS/github: leads outside $SECRETS"
	printf %s "$FILE_VALUE" >"$SECRETS/other"
	rm "$SECRETS/github" && ln -s other "$SECRETS/github"  # inside it: fine
	update_config '.mounts += [{"destination": "/run/secrets/x", "type": "tmpfs", "source": "tmpfs"}]'
	refused_naming "agent policy: mounts[$(($(jq '.mounts | length' config.json) - 1))]: /run/secrets/x is where the policy's secrets are mounted"
	update_config '.mounts |= map(select(.destination != "/run/secrets/x"))'
	set_cmd 'cat /run/secrets/GITHUB_TOKEN'
	run srunac run "$CID"
	[ "$output" = "$FILE_VALUE" ]
}
