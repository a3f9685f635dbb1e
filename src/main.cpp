// runac: an OCI runtime that speaks runc's command line.
#include <cstdio>
#include <cstring>
#include <unistd.h>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "version.hpp"

namespace runac::cli {

const std::vector<Command>& commands() {
    static const std::vector<Command> all = {spec_command(),  create_command(), start_command(),
                                             run_command(),   state_command(),  list_command(),
                                             kill_command(),  delete_command(), exec_command(),
                                             features_command(), pause_command(), resume_command(),
                                             ps_command(),    update_command(), events_command(),
                                             policy_command(), audit_command(), approvals_command(),
                                             approve_command(), deny_command(), hook_command()};
    return all;
}

std::string container_id(const Args& args, const char* command) {
    if (args.positional.size() != 1)
        throw Error(std::string(command) + ": requires exactly 1 argument, the container id");
    return args.positional[0];
}

namespace {

// The command being run, for the prefix of its error line.
std::string current_command;

const std::vector<Flag> kGlobalFlags = {
    {{"root"}, true},        {{"log"}, true},     {{"log-format"}, true}, {{"debug"}, false},
    {{"systemd-cgroup"}, false}, {{"rootless"}, true}, {{"criu"}, true},  {{"help", "h"}, false},
    {{"version", "v"}, false},
    // Agent policy: Docker puts runtimeArgs before every subcommand, so
    // every subcommand accepts these.
    {{"config"}, true}, {{"agent-profile"}, true}, {{"require-agent-policy"}, false},
};

void print_help() {
    std::printf(
        "runac - an OCI container runtime that enforces AI agent policies\n\n"
        "Usage: runac [global options] command [command options] [arguments...]\n\n"
        "Commands:\n");
    for (auto& c : commands()) std::printf("  %-8s %s\n", c.name, c.summary);
    std::printf(
        "\nGlobal options:\n"
        "  --root DIR                 state directory (default: /run/runac)\n"
        "  --log FILE                 log file (default: stderr)\n"
        "  --log-format text|json     log format (default: text)\n"
        "  --debug                    log debug messages\n"
        "  --systemd-cgroup           the container's cgroup is a systemd scope (cgroupsPath slice:prefix:name)\n"
        "  --rootless true|false|auto rootless mode (not supported; auto and false accepted)\n"
        "  --config FILE              runac.conf to read (default: /etc/runac/runac.conf)\n"
        "  --agent-profile NAME       floor agent profile applied to every container\n"
        "  --require-agent-policy     refuse any container that ends up without an agent policy\n"
        "  --help, -h                 show help\n"
        "  --version, -v              print the version\n");
}

int dispatch(const std::vector<std::string>& argv) {
    Args global_args = parse_args(kGlobalFlags, argv, 1, "runac", true);
    GlobalOptions global;
    global.root = global_args.get("root", global.root);
    global.log_path = global_args.get("log");
    global.debug = global_args.flag("debug");
    std::string format = global_args.get("log-format", "text");
    if (format != "text" && format != "json") throw Error("--log-format: unknown format \"" + format + "\"");
    global.log_format = format == "json" ? log::Format::Json : log::Format::Text;
    log::setup(global.log_path, global.log_format, global.debug);
    global.config_given = global_args.has("config");
    global.config_path = global_args.get("config", global.config_path);
    global.agent_profile = global_args.get("agent-profile");
    // Called as runac-PROFILE (a link to runac): PROFILE is the floor, as
    // --agent-profile would make it. A runtime whose options cannot pass
    // flags (containerd's BinaryName) is then one per profile.
    std::string self = argv[0].substr(argv[0].rfind('/') + 1);
    if (self.rfind("runac-", 0) == 0 && self.size() > 6) {
        std::string profile = self.substr(6);
        if (!global.agent_profile.empty() && global.agent_profile != profile)
            throw Error("--agent-profile " + global.agent_profile + ": runac was called as " + self +
                        ", whose floor is the profile " + profile);
        global.agent_profile = profile;
    }
    global.require_agent_policy = global_args.flag("require-agent-policy");

    if (global_args.flag("version")) {
        std::printf("runac version %s\nspec: %s\n", RUNAC_VERSION, RUNAC_SPEC_VERSION);
        return 0;
    }
    if (global_args.positional.empty() || global_args.flag("help")) {
        print_help();
        return 0;
    }
    global.systemd_cgroup = global_args.flag("systemd-cgroup");
    std::string rootless = global_args.get("rootless", "auto");
    if (rootless == "true") throw Error("--rootless: rootless containers are not supported by this version of runac");
    if (rootless != "auto" && rootless != "false") throw Error("--rootless: must be true, false or auto");
    if (!global.root.empty() && global.root[0] != '/') {
        char cwd[4096];
        if (::getcwd(cwd, sizeof cwd)) global.root = std::string(cwd) + "/" + global.root;
    }

    std::string name = global_args.positional[0];
    if (name == "help") {
        print_help();
        return 0;
    }
    for (auto& c : commands()) {
        if (name != c.name) continue;
        std::vector<std::string> rest(global_args.positional.begin(), global_args.positional.end());
        rest.insert(rest.begin(), argv[0]);
        auto flags = c.flags;
        flags.push_back({{"help", "h"}, false});
        Args args = parse_args(flags, rest, 2, name, c.flags_end_at_first_argument);
        if (args.flag("help")) {
            std::printf("%s", c.usage);
            return 0;
        }
        current_command = name;
        log::debug("runac " + name);
        return c.run(global, args);
    }
    throw Error("No help topic for '" + name + "'");
}

}  // namespace

// runc prefixes create/run errors ("runc create failed: ..."); engines show them.
std::string error_line(const std::string& msg) {
    if (current_command == "create" || current_command == "run")
        return "runac " + current_command + " failed: " + msg;
    return msg;
}

}  // namespace runac::cli

// Ends without destroying static objects: the monitor `runac create` leaves
// shares this process's memory and runs on it once the process has gone
// (monitor::MonitorStart). The log flushes each line itself.
int main(int argc, char** argv) {
    int status = 1;
    {
        std::vector<std::string> args(argv, argv + argc);
        try {
            status = runac::cli::dispatch(args);
        } catch (const std::exception& e) {
            runac::log::fatal(runac::cli::error_line(e.what()));
        }
    }
    std::fflush(nullptr);
    ::_exit(status);
}
