#include "monitor/monitor.hpp"

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <bpf/libbpf.h>
#include <optional>

#include "cgroups/cgroup.hpp"
#include "common/error.hpp"
#include "common/fd.hpp"
#include "common/files.hpp"
#include "common/log.hpp"
#include "linux/kernel_audit.hpp"
#include "linux/process.hpp"
#include "monitor/approver.hpp"
#include "monitor/control.hpp"
#include "monitor/kernel_denials.hpp"
#include "monitor/reports.hpp"
#include "monitor/resolver.hpp"

namespace runac::monitor {

// What the monitor starts from, its own: a monitor that shares the
// caller's memory starts once the caller has gone, and the caller's objects
// with it.
struct Launch {
    std::optional<enforce::Egress> egress;
    std::optional<enforce::Plan> plan;
    audit::AuditLog audit;
    MonitorSettings settings;  // pointing into the above
    UniqueFd netns, init;
    UniqueFd caller;           // with MonitorStart::AfterCallerExits
    std::vector<Upstream> upstreams;
    std::string cgroup;

    explicit Launch(const MonitorSettings& s) : settings(s) {
        if (s.egress) settings.egress = &egress.emplace(*s.egress);
        if (s.plan) settings.plan = &plan.emplace(*s.plan);
        if (s.audit) {
            audit = s.audit->duplicate();
            settings.audit = &audit;
        }
    }
};

namespace {

// What the monitor process holds, all opened while it is still root.
struct Held {
    std::optional<Resolver> resolver;
    std::optional<Reporter> reporter;
    std::optional<Approver> approver;
    std::optional<KernelDenials> kernel;
    UniqueFd kernel_audit;         // the audit's log group, with `kernel`
    enforce::MonitorMaps maps;
    enforce::LsmMaps lsm;
    int init = -1;                 // the init's pidfd: readable once it exits
    int64_t session_deadline = 0;  // Unix seconds; 0: none
};

// Its stdio is /dev/null from its first step: a shim reading create's
// output waits for every holder of its pipes to close them.
void drop_stdio() {
    UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    for (int fd : {0, 1, 2}) ::dup2(null.get(), fd);
}

// Only the descriptors the monitor works with stay open.
void detach(std::vector<int> keep) {
    ::setsid();
    ::chdir("/");
    std::sort(keep.begin(), keep.end());
    unsigned from = 3;
    for (int fd : keep) {
        if (fd < 3) continue;
        if (static_cast<unsigned>(fd) > from) ::close_range(from, fd - 1, 0);
        from = std::max(from, static_cast<unsigned>(fd) + 1);
    }
    ::close_range(from, ~0U, 0);
    ::prctl(PR_SET_NAME, "runac-monitor");
    // It started with every signal blocked (Monitor::start).
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
}

// It reads what the container sends: nothing of root's is left to it once
// the sockets are bound and the maps open (their descriptors keep
// working), but CAP_KILL when it must end a session (the init may be any
// user's). Not dumpable, so that no other process of that user can trace
// it.
void drop_privileges(bool keep_kill) {
    constexpr uid_t kNobody = 65534;
    if (keep_kill) ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
    if (::setgroups(0, nullptr) != 0 || ::setresgid(kNobody, kNobody, kNobody) != 0 ||
        ::setresuid(kNobody, kNobody, kNobody) != 0)
        ::_exit(1);
    if (keep_kill) {
        cap_t caps = cap_init();
        cap_value_t kill[] = {CAP_KILL};
        if (!caps || cap_set_flag(caps, CAP_PERMITTED, 1, kill, CAP_SET) != 0 ||
            cap_set_flag(caps, CAP_EFFECTIVE, 1, kill, CAP_SET) != 0 || cap_set_proc(caps) != 0)
            ::_exit(1);
        cap_free(caps);
    }
    ::prctl(PR_SET_DUMPABLE, 0);
    ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

// SIGKILL to the init ends its PID namespace: every process of the container.
void end_session(Held& h) {
    h.reporter->record("policy.sessionTimeout", "session-end",
                       [](JsonWriter& w) { w.key("reason").value("sessionTimeout, ended by the monitor"); });
    ::syscall(SYS_pidfd_send_signal, h.init, SIGKILL, nullptr, 0);
}

int on_denial(void* held, void* data, size_t size) {
    auto& h = *static_cast<Held*>(held);
    std::string rule = denial_rule(data, size);
    if (rule.empty()) return 0;
    h.reporter->record(rule, "denied", [&](JsonWriter& w) { denial_fields(w, data); });
    if (h.approver)
        if (auto askable = denial_askable(data)) h.approver->refused(*askable);
    return 0;
}

// An execute shell.commands does not allow, refused by BPF LSM.
int on_exec_refusal(void* held, void* data, size_t size) {
    auto& h = *static_cast<Held*>(held);
    auto r = enforce::exec_refusal(data, size);
    if (!r) return 0;
    h.reporter->record("shell.commands", "denied", [&](JsonWriter& w) {
        w.key("rule").value("shell.commands").key("pid").value(static_cast<int64_t>(r->pid));
        w.key("command").value(r->command).key("executable").value(r->name);
    });
    if (h.approver) h.approver->refused({Capability::execute(r->name, r->file), r->pid, r->command});
    return 0;
}

void read_kernel_audit(Held& h) {
    linux::read_audit_records(h.kernel_audit.get(),
                              [&](uint16_t type, std::string_view text) { h.kernel->record(type, text); });
}

// The kernel's audit thread sends a refusal's records a moment after it:
// the last ones of a container that just ended come while the socket
// stays busy, 200 ms at most.
void drain_kernel_audit(Held& h) {
    for (int rounds = 0; rounds < 4; rounds++) {
        pollfd p{h.kernel_audit.get(), POLLIN, 0};
        if (::poll(&p, 1, 50) != 1) break;
        read_kernel_audit(h);
    }
    h.kernel->finish_all();
}

// A process is the container's while it is in the init's cgroup-v2
// directory `base` or below (a zombie still is).
bool in_cgroup(uint32_t pid, const std::string& base) {
    if (pid == 0 || base.empty() || base == "/") return false;
    std::string path = cgroups::unified_cgroup_of(static_cast<pid_t>(pid));
    return path == base || path.rfind(base + "/", 0) == 0;
}

// Serves until the init exits: the resolver's questions, expired names out
// of the maps once a second, the session's end at its deadline.
[[noreturn]] void run(Held& h) {
    std::vector<int> keep = h.maps.fds();
    for (int fd : h.lsm.fds()) keep.push_back(fd);
    keep.push_back(h.init);
    if (h.approver) keep.push_back(h.approver->fd());
    if (h.resolver)
        for (int fd : h.resolver->fds()) keep.push_back(fd);
    for (int fd : h.reporter->fds()) keep.push_back(fd);
    if (h.kernel) keep.push_back(h.kernel_audit.get());
    detach(keep);
    // The programs' refusals, read while they come (mapped while still root).
    ring_buffer* denials = nullptr;
    if ((h.reporter->on() || h.approver) && h.maps.denials >= 0)
        denials = ring_buffer__new(h.maps.denials, on_denial, &h, nullptr);
    ring_buffer* execs = nullptr;
    if (h.lsm.refused >= 0) execs = ring_buffer__new(h.lsm.refused, on_exec_refusal, &h, nullptr);
    drop_privileges(h.session_deadline != 0);
    std::vector<pollfd> fds{{h.init, POLLIN, 0}};
    if (h.resolver)
        for (int fd : h.resolver->fds()) fds.push_back({fd, POLLIN, 0});
    if (denials) fds.push_back({ring_buffer__epoll_fd(denials), POLLIN, 0});
    if (execs) fds.push_back({ring_buffer__epoll_fd(execs), POLLIN, 0});
    if (h.approver) fds.push_back({h.approver->fd(), POLLIN, 0});
    if (h.kernel) fds.push_back({h.kernel_audit.get(), POLLIN, 0});
    time_t last_sweep = 0;
    bool ended = false;
    for (;;) {
        int timeout = 1000;
        if (h.session_deadline && !ended) {
            timespec wall{};
            ::clock_gettime(CLOCK_REALTIME, &wall);
            int64_t left_ms = (h.session_deadline - wall.tv_sec) * 1000 - wall.tv_nsec / 1000000;
            if (left_ms <= 0) {
                end_session(h);
                ended = true;
            } else {
                timeout = static_cast<int>(std::min<int64_t>(left_ms, timeout));
            }
        }
        int n = ::poll(fds.data(), fds.size(), timeout);
        if (n < 0 && errno != EINTR) ::_exit(1);
        if (fds[0].revents) {
            // The container is gone: what it was refused last still goes in the log.
            if (denials) {
                ring_buffer__consume(denials);
                h.reporter->lost("network.egress", h.maps.take_lost());
            }
            if (execs) ring_buffer__consume(execs);
            if (h.kernel) drain_kernel_audit(h);
            h.reporter->tick();
            // Its names go with it, and delete need not look for them.
            if (h.resolver) h.maps.drop_names();
            ::_exit(0);
        }
        for (size_t i = 1; n > 0 && i < fds.size(); i++) {
            if (!fds[i].revents) continue;
            if (denials && fds[i].fd == ring_buffer__epoll_fd(denials))
                ring_buffer__consume(denials);
            else if (execs && fds[i].fd == ring_buffer__epoll_fd(execs))
                ring_buffer__consume(execs);
            else if (h.approver && fds[i].fd == h.approver->fd())
                h.approver->serve();
            else if (h.kernel && fds[i].fd == h.kernel_audit.get())
                read_kernel_audit(h);
            else
                h.resolver->serve(fds[i].fd);
        }
        timespec now{};
        ::clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec != last_sweep) {
            if (h.resolver) h.maps.expire();
            if (denials) {
                ring_buffer__consume(denials);
                h.reporter->lost("network.egress", h.maps.take_lost());
            }
            if (h.approver) h.approver->tick();
            if (h.kernel) h.kernel->flush();
            h.reporter->tick();
            last_sweep = now.tv_sec;
        }
    }
}

// The monitor's word on its start, for await_monitor().
void report_status(const std::string& path, const std::string& message) {
    try {
        write_file_atomic(path, message, 0600);
    } catch (const Error&) {
        // The container is being deleted: nobody waits for the word.
    }
}

// In the child: joins the container's network namespace, binds the
// resolver, says it is ready (or what failed) and runs as the monitor.
[[noreturn]] void start_child(Launch& l) {
    drop_stdio();
    const MonitorSettings& s = l.settings;
    std::string message;
    try {
        Held h;
        h.maps = s.maps;
        h.lsm = s.lsm;
        h.init = l.init.get();
        h.session_deadline = s.session_deadline;
        h.reporter.emplace(std::move(l.audit));  // closed when the policy has no log
        UniqueFd control;
        if ((s.egress && s.egress->prompt) || s.lsm.refused >= 0) control = listen_control(s.control_path);
        // The audit's log group exists in the host's network namespace only.
        if (s.kernel_denials && s.plan) {
            h.kernel_audit = linux::open_audit_log_group();
            ContainerView view;
            view.member = [cgroup = l.cgroup](uint32_t pid) { return in_cgroup(pid, cgroup); };
            for (auto& m : s.plan->mounts)
                if (m.kind == enforce::PolicyMount::Kind::Deny) view.deny.push_back(m.path);
            view.commands = s.plan->exec_allowlist;
            h.kernel.emplace(std::move(view), [&h](const KernelDenial& d) {
                h.reporter->record(d.rule, "denied", [&](JsonWriter& w) { kernel_denial_fields(w, d); });
            });
        }
        bool no_loopback = false;
        if (s.egress && s.egress->follow_dns) {
            if (::setns(l.netns.get(), CLONE_NEWNET) != 0) throw_errno("monitor: join the container's network namespace");
            h.resolver = Resolver::listen(*s.egress, s.maps, std::move(l.upstreams));
            if (h.resolver) {
                h.resolver->publish();
                h.resolver->on_answer(
                    [&h](const std::string& name, uint16_t type, const std::string& outcome, bool askable) {
                        h.reporter->record("network names", "dns", [&](JsonWriter& w) {
                            w.key("name").value(name).key("type").value(static_cast<int64_t>(type));
                            w.key("answer").value(outcome);
                        });
                        if (askable && h.approver)
                            h.approver->refused({agent::EgressRule{name, 0, agent::Protocol::Tcp}, 0, ""});
                    });
            }
            no_loopback = !h.resolver;
        }
        if (control)
            h.approver.emplace(s.approval_timeout, std::move(control), s.maps, s.lsm,
                               h.resolver ? &*h.resolver : nullptr, *h.reporter);
        // Ready: start (or exec) reads this while this process becomes the
        // monitor.
        report_status(s.status_path, std::string("ready") + (no_loopback ? " no-loopback" : ""));
        run(h);
    } catch (const std::exception& e) {
        message = e.what();
    }
    report_status(s.status_path, message);
    ::_exit(0);
}

// The child of MonitorStart::AfterCallerExits: until the caller has gone it
// touches nothing of the memory it shares with it (its signals blocked, its
// stack its own), and then the memory is its own.
int start_after_caller(void* launch) {
    auto& l = *static_cast<Launch*>(launch);
    pollfd gone{l.caller.get(), POLLIN, 0};
    if (::poll(&gone, 1, -1) != 1) ::_exit(1);
    start_child(l);
}

// A stack of the size of a main thread's, used as it grows.
void* child_stack() {
    constexpr size_t kSize = 8 << 20;
    void* stack = ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE,
                         -1, 0);
    if (stack == MAP_FAILED) throw_errno("monitor: map a stack");
    ::mprotect(stack, 4096, PROT_NONE);  // below it, a fault rather than another mapping
    return static_cast<char*>(stack) + kSize;
}

}  // namespace

