// The host admin's settings for agent policies: runac.conf (for engines
// whose runtime options cannot carry flags: containerd, Kubernetes), with
// the global flags over it (Docker's runtimeArgs).
//
// runac.conf holds `key = value` lines (a TOML subset: values may be
// quoted, `#` starts a comment): agent-profile, require-agent-policy,
// profile-dir, secrets-dir, audit-dir, grant-dir, approval-timeout. An
// unknown key is an error.
#pragma once
#include <cstdint>
#include <string>

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
};

// `origin` names the file in errors ("runac.conf:3: ...").
Settings parse_settings(const std::string& text, const std::string& origin);

// The config file, then the flags: a missing default config file is no
// error (nothing configured), a missing `--config FILE` is.
Settings load_settings(const std::string& config_path, bool path_given, const std::string& flag_profile,
                       bool flag_require);

}  // namespace runac::agent
