// The secret stores a policy may take a secret from, besides the host's
// secrets directory and the container's own environment. create fetches
// each value on the host, over HTTPS, before anything of the container
// exists; the value then goes where a file secret's goes (agent/secrets.hpp).
//
//   vault://  HashiCorp Vault at the URI's host: KV v2 or v1, the mount and
//             its version from Vault's preflight, as the vault CLI asks
//   op://     1Password Connect at runac.conf's URL
//   infisical://  Infisical at runac.conf's URL
//
// (the URIs: agent/secret_refs.hpp). Tokens come from files runac.conf
// names; a vault:// host must be one of its vault-hosts, checked before
// any connection; all fetches of a create share one deadline
// (secret-store-timeout).
#pragma once
#include <chrono>
#include <string>

#include "agent/secret_refs.hpp"
#include "agent/settings.hpp"

namespace runac::agent {

// The value of a store's secret. Throws Error naming the secret and its URI
// with the reason (the token refused, no such secret, a TLS or connection
// failure, the deadline passed); never a value, a token or a response body.
std::string fetch_store_secret(const Secret& secret, const Settings& settings,
                               std::chrono::steady_clock::time_point deadline);

}  // namespace runac::agent
