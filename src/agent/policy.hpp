// The agent policy as one typed model: what a container may read, write,
// execute and reach, its secrets and its session rules. Every shorthand of
// the schema (docs/agent-policy.md) parses into this same form; an absent
// key means what the comment on its field says.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace runac::agent {

enum class Protocol { Tcp, Udp };

// One allowed destination. `host` is normalised: a lower-case name, a
// wildcard "*.suffix" (subdomains, not the apex), an address or a network
// (CIDR, host bits zero).
struct EgressRule {
    std::string host;
    uint16_t port = 0;  // 0: any port
    Protocol protocol = Protocol::Tcp;
    bool operator==(const EgressRule&) const = default;
};

struct Command {
    std::string binary;                    // a name looked up in PATH, or an absolute path
    std::vector<std::string> subcommands;  // empty: any arguments
    std::vector<std::string> deny_args;
    bool operator==(const Command&) const = default;
};

// File and the stores (Vault, 1Password Connect, Infisical) bring the
// host's data in; Env moves what the container's process already has.
enum class SecretProvider { File, Env, Vault, OnePassword, Infisical };

struct Secret {
    std::string name;  // also its file name under /run/secrets
    SecretProvider provider = SecretProvider::Env;
    // file: the host path; env: the variable in process.env; a store: the
    // URI after "scheme://" (agent/secret_stores.hpp)
    std::string source;
    std::optional<std::vector<std::string>> allowed_tools;  // absent: any process of the container
    bool operator==(const Secret&) const = default;
};

enum class Escalation { Deny, Prompt };
enum class Mode { Strict, BestEffort };

// The kernel layers `enforcement.require` can name.
enum class Layer { Landlock, Seccomp, CgroupBpf, BpfLsm, AppArmor, MemfdNoexec };
const char* layer_name(Layer layer);
std::optional<Layer> layer_by_name(const std::string& name);
const std::vector<Layer>& all_layers();

struct Policy {
    std::optional<std::vector<std::string>> read;  // absent: the whole rootfs readable
    std::vector<std::string> write;                // also readable; everything else read-only
    std::vector<std::string> deny;                 // neither readable nor writable; wins
    std::vector<std::string> exec;                 // with shell.commands: trees whose files may all be executed
    std::optional<std::vector<EgressRule>> egress;  // absent: egress not restricted by the policy
    std::vector<std::string> network_deny;          // wins over egress
    std::optional<std::vector<Command>> commands;   // absent: any binary
    std::vector<Secret> secrets;
    Escalation escalation = Escalation::Deny;
    bool audit_log = true;
    std::optional<int64_t> session_timeout_seconds;  // absent: no limit
    Mode mode = Mode::Strict;
    std::vector<Layer> require;
    // Keys accepted but describing things outside a runtime ("tools.mcp",
    // "provenance", ...): enforced nowhere, and said so.
    std::vector<std::string> outside_runtime;
    // Profiles whose capabilities and secrets this document adds to its own
    // (agent/compose.hpp), as the document names them.
    std::vector<std::string> include;
    bool operator==(const Policy&) const = default;
};

}  // namespace runac::agent
