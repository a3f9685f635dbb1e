// runac run: create + start, then (in the foreground) wait for the
// container's init and exit with its status, forwarding signals to it.
#include <cerrno>
#include <csignal>
#include <optional>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/command.hpp"
#include "cli/create_flags.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "container/lifecycle.hpp"
#include "linux/console.hpp"

namespace runac::cli {

namespace {

// The signals a foreground `run` relays to the container, as runc does.
sigset_t relayed_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGCHLD}) sigaddset(&set, sig);
    return set;
}

// Waits for the init (our child), relaying signals to it and, with a
// terminal, the pty to our stdio. Returns its exit status as a shell would.
int wait_relaying(pid_t pid, const sigset_t& set, UniqueFd console) {
    UniqueFd signals(::signalfd(-1, &set, SFD_CLOEXEC));
    if (!signals) throw_errno("signalfd");
    std::optional<linux::ConsoleRelay> relay;
    if (console) relay.emplace(std::move(console));
    bool stdin_open = relay.has_value();
    for (;;) {
        int status;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            if (relay)
                while (relay->forward_output()) {  // what the program wrote last
                    struct pollfd p = {relay->master(), POLLIN, 0};
                    if (::poll(&p, 1, 0) <= 0) break;
                }
            if (WIFEXITED(status)) return WEXITSTATUS(status);
            if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
            continue;
        }
        struct pollfd fds[3] = {{signals.get(), POLLIN, 0}, {relay ? relay->master() : -1, POLLIN, 0},
                                {stdin_open ? 0 : -1, POLLIN, 0}};
        if (::poll(fds, 3, -1) < 0 && errno != EINTR) throw_errno("poll");
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo info;
            if (::read(signals.get(), &info, sizeof info) == sizeof info) {
                int sig = static_cast<int>(info.ssi_signo);
                if (sig == SIGWINCH && relay)
                    relay->resize_from_stdin();
                else if (sig != SIGCHLD)
                    ::kill(pid, sig);
            }
        }
        if (relay && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
            if (!relay->forward_output()) relay.reset();  // the pty closed; wait for the exit
        if (relay && (fds[2].revents & (POLLIN | POLLHUP | POLLERR)))
            stdin_open = relay->forward_input();
        if (!relay) stdin_open = false;
    }
}

int run_run(const GlobalOptions& global, const Args& args) {
    auto options = create_options(args, container_id(args, "run"));
    options.agent = agent_settings(global);
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
