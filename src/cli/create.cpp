// runac create: build the container and park its init until `start`.
#include "cli/command.hpp"
#include "cli/create_flags.hpp"
#include "container/lifecycle.hpp"

namespace runac::cli {

namespace {
int run_create(const GlobalOptions& global, const Args& args) {
    auto options = create_options(args, container_id(args, "create"));
    options.agent = agent_settings(global);
    options.systemd_cgroup = global.systemd_cgroup;
    options.exits_after = true;
    container::create(global.root, options);
    return 0;
}
}  // namespace

Command create_command() {
    return {"create", "create a container",
            "Usage: runac create [options] <container-id>\n\n"
            "Creates the container described by the bundle's config.json; its process\n"
            "waits until `runac start`.\n\n"
            "Options:\n"
            "  --bundle, -b DIR       bundle directory (default: current directory)\n"
            "  --pid-file FILE        write the container process's pid to FILE\n"
            "  --console-socket PATH  unix socket that receives the pty master (not supported yet)\n"
            "  --no-pivot             use MS_MOVE and chroot instead of pivot_root\n"
            "  --no-new-keyring       keep the caller's session keyring\n"
            "  --preserve-fds N       pass N extra fds (from fd 3) to the process\n",
            create_flags(), run_create};
}

}  // namespace runac::cli
