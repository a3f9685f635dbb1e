// A policy's secrets, taken from where they are before the container
// exists: env:// values move out of process.env, file secrets are read
// from the host's secrets directory, a store's are fetched from it
// (agent/secret_stores.hpp). The values live in memory only, until
// the init writes them to /run/secrets (linux/policy_mounts.hpp).
#pragma once
#include <string>
#include <vector>

#include "agent/policy.hpp"
#include "agent/settings.hpp"
#include "enforce/plan.hpp"
#include "oci/config.hpp"

namespace runac::agent {

// Throws naming the secret ("agent policy: secrets.NPM_TOKEN: ..."), never
// its value.
std::vector<enforce::SecretFile> take_secrets(const Policy& policy, oci::Process& process, const Settings& settings);

// Removes every NAME=... of `names` from an environment.
void remove_env(std::vector<std::string>& env, const std::vector<std::string>& names);

// config.json as the state directory keeps it: the same document without
// the process.env entries of `names`.
std::string config_without_env(const std::string& config_text, const std::vector<std::string>& names);

}  // namespace runac::agent
