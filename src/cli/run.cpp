// runac run: create + start, then (in the foreground) wait for the
// container's init and exit with its status, forwarding signals to it.
#include <csignal>

#include "cli/command.hpp"
#include "cli/create_flags.hpp"
#include "cli/foreground.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "container/lifecycle.hpp"

namespace runac::cli {

namespace {

int run_run(const GlobalOptions& global, const Args& args) {
    auto options = create_options(args, container_id(args, "run"));
    options.agent = agent_settings(global);
    options.systemd_cgroup = global.systemd_cgroup;
    bool detach = args.flag("detach");
    UniqueFd console;
    if (!detach && options.console_socket.empty()) options.console_master = &console;
    // Blocked from before the container exists, so that no signal meant for
    // it is lost or kills runac in between; the init unblocks them.
    sigset_t set = relayed_signals();
    sigset_t old;
    if (!detach) ::sigprocmask(SIG_BLOCK, &set, &old);

    pid_t pid;
    {
        auto c = container::create(global.root, options);
        try {
            container::start(c);
        } catch (const Error&) {
            container::remove(c, true);
            throw;
        }
        pid = c.state().pid;
    }  // the container's lock is released: engines may `state` and `kill` it meanwhile
    if (detach) return 0;

    int status = wait_relaying(pid, set, std::move(console));
    if (!args.flag("keep")) {
        try {
            auto c = container::Container::load(global.root, options.id);
            container::remove(c, true);
        } catch (const Error& e) {
            log::warn(std::string("run: removing the container: ") + e.what());
        }
    }
    return status;
}

}  // namespace

Command run_command() {
    auto flags = create_flags();
    flags.push_back({{"detach", "d"}, false});
    flags.push_back({{"keep"}, false});
    return {"run", "create and run a container",
            "Usage: runac run [options] <container-id>\n\n"
            "Creates and starts the container. In the foreground runac waits for it and\n"
            "exits with its status (128+N when killed by signal N), then deletes it.\n\n"
            "Options: those of `runac create`, and\n"
            "  --detach, -d  return once the container has started\n"
            "  --keep        do not delete the container after it exits\n",
            flags, run_run};
}

}  // namespace runac::cli
