// shell.commands at `runac exec`: before anything of the process exists,
// the binary must be one the policy lists (or the container's own
// entrypoint), `subcommands` restrict its first argument, and a `denyArgs`
// entry refuses an argument equal to it or starting with it and "=". The
// processes the agent starts itself are checked by binary only (Landlock).
#pragma once
#include <string>
#include <vector>

#include "enforce/coverage.hpp"
#include "enforce/plan.hpp"

namespace runac::enforce {

// Throws the refusal, one line naming the rule.
void check_exec(const Plan& plan, const std::vector<std::string>& args, const std::string& entrypoint);

const std::vector<Covers>& exec_boundary_covers();

}  // namespace runac::enforce
