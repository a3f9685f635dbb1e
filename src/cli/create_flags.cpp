#include "cli/create_flags.hpp"

#include <cstdlib>
#include <unistd.h>

#include "cli/command.hpp"
#include "common/error.hpp"

namespace runac::cli {

std::vector<Flag> create_flags() {
    return {{{"bundle", "b"}, true},       {{"pid-file"}, true},   {{"console-socket"}, true},
            {{"no-pivot"}, false},         {{"no-new-keyring"}, false}, {{"preserve-fds"}, true}};
}

container::CreateOptions create_options(const Args& args, const std::string& id) {
    container::CreateOptions o;
    o.id = id;
    o.bundle = args.get("bundle");
    o.pid_file = args.get("pid-file");
    o.no_pivot = args.flag("no-pivot");
    o.no_new_keyring = args.flag("no-new-keyring");
    o.preserve_fds = preserve_fds_flag(args);
    o.console_socket = console_socket_flag(args);
    return o;
}

int preserve_fds_flag(const Args& args) {
    if (!args.has("preserve-fds")) return 0;
    std::string v = args.get("preserve-fds");
    char* end = nullptr;
    long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || n < 0 || n > 65536) throw Error("--preserve-fds: invalid number \"" + v + "\"");
    return static_cast<int>(n);
}

std::string console_socket_flag(const Args& args) {
    std::string path = args.get("console-socket");
    char cwd[4096];
    if (!path.empty() && path[0] != '/' && ::getcwd(cwd, sizeof cwd)) path = std::string(cwd) + "/" + path;
    return path;
}

agent::Settings agent_settings(const GlobalOptions& global) {
    return agent::load_settings(global.config_path, global.config_given, global.agent_profile,
                                global.require_agent_policy);
}

}  // namespace runac::cli
