#!/usr/bin/env bats
# Secrets from HashiCorp Vault, 1Password Connect and Infisical: stand-ins
# that speak each store's documented API over HTTPS, with a CA this test
# makes (secret_stores.py). create fetches every value on the host before
# the container exists; a value is readable at /run/secrets/NAME and
# nowhere else; every failure refuses create with one line naming the
# secret and its store, and leaves nothing.

bats_require_minimum_version 1.5.0
load ../lib/helpers

STORES=$BATS_TEST_DIRNAME/secret_stores.py
TOKEN=store-token-5e1a
VAULT2=vault-kv2-value-81c3
VAULT1=vault-kv1-value-27fd
OP=onepassword-value-a90e
INFISICAL=infisical-value-46b2

setup() {
	common_setup
	cd "$BUNDLE"
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/certs" "$T/audit"
	/usr/bin/python3 "$STORES" certs "$T/certs"
	printf '{"vault2": "%s", "vault1": "%s", "op": "%s", "infisical": "%s"}\n' \
		"$VAULT2" "$VAULT1" "$OP" "$INFISICAL" >"$T/values.json"
	printf '%s\n' "$TOKEN" >"$T/token"
	STORE_PIDS=()
	start_store good
	PORT=$STORE_PORT
	write_conf "$PORT" "$T/token"
	set_policy "$(policy "$PORT")"
}

teardown() {
	local pid
	for pid in "${STORE_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${STORE_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	common_teardown
}

# start_store CERT [--slow]: a stand-in with certs/CERT.pem; its port in
# STORE_PORT, the paths it was asked for in $T/requests-PORT.
start_store() {
	local port_file=$T/port-$1-$#
	/usr/bin/python3 "$STORES" serve --cert "$T/certs/$1.pem" --key "$T/certs/$1.key" --token "$TOKEN" \
		--values "$T/values.json" --port-file "$port_file" --log "$T/requests" "${@:2}" 3>&- &
	STORE_PIDS+=($!)
	for _ in $(seq 100); do
		[[ -s $port_file ]] && break
		sleep 0.05
	done
	STORE_PORT=$(cat "$port_file")
}

# write_conf PORT TOKEN_FILE [MORE LINES]: this test's runac.conf.
write_conf() {
	cat >"$T/runac.conf" <<-EOF
		audit-dir = "$T/audit"
		vault-hosts = "127.0.0.1:$1"
		vault-token-file = "$2"
		onepassword-connect-url = "https://127.0.0.1:$1"
		onepassword-token-file = "$2"
		infisical-url = "https://127.0.0.1:$1"
		infisical-token-file = "$2"
		secret-store-ca-file = "$T/certs/ca.pem"
		secret-store-timeout = 2s
		${3:-}
	EOF
}

# policy PORT: one secret from each store, KV v2 and v1 for Vault.
policy() {
	cat <<-EOF
		{"capabilities": {"filesystem": {"write": ["/tmp"]}},
		 "secrets": {"GITHUB_TOKEN": "vault://127.0.0.1:$1/secret/agents/github#token",
		             "NPM_TOKEN": "vault://127.0.0.1:$1/kv1/agents/npm#token",
		             "OP_TOKEN": {"provider": "op", "uri": "op://Agents/github/credential"},
		             "ANTHROPIC_API_KEY": "infisical://proj1/prod/agents/ANTHROPIC_API_KEY"}}
	EOF
}

set_policy() { annotate org.agentcontainers.agent "$1"; }

srunac() { runac --config "$T/runac.conf" "$@"; }

# refused_naming TEXT: create refused in time with one line holding TEXT
# and no value or token, nothing left.
refused_naming() {
	refused_create "$1" --config "$T/runac.conf"
	[[ $output != *-value-* && $output != *"$TOKEN"* ]]
}

