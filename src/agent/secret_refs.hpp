// The URIs of a policy's secrets: env://NAME, file:///PATH and the secret
// stores' (agent/secret_stores.hpp fetches from those):
//
//   vault://HOST[:PORT]/PATH#FIELD   HashiCorp Vault, KV v2 or v1
//   op://VAULT/ITEM/FIELD            1Password Connect
//   infisical://PROJECT/ENV[/FOLDER...]/NAME
//
// A name in a store's path is printable ASCII without / # ? % " \ and is
// not "." or "..": it goes into a URL and must not climb out of what it
// names.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "agent/policy.hpp"

namespace runac::agent {

// "vault", "op", "infisical" -> the store; nullopt for anything else.
std::optional<SecretProvider> store_of_scheme(const std::string& scheme);
// Whether a provider is one of the stores above.
bool is_store(SecretProvider provider);

// A store's reference split: vault: the host, the secret's path, the
// field; op: the vault and the item, the field; infisical: the project,
// the environment and the folders, the secret's name as `field`.
struct StoreRef {
    std::string host;
    std::vector<std::string> path;
    std::string field;
};
// The reference (the URI after "scheme://"); `problem` says what is wrong
// with it, "" if nothing.
StoreRef split_store_ref(SecretProvider store, const std::string& ref, std::string& problem);
std::string store_ref_problem(SecretProvider store, const std::string& ref);
// A host of vault-hosts or of a vault:// URI: a DNS name or an IPv4
// address, lower case, with an optional :PORT.
std::string store_host_problem(const std::string& host);

// Where a secret's value comes from, as written: "env://NPM_TOKEN",
// "file:///etc/runac/secrets/x", "vault://vault.corp:8200/secret/x#token".
std::string secret_uri(const Secret& secret);

}  // namespace runac::agent
