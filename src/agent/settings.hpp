// The host admin's settings for agent policies: runac.conf (for engines
// whose runtime options cannot carry flags: containerd, Kubernetes), with
// the global flags over it (Docker's runtimeArgs).
//
// runac.conf holds `key = value` lines (a TOML subset: values may be
// quoted, `#` starts a comment): agent-profile, require-agent-policy,
// profile-dir, secrets-dir, audit-dir, grant-dir, approval-timeout, the
// secret stores' (vault-hosts, vault-token-file, onepassword-connect-url,
// onepassword-token-file, infisical-url, infisical-token-file,
// secret-store-ca-file, secret-store-timeout) and the signatures'
// (policy-keys-dir, require-signed-policy). An unknown key is an error.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace runac::agent {

inline constexpr const char* kDefaultConfigPath = "/etc/runac/runac.conf";

struct Settings {
    std::string floor_profile;  // applied to every container; "" for none
    bool require_policy = false;
    std::string profile_dir = "/etc/runac/profiles";
    std::string secrets_dir = "/etc/runac/secrets";
    std::string audit_dir = "/var/log/runac";  // policy.auditLog: one log per container
    std::string grant_dir = "/var/lib/runac/grants";  // `runac approve --persist`: agent/grants.hpp
    int64_t approval_timeout = 300;  // seconds a request of escalation: prompt waits before it is denied

    // Secret stores (agent/secret_stores.hpp). A vault:// URI names its
    // host, which must be one of vault_hosts; the other stores are at the
    // admin's URL. Each token is read from a root-only file.
    std::vector<std::string> vault_hosts;  // "HOST" or "HOST:PORT"
    std::string vault_token_file;
    std::string onepassword_url;  // https://..., 1Password Connect
    std::string onepassword_token_file;
    std::string infisical_url;  // https://...
    std::string infisical_token_file;
    std::string store_ca_file;      // "": the system's CAs
    int64_t store_timeout = 10;     // seconds all of a create's fetches may take

    // Signed policies (agent/signatures.hpp).
    std::string policy_keys_dir = "/etc/runac/policy-keys";
    bool require_signed_policy = false;
};

// `origin` names the file in errors ("runac.conf:3: ...").
Settings parse_settings(const std::string& text, const std::string& origin);

// The config file, then the flags: a missing default config file is no
// error (nothing configured), a missing `--config FILE` is.
Settings load_settings(const std::string& config_path, bool path_given, const std::string& flag_profile,
                       bool flag_require);

}  // namespace runac::agent
