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
    if (args.has("preserve-fds")) {
        std::string v = args.get("preserve-fds");
        char* end = nullptr;
        long n = std::strtol(v.c_str(), &end, 10);
        if (v.empty() || *end != '\0' || n < 0 || n > 65536) throw Error("--preserve-fds: invalid number \"" + v + "\"");
        o.preserve_fds = static_cast<int>(n);
    }
    o.console_socket = args.get("console-socket");
    if (!o.console_socket.empty()) {
        char cwd[4096];
        if (o.console_socket[0] != '/' && ::getcwd(cwd, sizeof cwd))
            o.console_socket = std::string(cwd) + "/" + o.console_socket;
    }
    return o;
}

agent::Settings agent_settings(const GlobalOptions& global) {
    return agent::load_settings(global.config_path, global.config_given, global.agent_profile,
                                global.require_agent_policy);
}

}  // namespace runac::cli
