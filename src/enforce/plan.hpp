// The enforcement plan of one container: everything its agent policy turns
// into beyond the edits it makes to the container's config (read-only
// root, capabilities, noNewPrivileges, mount options: the runtime's own
// code executes those). Plain data, computed before anything of the
// container exists (agent/derive.hpp), persisted in the state directory so
// that `runac exec` applies exactly what the init applied.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace runac::enforce {

// A path of the policy that runac mounts in the init, before the hooks.
struct PolicyMount {
    enum class Kind {
        WritableBind,  // filesystem.write: the directory bound onto itself, writable
        ExecBind,      // filesystem.exec inside a noexec write path: the same, without noexec
        Deny,          // filesystem.deny: an empty mode-000 directory or file over it, if it exists
    };
    Kind kind;
    std::string path;     // inside the container
    bool noexec = false;  // WritableBind: shell.commands forbids running what is written there
    bool operator==(const PolicyMount&) const = default;
};

// One shell.commands entry.
struct CommandRule {
    std::string binary;                    // a name found through PATH, or an absolute path
    std::vector<std::string> subcommands;  // empty: any arguments
    std::vector<std::string> deny_args;
    bool operator==(const CommandRule&) const = default;
};

struct LandlockRule {
    std::string path;  // inside the container; a path that does not exist is skipped
    uint64_t access = 0;  // LANDLOCK_ACCESS_FS_*
    bool operator==(const LandlockRule&) const = default;
};

// One Landlock domain: what it handles, what each path is granted.
struct Landlock {
    int abi = 0;  // 0: none
    uint64_t handled_fs = 0;
    uint64_t scoped = 0;          // LANDLOCK_SCOPE_* (ABI 6)
    uint32_t restrict_flags = 0;  // landlock_restrict_self(2) flags (ABI 7: logging)
    std::vector<LandlockRule> rules;
    bool operator==(const Landlock&) const = default;
};

// One entry of the egress programs' maps (bpf/egress.bpf.c).
struct EgressNet {
    std::string network;   // "10.0.0.0/8", "2001:db8::1/128": always with its prefix, host bits zero
    uint16_t port = 0;     // 0: any port
    uint8_t protocol = 0;  // IPPROTO_TCP or IPPROTO_UDP; 0 (deny entries): any
    bool operator==(const EgressNet&) const = default;
};

// A name of network.egress: the monitor's resolver answers it and adds
// the addresses of each answer to the programs' maps with this port and
// protocol.
struct EgressName {
    std::string pattern;   // "api.example.com", "*.example.com" (lower case)
    uint16_t port = 0;     // 0: any port
    uint8_t protocol = 0;  // IPPROTO_TCP or IPPROTO_UDP
    bool operator==(const EgressName&) const = default;
};

// network.egress and network.deny: cgroup-BPF programs on the container's
// cgroup-v2 directory, attached before its init exists.
struct Egress {
    bool filtered = false;  // the programs are attached
    bool open = false;      // no egress list: only `deny` refuses
    std::vector<EgressNet> allow, deny;
    // Names, allowed and denied: port 53 goes to the monitor's resolver.
    bool follow_dns = false;
    bool report = false;  // policy.auditLog: refusals go to the monitor (a ring buffer)
    bool prompt = false;  // policy.escalation: prompt: ... and become approval requests
    std::vector<EgressName> names;
    std::vector<std::string> deny_names;
    bool operator==(const Egress&) const = default;
};

// A secret that only some executables may open (secrets.allowedTools).
struct SecretTools {
    std::string secret;              // its file name under /run/secrets
    std::vector<std::string> tools;  // names found through PATH, as shell.commands'
    bool operator==(const SecretTools&) const = default;
};

// The BPF LSM programs (bpf/lsm.bpf.c) on the container's cgroup-v2
// directory, attached once the init has found the files they name.
struct Lsm {
    bool attached = false;
    bool deny = false;   // filesystem.deny (the Deny mounts' paths)
    bool exec = false;   // shell.commands (the executables the init found)
    // policy.escalation: prompt: a refused execute becomes an approval
    // request, and an approval adds the file to the allowlist live (so
    // Landlock leaves executes to BPF LSM).
    bool prompt = false;
    bool memfd = false;  // no executable memfd
    std::vector<SecretTools> secret_tools;
    bool operator==(const Lsm&) const = default;
};

struct Plan {
    std::vector<PolicyMount> mounts;
    std::vector<std::string> secrets;     // file names under /run/secrets, a tmpfs of their own
    std::vector<std::string> secret_env;  // variables removed from every process's environment
    // shell.commands: EXECUTE only on these binaries, the entrypoint and
    // what each needs to run (the init finds them in the container's
    // filesystem and adds their Landlock rules); `runac exec` also checks
    // the arguments (enforce/exec_boundary.hpp).
    bool exec_allowlist = false;
    std::vector<CommandRule> commands;
    Landlock landlock;
    Egress egress;
    Lsm lsm;
    // AppArmor: the profile runac generated from the policy and loaded at
    // create, every process's exec label ("": none, the engine's stays).
    std::string apparmor_profile;
    int64_t session_timeout = 0;  // policy.sessionTimeout in seconds, from create; 0: none
    bool memfd_noexec = false;   // vm.memfd_noexec=2 in the container's pid namespace
    bool agent_seccomp = false;  // the agent baseline, stacked on the engine's filter
    bool refuse_memfd = false;   // the baseline also refuses memfd_create (no other memfd layer)
    bool operator==(const Plan&) const = default;
};

// Where a policy's secrets are, inside the container.
inline constexpr const char* kSecretsDir = "/run/secrets";

// One secret's value, in memory only: never in the plan, the state
// directory or a log line.
struct SecretFile {
    std::string name;
    std::string value;
};

std::string plan_json(const Plan& plan);
Plan parse_plan(const std::string& json);

}  // namespace runac::enforce