Monitor Monitor::start(const MonitorSettings& settings, pid_t init_pid, MonitorStart how) {
    std::string proc = "/proc/" + std::to_string(init_pid);
    auto launch = std::make_unique<Launch>(settings);
    // The container's own view of its DNS servers (an engine binds its
    // resolv.conf over the image's).
    std::string resolv_conf = settings.resolv_conf.empty() ? proc + "/root/etc/resolv.conf" : settings.resolv_conf;
    launch->upstreams = upstreams_of(read_file_if_exists(resolv_conf).value_or(""));
    if (settings.kernel_denials) launch->cgroup = cgroups::unified_cgroup_of(init_pid);
    launch->netns.reset(::open((proc + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
    if (!launch->netns) throw_errno("monitor: open " + proc + "/ns/net");
    launch->init.reset(static_cast<int>(::syscall(SYS_pidfd_open, init_pid, 0)));
    if (!launch->init) throw_errno("monitor: pidfd_open " + std::to_string(init_pid));
    void* stack = nullptr;
    if (how == MonitorStart::AfterCallerExits) {
        launch->caller.reset(static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0)));
        if (!launch->caller) throw_errno("monitor: pidfd_open of its caller");
        stack = child_stack();
    }
    ::unlink(settings.status_path.c_str());
    // Nobody waits for the child's setup here: it runs beside the rest of
    // create and the engine's next command. The child starts with every
    // signal blocked (the caller's handlers are not its own).
    sigset_t all, old;
    sigfillset(&all);
    ::sigprocmask(SIG_SETMASK, &all, &old);
    pid_t child = -1;
    if (how == MonitorStart::AfterCallerExits) {
        child = ::clone(start_after_caller, stack, CLONE_VM | SIGCHLD, launch.get());
    } else {
        // A fork copies each page either process writes from now on: on
        // this kind of machine, milliseconds.
        child = ::fork();
        if (child == 0) start_child(*launch);
    }
    int err = errno;
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    if (child < 0) {
        errno = err;
        throw_errno("monitor: start its process");
    }
    Monitor m;
    m.pid_ = child;
    if (how == MonitorStart::AfterCallerExits) m.shared_ = std::move(launch);
    // A zombie still has its start time: a child that failed at once is
    // reported by await_monitor().
    auto stat = linux::read_proc_stat(m.pid_);
    if (!stat) throw Error("agent policy: monitor: it exited as it started");
    m.start_time_ = stat->start_time;
    return m;
}

bool await_monitor(const std::string& status_path, pid_t pid, uint64_t start_time) {
    constexpr int kTimeoutMs = 10000;
    for (int waited_us = 0;; waited_us += 200) {
        if (auto status = read_file_if_exists(status_path); status && !status->empty()) {
            if (status->rfind("ready", 0) != 0) throw Error("agent policy: monitor: " + *status);
            return status->find("no-loopback") == std::string::npos;
        }
        if (!linux::is_alive(pid, start_time)) {
            // It may have written its word as it exited.
            if (auto status = read_file_if_exists(status_path); status && !status->empty()) continue;
            throw Error("agent policy: monitor: it exited as it started");
        }
        if (waited_us >= kTimeoutMs * 1000) throw Error("agent policy: monitor: not ready after 10 s");
        ::usleep(200);
    }
}

Monitor::Monitor(Monitor&& o) noexcept
    : pid_(std::exchange(o.pid_, 0)), start_time_(o.start_time_), kept_(o.kept_), shared_(std::move(o.shared_)) {}

Monitor::~Monitor() {
    if (!kept_ && pid_ > 0) stop_monitor(pid_, start_time_);
    // Kept, the child's once the caller has gone.
    if (kept_) (void)shared_.release();
}

void stop_monitor(pid_t pid, uint64_t start_time, int grace_ms) {
    try {
        if (grace_ms > 0 && linux::wait_for_exit(pid, start_time, grace_ms)) return;
        if (linux::signal_process(pid, start_time, SIGKILL)) linux::wait_for_exit(pid, start_time, 1000);
    } catch (const Error&) {
        // Gone already, or not ours to signal: nothing to end.
    }
}

}  // namespace runac::monitor
