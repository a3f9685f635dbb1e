#include "monitor/monitor.hpp"

#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <grp.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "common/files.hpp"
#include "common/log.hpp"
#include "linux/process.hpp"
#include "monitor/resolver.hpp"

namespace runac::monitor {

namespace {

// Only the descriptors the monitor works with stay open; stdio is
// /dev/null.
void detach(const std::vector<int>& keep) {
    ::setsid();
    ::chdir("/");
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3; fd++) ::dup2(null, fd);
    std::vector<int> open_fds;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (auto* e = ::readdir(d))
            if (e->d_name[0] != '.') open_fds.push_back(std::atoi(e->d_name));
        ::closedir(d);
    }
    for (int fd : open_fds)
        if (fd > 2 && std::find(keep.begin(), keep.end(), fd) == keep.end()) ::close(fd);
    ::prctl(PR_SET_NAME, "runac-monitor");
    // `runac run` blocks the signals it relays to the container: not ours.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
}

// It reads what the container sends: nothing of root's is left to it once
// the sockets are bound and the maps open (their descriptors keep working).
// Not dumpable, so that no other process of that user can trace it.
void drop_privileges() {
    constexpr uid_t kNobody = 65534;
    if (::setgroups(0, nullptr) != 0 || ::setresgid(kNobody, kNobody, kNobody) != 0 ||
        ::setresuid(kNobody, kNobody, kNobody) != 0)
        ::_exit(1);
    ::prctl(PR_SET_DUMPABLE, 0);
    ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

// Serves until the init exits; expired names leave the maps once a second.
[[noreturn]] void run(std::optional<Resolver>& resolver, const enforce::NameMaps& maps, int init) {
    std::vector<int> keep{init, maps.names4, maps.names6, maps.resolver};
    if (resolver)
        for (int fd : resolver->fds()) keep.push_back(fd);
    detach(keep);
    drop_privileges();
    std::vector<pollfd> fds{{init, POLLIN, 0}};
    if (resolver)
        for (int fd : resolver->fds()) fds.push_back({fd, POLLIN, 0});
    time_t last_sweep = 0;
    for (;;) {
        int n = ::poll(fds.data(), fds.size(), 1000);
        if (n < 0 && errno != EINTR) ::_exit(1);
        if (fds[0].revents) ::_exit(0);
        for (size_t i = 1; n > 0 && i < fds.size(); i++)
            if (fds[i].revents) resolver->serve(fds[i].fd);
        timespec now{};
        ::clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec != last_sweep) {
            maps.expire();
            last_sweep = now.tv_sec;
        }
    }
}

// In the first child: joins the container's network namespace, binds the
// resolver and forks the monitor; tells create its pid or what failed.
[[noreturn]] void start_child(const enforce::Egress& egress, const enforce::NameMaps& maps, int netns, int init,
                              std::vector<Upstream> upstreams, int report) {
    std::string message;
    try {
        if (::setns(netns, CLONE_NEWNET) != 0) throw_errno("monitor: join the container's network namespace");
        auto resolver = Resolver::listen(egress, maps, std::move(upstreams));
        if (resolver) resolver->publish();
        pid_t pid = ::fork();
        if (pid < 0) throw_errno("monitor: fork");
        if (pid == 0) {
            ::close(report);
            run(resolver, maps, init);
        }
        message = "pid " + std::to_string(pid) + (resolver ? "" : " no-loopback");
    } catch (const std::exception& e) {
        message = e.what();
    }
    ssize_t ignored = ::write(report, message.data(), message.size());
    (void)ignored;
    ::_exit(0);
}

}  // namespace

Monitor Monitor::start(const enforce::Egress& egress, const enforce::NameMaps& maps, pid_t init_pid) {
    std::string proc = "/proc/" + std::to_string(init_pid);
    // The container's own view of its DNS servers (an engine binds its
    // resolv.conf over the image's).
    auto upstreams = upstreams_of(read_file_if_exists(proc + "/root/etc/resolv.conf").value_or(""));
    UniqueFd netns(::open((proc + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
    if (!netns) throw_errno("monitor: open " + proc + "/ns/net");
    UniqueFd init(static_cast<int>(::syscall(SYS_pidfd_open, init_pid, 0)));
    if (!init) throw_errno("monitor: pidfd_open " + std::to_string(init_pid));
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw_errno("monitor: pipe");
    UniqueFd from_child(pipe_fds[0]), to_parent(pipe_fds[1]);
    pid_t child = ::fork();
    if (child < 0) throw_errno("monitor: fork");
    if (child == 0) start_child(egress, maps, netns.get(), init.get(), std::move(upstreams), to_parent.get());
    to_parent.reset();
    std::string message = read_all(from_child.get(), "monitor: its report");
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (message.rfind("pid ", 0) != 0) throw Error("agent policy: network names: " + message);
    Monitor m;
    m.pid_ = std::atoi(message.c_str() + 4);
    auto stat = linux::read_proc_stat(m.pid_);
    if (!stat) throw Error("agent policy: network names: the monitor exited as it started");
    m.start_time_ = stat->start_time;
    if (message.find("no-loopback") != std::string::npos)
        log::warn("agent policy: network names: the container's network namespace has no loopback address; "
                  "names do not resolve");
    return m;
}

Monitor::Monitor(Monitor&& o) noexcept
    : pid_(std::exchange(o.pid_, 0)), start_time_(o.start_time_), kept_(o.kept_) {}

Monitor::~Monitor() {
    if (!kept_ && pid_ > 0) stop_monitor(pid_, start_time_);
}

void stop_monitor(pid_t pid, uint64_t start_time) {
    try {
        if (linux::signal_process(pid, start_time, SIGKILL)) linux::wait_for_exit(pid, start_time, 1000);
    } catch (const Error&) {
        // Gone already, or not ours to signal: nothing to end.
    }
}

}  // namespace runac::monitor
