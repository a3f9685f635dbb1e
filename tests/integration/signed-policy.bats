#!/usr/bin/env bats
# Signed policies: a detached signature (org.agentcontainers.agent.sig, or
# a NAME.json.sig file beside a profile) over the exact bytes of the
# document, checked against the admin's public keys before the document is
# parsed; require-signed-policy refuses anything not signed by one of them.
# Keys and signatures are also made with openssl(1), so that what runac
# signs and checks is what other tools make.

bats_require_minimum_version 1.5.0
load ../lib/helpers

DOC='{"capabilities": {"filesystem": {"write": ["/tmp"]}}, "policy": {"auditLog": false}}'

setup() {
	common_setup
	cd "$BUNDLE"
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/keys" "$T/profiles"
	openssl genpkey -algorithm ed25519 -out "$T/ed.key" 2>/dev/null
	openssl pkey -in "$T/ed.key" -pubout -out "$T/keys/ed.pem"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/p256.key" 2>/dev/null
	openssl pkey -in "$T/p256.key" -pubout -out "$T/keys/p256.pub"
	openssl genpkey -algorithm ed25519 -out "$T/other.key" 2>/dev/null
	cat >"$T/runac.conf" <<-EOF
		profile-dir = "$T/profiles"
		policy-keys-dir = "$T/keys"
		require-signed-policy = true
	EOF
	printf %s "$DOC" >"$T/doc.json"
	annotate org.agentcontainers.agent "$DOC"
	set_cmd 'echo confined'
}
teardown() { common_teardown; }

srunac() { runac --config "$T/runac.conf" "$@"; }

# refused_naming TEXT: create refused with one line holding TEXT, nothing left.
refused_naming() { refused_create "$1" --config "$T/runac.conf"; }

@test "a policy signed by an admin's Ed25519 or P-256 key runs under require-signed-policy, the key named" {
	annotate org.agentcontainers.agent.sig "$(srunac policy sign --key "$T/ed.key" "$T/doc.json")"
	run srunac run "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = confined ]
	# A P-256 signature made by openssl(1), DER, as runac's own.
	annotate org.agentcontainers.agent.sig "$(openssl dgst -sha256 -sign "$T/p256.key" "$T/doc.json" | base64 -w0)"
	set_cmd 'sleep 100'
	srunac run -d "$CID"
	run srunac policy explain --container "$CID"
	echo "$output"
	[ "${lines[0]}" = "policy: annotation org.agentcontainers.agent (signed by key p256.pub)" ]
	srunac delete --force "$CID"
}

@test "a changed byte, another key, no signature, not base64: refused before the document is parsed, nothing left" {
	local sig
	sig=$(srunac policy sign --key "$T/ed.key" "$T/doc.json")
	# One byte more, and not JSON any more: the signature is what refuses it.
	annotate org.agentcontainers.agent "$DOC}"
	annotate org.agentcontainers.agent.sig "$sig"
	refused_naming "runac create failed: org.agentcontainers.agent.sig: the signature of org.agentcontainers.agent: verifies with no key in $T/keys"
	annotate org.agentcontainers.agent "$DOC"
	annotate org.agentcontainers.agent.sig "$(srunac policy sign --key "$T/other.key" "$T/doc.json")"
	refused_naming "org.agentcontainers.agent.sig: the signature of org.agentcontainers.agent: verifies with no key in $T/keys"
	annotate org.agentcontainers.agent.sig "not base64!"
	refused_naming "org.agentcontainers.agent.sig: the signature of org.agentcontainers.agent: not base64"
	update_config 'del(.annotations["org.agentcontainers.agent.sig"])'
	refused_naming "require-signed-policy: org.agentcontainers.agent is not signed (no org.agentcontainers.agent.sig)"
	# Without require-signed-policy an unsigned policy runs, a bad signature never does.
	sed -i '/require-signed-policy/d' "$T/runac.conf"
	run srunac run "$CID"
	[ "$output" = confined ]
	annotate org.agentcontainers.agent.sig "$(srunac policy sign --key "$T/other.key" "$T/doc.json")"
	refused_naming "verifies with no key in $T/keys"
	# A key directory with a key of another kind is the admin's mistake, named.
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 2>/dev/null | openssl pkey -pubout -out "$T/keys/a-rsa.pem"
	refused_naming "policy-keys-dir: $T/keys/a-rsa.pem: neither an Ed25519 nor an ECDSA P-256 key"
}

@test "a profile is signed by NAME.json.sig beside it, the floor profile too" {
	update_config 'del(.annotations["org.agentcontainers.agent"])'
	printf %s "$DOC" >"$T/profiles/agent.json"
	annotate org.agentcontainers.profile agent
	refused_naming "require-signed-policy: profile agent ($T/profiles/agent.json) is not signed (no org.agentcontainers.agent.sig and no $T/profiles/agent.json.sig)"
	srunac policy sign --key "$T/ed.key" "$T/profiles/agent.json" >"$T/profiles/agent.json.sig"
	run srunac run "$CID"
	[ "$output" = confined ]
	# The floor: Docker's runtime per profile, which cannot set an annotation.
	update_config 'del(.annotations["org.agentcontainers.profile"])'
	printf %s "$DOC" >"$T/profiles/floor.json"
	echo 'agent-profile = "floor"' >>"$T/runac.conf"
	refused_naming "require-signed-policy: profile floor ($T/profiles/floor.json) is not signed"
	openssl dgst -sha256 -sign "$T/p256.key" "$T/profiles/floor.json" | base64 -w0 >"$T/profiles/floor.json.sig"
	run srunac run "$CID"
	[ "$output" = confined ]
	# A byte changed after signing.
	printf ' ' >>"$T/profiles/floor.json"
	refused_naming "$T/profiles/floor.json.sig: the signature of profile floor ($T/profiles/floor.json): verifies with no key in $T/keys"
}

@test "runac policy sign and verify agree with openssl" {
	# Ed25519 signs the message itself (no digest): pkeyutl -rawin.
	srunac policy sign --key "$T/ed.key" "$T/doc.json" | base64 -d >"$T/ed.sig"
	openssl pkeyutl -verify -pubin -inkey "$T/keys/ed.pem" -rawin -in "$T/doc.json" -sigfile "$T/ed.sig"
	openssl pkeyutl -sign -inkey "$T/ed.key" -rawin -in "$T/doc.json" | base64 -w0 >"$T/doc.json.sig"
	run srunac policy verify "$T/doc.json"
	[ "$status" -eq 0 ]
	[ "$output" = "$T/doc.json: signed by key ed.pem ($T/keys/ed.pem)" ]
	srunac policy sign --key "$T/p256.key" "$T/doc.json" | base64 -d >"$T/p256.sig"
	openssl dgst -sha256 -verify "$T/keys/p256.pub" -signature "$T/p256.sig" "$T/doc.json"
	run srunac policy verify --signature "$(openssl dgst -sha256 -sign "$T/p256.key" "$T/doc.json" | base64 -w0)" "$T/doc.json"
	[ "$output" = "$T/doc.json: signed by key p256.pub ($T/keys/p256.pub)" ]
	run srunac policy verify --signature "$(srunac policy sign --key "$T/other.key" "$T/doc.json")" "$T/doc.json"
	[ "$status" -eq 1 ]
	[[ $output == *"--signature: the signature of $T/doc.json: verifies with no key in $T/keys"* ]]
	run srunac policy sign --key "$T/keys/ed.pem" "$T/doc.json"
	[ "$status" -eq 1 ]
	[[ $output == *"--key: $T/keys/ed.pem: not a PEM private key"* ]]
}
