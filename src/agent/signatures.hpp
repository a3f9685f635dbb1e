// Detached signatures of policy documents, so that an admin can require
// that every policy a container runs under is one their key signed.
// Ed25519, or ECDSA P-256 over SHA-256 (a DER signature, as `openssl dgst
// -sha256 -sign` makes), over the exact bytes of the document; base64 in
// the annotation org.agentcontainers.agent.sig, or in a file beside a
// profile or policy file (NAME.json.sig). The public keys are PEM files
// (*.pem, *.pub) in policy-keys-dir.
#pragma once
#include <string>

namespace runac::agent {

// The base64 signature of `data` by the PEM private key in `key_file`.
std::string sign_document(const std::string& data, const std::string& key_file);

// The name of the key file in `keys_dir` whose key verifies `signature`
// (base64) over `data`. Throws naming what failed: not base64, no key in
// the directory, a key file that is no Ed25519 or P-256 public key, or no
// key that verifies it.
std::string verify_document(const std::string& data, const std::string& signature, const std::string& keys_dir);

}  // namespace runac::agent
