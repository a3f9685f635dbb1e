#include "cli/foreground.hpp"

#include <cerrno>
#include <optional>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.hpp"
#include "linux/console.hpp"

namespace runac::cli {

sigset_t relayed_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGCHLD}) sigaddset(&set, sig);
    return set;
}

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

}  // namespace runac::cli
