// runac state: the OCI state of one container, as runc prints it.
#include <cstdio>

#include "cli/command.hpp"
#include "container/container.hpp"

namespace runac::cli {

namespace {
int run_state(const GlobalOptions& global, const Args& args) {
    auto c = container::Container::load(global.root, container_id(args, "state"), false);
    // runc's `state` leaves owner empty; `list` fills it in.
    std::string json = oci::state_json(container::oci_state(c.state(), c.status()), true);
    std::fwrite(json.data(), 1, json.size(), stdout);
    return 0;
}
}  // namespace

Command state_command() {
    return {"state", "output the state of a container", "Usage: runac state <container-id>\n", {}, run_state};
}

}  // namespace runac::cli
