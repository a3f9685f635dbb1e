#include "linux/process.hpp"

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "common/files.hpp"

namespace runac::linux {

ChildProcess::~ChildProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {}
}

std::string how_child_ended(pid_t pid) {
    siginfo_t info = {};
    while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) != 0)
        if (errno != EINTR) return "its exit status is unknown";
    if (info.si_code == CLD_EXITED) return "exited with status " + std::to_string(info.si_status);
    return "killed by signal " + std::to_string(info.si_status) + " (" + ::strsignal(info.si_status) + ")";
}

std::optional<ProcStat> read_proc_stat(pid_t pid) {
    std::optional<std::string> text;
    try {
        text = read_file_if_exists("/proc/" + std::to_string(pid) + "/stat");
    } catch (const Error&) {
        return std::nullopt;  // ESRCH while reading: it just exited
    }
    if (!text) return std::nullopt;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    auto close = text->rfind(')');
    if (close == std::string::npos || close + 2 >= text->size()) return std::nullopt;
    const char* p = text->c_str() + close + 2;
    ProcStat st{};
    st.state = *p;
    // start_time is field 22; the state is field 3.
    for (int field = 3; field < 22; field++) {
        p = std::strchr(p, ' ');
        if (!p) return std::nullopt;
        p++;
    }
    st.start_time = std::strtoull(p, nullptr, 10);
    return st;
}

bool is_alive(pid_t pid, uint64_t start_time) {
    if (pid <= 0) return false;
    auto st = read_proc_stat(pid);
    return st && st->start_time == start_time && st->state != 'Z' && st->state != 'X';
}

static UniqueFd open_pidfd(pid_t pid, uint64_t start_time) {
    UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!fd) {
        if (errno == ESRCH) return {};
        throw_errno("pidfd_open " + std::to_string(pid));
    }
    // The pidfd now names one process for good; make sure it is ours.
    if (!is_alive(pid, start_time)) return {};
    return fd;
}

bool signal_process(pid_t pid, uint64_t start_time, int sig) {
    if (pid <= 0) return false;
    UniqueFd fd = open_pidfd(pid, start_time);
    if (!fd) return false;
    if (::syscall(SYS_pidfd_send_signal, fd.get(), sig, nullptr, 0) != 0) {
        if (errno == ESRCH) return false;
        throw_errno("signal " + std::to_string(pid));
    }
    return true;
}

bool wait_for_exit(pid_t pid, uint64_t start_time, int timeout_ms) {
    UniqueFd fd = open_pidfd(pid, start_time);
    if (!fd) return true;
    struct pollfd pfd = {fd.get(), POLLIN, 0};
    for (;;) {
        int n = ::poll(&pfd, 1, timeout_ms);
        if (n < 0 && errno == EINTR) continue;
        return n > 0;
    }
}

int parse_signal(const std::string& name) {
    if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0]))) {
        char* end = nullptr;
        long n = std::strtol(name.c_str(), &end, 10);
        if (*end == '\0' && n > 0 && n < NSIG) return static_cast<int>(n);
        throw Error("unknown signal \"" + name + "\"");
    }
    std::string upper;
    for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (starts_with(upper, "SIG")) upper = upper.substr(3);
    for (int sig = 1; sig < NSIG; sig++) {
        const char* abbrev = sigabbrev_np(sig);
        if (abbrev && upper == abbrev) return sig;
    }
    if (starts_with(upper, "RTMIN") || starts_with(upper, "RTMAX")) {
        int base = upper[3] == 'I' ? SIGRTMIN : SIGRTMAX;
        std::string off = upper.substr(5);
        if (off.empty()) return base;
        char* end = nullptr;
        long n = std::strtol(off.c_str(), &end, 10);
        int sig = base + static_cast<int>(n);
        if (*end == '\0' && sig >= SIGRTMIN && sig <= SIGRTMAX) return sig;
    }
    throw Error("unknown signal \"" + name + "\"");
}

}  // namespace runac::linux
