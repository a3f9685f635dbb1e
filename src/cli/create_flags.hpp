// Flags shared by `create` and `run`.
#pragma once
#include "cli/args.hpp"
#include "container/lifecycle.hpp"

namespace runac::cli {

std::vector<Flag> create_flags();
// Refuses what this build cannot do (naming the flag), never ignores it.
container::CreateOptions create_options(const Args& args, const std::string& id);

}  // namespace runac::cli
