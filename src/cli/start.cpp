// runac start: release a created container's init into the user's program.
#include "cli/command.hpp"
#include "container/lifecycle.hpp"

namespace runac::cli {

namespace {
int run_start(const GlobalOptions& global, const Args& args) {
    auto c = container::Container::load(global.root, container_id(args, "start"));
    container::start(c);
    return 0;
}
}  // namespace

Command start_command() {
    return {"start", "executes the user defined process in a created container",
            "Usage: runac start <container-id>\n", {}, run_start};
}

}  // namespace runac::cli
