// Flags shared by `create` and `run` (and, the last two, `exec`).
#pragma once
#include "cli/args.hpp"
#include "container/lifecycle.hpp"

namespace runac::cli {

std::vector<Flag> create_flags();
// Refuses what this build cannot do (naming the flag), never ignores it.
container::CreateOptions create_options(const Args& args, const std::string& id);

// --preserve-fds N
int preserve_fds_flag(const Args& args);
// --console-socket PATH, made absolute (runac may change directory before using it).
std::string console_socket_flag(const Args& args);

}  // namespace runac::cli
