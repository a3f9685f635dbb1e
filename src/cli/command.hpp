// What every command receives, and how one is declared. Each command lives
// in its own file (create.cpp, start.cpp, ...) and reads like its step of
// the container lifecycle.
#pragma once
#include <string>
#include <vector>

#include "agent/settings.hpp"
#include "cli/args.hpp"
#include "common/log.hpp"

namespace runac::cli {

struct GlobalOptions {
    std::string root = "/run/runac";
    std::string log_path;
    log::Format log_format = log::Format::Text;
    bool debug = false;
    // Agent policy settings of the host admin: runac.conf, then the flags.
    std::string config_path = agent::kDefaultConfigPath;
    bool config_given = false;
    std::string agent_profile;
    bool require_agent_policy = false;
    bool systemd_cgroup = false;  // the container's cgroup is a systemd scope (cgroups/systemd.hpp)
};

// runac.conf read and the global flags applied over it; read only by the
// commands that need it, so a broken config file cannot stop a `delete`.
agent::Settings agent_settings(const GlobalOptions& global);

struct Command {
    const char* name;
    const char* summary;  // one line for `runac --help`
    const char* usage;    // `runac NAME --help`
    std::vector<Flag> flags;
    int (*run)(const GlobalOptions&, const Args&);
    // The first argument ends the command's flags: what follows is the
    // program's (exec, ps) or a subcommand's (policy, audit). Elsewhere
    // flags may follow the container id (`update ID --memory 1G`), as runc
    // takes them.
    bool flags_end_at_first_argument = false;
};

const std::vector<Command>& commands();

// The single positional argument that is a container id; throws a usage error.
std::string container_id(const Args& args, const char* command);

// Commands, one per file.
Command spec_command();
Command create_command();
Command start_command();
Command run_command();
Command state_command();
Command list_command();
Command kill_command();
Command delete_command();
Command exec_command();
Command features_command();
Command pause_command();
Command resume_command();
Command ps_command();
Command update_command();
Command events_command();
Command policy_command();
Command audit_command();
Command approvals_command();
Command approve_command();
Command deny_command();
Command hook_command();
}  // namespace runac::cli