@test "each store's secret is a 0400 file of the process's user, in no environment, log or audit record" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	set_cmd 'for s in GITHUB_TOKEN NPM_TOKEN OP_TOKEN ANTHROPIC_API_KEY; do
			echo "$(stat -c "%A %u" /run/secrets/$s) $(cat /run/secrets/$s)"; done
		env | grep -c -e -value-; tr "\0" "\n" </proc/1/environ | grep -c -e -value-; true'
	run srunac --log "$T/log.json" --log-format json --debug run "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "-r-------- 1000 $VAULT2" ]
	[ "${lines[1]}" = "-r-------- 1000 $VAULT1" ]
	[ "${lines[2]}" = "-r-------- 1000 $OP" ]
	[ "${lines[3]}" = "-r-------- 1000 $INFISICAL" ]
	[ "${lines[4]}" = 0 ]
	[ "${lines[5]}" = 0 ]
	# Each store was asked by its own API.
	run cat "$T/requests"
	echo "$output"
	[[ $output == *"/v1/sys/internal/ui/mounts/secret/agents/github"* ]]
	[[ $output == *"/v1/secret/data/agents/github"* ]]
	[[ $output == *"/v1/kv1/agents/npm"* ]]
	[[ $output == *"/v1/vaults/vlt1/items/itm1"* ]]
	[[ $output == *"/api/v3/secrets/raw/ANTHROPIC_API_KEY?workspaceId=proj1&environment=prod&secretPath=%2Fagents"* ]]
	[ -s "$T/log.json" ]
	ls "$T"/audit/*
	run ! grep -rl -e "$VAULT2" -e "$VAULT1" -e "$OP" -e "$INFISICAL" -e "$TOKEN" "$T/log.json" "$T/audit"
}

@test "a running container's state holds no value; explain names each store and where its value goes" {
	set_cmd 'sleep 100'
	srunac run -d "$CID"
	run ! grep -rl -e "$VAULT2" -e "$VAULT1" -e "$OP" -e "$INFISICAL" -e "$TOKEN" "$RUNAC_ROOT"
	run srunac policy explain --container "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"secret GITHUB_TOKEN: vault://127.0.0.1:$PORT/secret/agents/github#token -> /run/secrets/GITHUB_TOKEN (fetched over HTTPS on the host by create)"* ]]
	[[ $output == *"secret OP_TOKEN: op://Agents/github/credential -> /run/secrets/OP_TOKEN"* ]]
	[[ $output == *"secret ANTHROPIC_API_KEY: infisical://proj1/prod/agents/ANTHROPIC_API_KEY -> /run/secrets/ANTHROPIC_API_KEY"* ]]
	[[ $output != *-value-* ]]
	srunac delete --force "$CID"
}

@test "a wrong token, an unknown secret, a missing setting: refused naming the secret and the store, nothing left" {
	local g="vault://127.0.0.1:$PORT/secret/agents/github#token"
	printf 'not-the-token\n' >"$T/wrong"
	write_conf "$PORT" "$T/wrong"
	refused_naming "runac create failed: agent policy: secrets.GITHUB_TOKEN: $g: the token is refused (HTTP 403)"
	set_policy '{"secrets": {"OP_TOKEN": "op://Agents/github/credential"}}'
	refused_naming "agent policy: secrets.OP_TOKEN: op://Agents/github/credential: the token is refused (HTTP 401)"
	write_conf "$PORT" "$T/token"
	set_policy "{\"secrets\": {\"A\": \"vault://127.0.0.1:$PORT/secret/agents/gitlab#token\"}}"
	refused_naming "agent policy: secrets.A: vault://127.0.0.1:$PORT/secret/agents/gitlab#token: no secret at secret/agents/gitlab"
	set_policy "{\"secrets\": {\"A\": \"vault://127.0.0.1:$PORT/secret/agents/github#password\"}}"
	refused_naming "agent policy: secrets.A: vault://127.0.0.1:$PORT/secret/agents/github#password: the secret has no string field password"
	set_policy '{"secrets": {"A": "op://Agents/gitlab/credential"}}'
	refused_naming "agent policy: secrets.A: op://Agents/gitlab/credential: no item named gitlab in vault Agents"
	set_policy '{"secrets": {"A": "infisical://proj1/prod/agents/OPENAI_API_KEY"}}'
	refused_naming "agent policy: secrets.A: infisical://proj1/prod/agents/OPENAI_API_KEY: no secret OPENAI_API_KEY in prod/agents"
	sed -i '/infisical-token-file/d' "$T/runac.conf"
	refused_naming "agent policy: secrets.A: infisical://proj1/prod/agents/OPENAI_API_KEY: infisical:// secrets need infisical-token-file in runac.conf"
}

@test "an unreachable store, an expired or untrusted certificate, a store that does not answer: refused in time" {
	set_policy "{\"secrets\": {\"A\": \"vault://127.0.0.1:$PORT/secret/agents/github#token\"}}"
	local -A port
	for cert in expired untrusted; do
		start_store "$cert"
		port[$cert]=$STORE_PORT
	done
	start_store good --slow
	port[slow]=$STORE_PORT
	for cert in expired untrusted slow; do
		write_conf "${port[$cert]}" "$T/token"
		set_policy "{\"secrets\": {\"A\": \"vault://127.0.0.1:${port[$cert]}/secret/agents/github#token\"}}"
		case $cert in
		expired) refused_naming "secrets.A: vault://127.0.0.1:${port[$cert]}/secret/agents/github#token: SSL certificate problem: certificate has expired" ;;
		untrusted) refused_naming "secrets.A: vault://127.0.0.1:${port[$cert]}/secret/agents/github#token: SSL certificate problem: self-signed certificate" ;;
		slow) refused_naming "secrets.A: vault://127.0.0.1:${port[$cert]}/secret/agents/github#token: Operation timed out after" ;;
		esac
	done
	# Nothing listens there any more.
	kill "${STORE_PIDS[0]}"
	wait "${STORE_PIDS[0]}" || true
	write_conf "$PORT" "$T/token"
	set_policy "{\"secrets\": {\"A\": \"vault://127.0.0.1:$PORT/secret/agents/github#token\"}}"
	refused_naming "secrets.A: vault://127.0.0.1:$PORT/secret/agents/github#token: Failed to connect to 127.0.0.1 port $PORT"
}

@test "a vault:// host outside vault-hosts is refused without a connection" {
	rm -f "$T/requests"
	write_conf "$PORT" "$T/token" 'vault-hosts = "vault.example:8200"'
	refused_naming "agent policy: secrets.GITHUB_TOKEN: vault://127.0.0.1:$PORT/secret/agents/github#token: host 127.0.0.1:$PORT is not one of vault-hosts in runac.conf"
	[ ! -e "$T/requests" ]
}
