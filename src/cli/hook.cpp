// runac hook: the agent policy for a container of another runtime (runc,
// crun), run by its engine as an OCI hook at createRuntime and poststop
// (oci-hooks/ has the hooks.d files). The runtime's state comes on stdin;
// its status says which stage this is.
#include <unistd.h>

#include "cli/command.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "container/hooked.hpp"
#include "oci/state.hpp"

namespace runac::cli {

namespace {
int run_hook(const GlobalOptions& global, const Args& args) {
    if (!args.positional.empty()) throw Error("hook: takes no arguments; the container's state comes on stdin");
    oci::State state = oci::parse_state(read_all(STDIN_FILENO, "hook: the container's state on stdin"));
    switch (state.status) {
        case oci::Status::Creating: container::hook_create_runtime(state, agent_settings(global)); break;
        case oci::Status::Stopped: container::hook_poststop(state); break;
        default:
            throw Error(std::string("hook: runs at createRuntime and poststop, not where the container is ") +
                        oci::status_name(state.status));
    }
    return 0;
}
}  // namespace

Command hook_command() {
    return {"hook", "apply an agent policy to a container of another runtime (an OCI hook)",
            "Usage: runac hook < STATE\n\n"
            "Run by an engine as an OCI hook (oci-hooks/, for Podman's and CRI-O's hooks.d)\n"
            "beside runc or crun. At createRuntime (state \"creating\") it applies what acts\n"
            "from outside the container: the egress programs on its cgroup, the monitor\n"
            "(names, session timeout) and the audit log; at poststop (\"stopped\") it\n"
            "removes them. Mounts, Landlock, seccomp, capabilities and secrets need runac\n"
            "as the runtime: a strict policy that has them is refused, a best-effort one\n"
            "logs each. `runac policy explain --hook FILE` shows which is which.\n",
            {}, run_hook};
}

}  // namespace runac::cli
