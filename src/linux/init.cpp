#include "linux/init.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <linux/sched.h>
#include <fstream>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "common/files.hpp"
#include "linux/console.hpp"
#include "linux/credentials.hpp"
#include "linux/hooks.hpp"
#include "linux/inroot.hpp"
#include "linux/rootfs.hpp"
#include "linux/sync.hpp"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace runac::linux {

namespace {

int clone_flag(oci::NamespaceType t) {
    switch (t) {
        case oci::NamespaceType::Pid: return CLONE_NEWPID;
        case oci::NamespaceType::Network: return CLONE_NEWNET;
        case oci::NamespaceType::Mount: return CLONE_NEWNS;
        case oci::NamespaceType::Ipc: return CLONE_NEWIPC;
        case oci::NamespaceType::Uts: return CLONE_NEWUTS;
        case oci::NamespaceType::User: return CLONE_NEWUSER;
        case oci::NamespaceType::Cgroup: return CLONE_NEWCGROUP;
        case oci::NamespaceType::Time: return CLONE_NEWTIME;
    }
    return 0;
}

void join_namespace(const oci::Namespace& ns) {
    UniqueFd fd(::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno(std::string("join ") + oci::namespace_name(ns.type) + " namespace " + ns.path);
    if (::setns(fd.get(), clone_flag(ns.type)) != 0)
        throw_errno(std::string("join ") + oci::namespace_name(ns.type) + " namespace " + ns.path);
}

std::string env_value(const std::vector<std::string>& env, const std::string& name) {
    for (auto& e : env)
        if (starts_with(e, name + "=")) return e.substr(name.size() + 1);
    return "";
}

bool executable_file(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

// $PATH lookup inside the container, with the container's PATH; the error
// text is the one Docker maps to exit status 127.
std::string resolve_executable(const oci::Process& process) {
    const std::string& name = process.args[0];
    if (name.find('/') != std::string::npos) {
        struct stat st;
        if (::stat(name.c_str(), &st) != 0)
            throw Error("exec: \"" + name + "\": stat " + name + ": " + std::strerror(errno));
        if (!executable_file(name)) throw Error("exec: \"" + name + "\": permission denied");
        return name;
    }
    std::string path = env_value(process.env, "PATH");
    if (path.empty()) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    size_t i = 0;
    while (i <= path.size()) {
        size_t j = path.find(':', i);
        if (j == std::string::npos) j = path.size();
        std::string dir = path.substr(i, j - i);
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (executable_file(candidate)) return candidate;
        i = j + 1;
    }
    throw Error("exec: \"" + name + "\": executable file not found in $PATH");
}

// HOME from the container's /etc/passwd when the config does not set it (as runc).
std::vector<std::string> process_env(const oci::Process& process) {
    std::vector<std::string> env = process.env;
    if (!env_value(env, "HOME").empty()) return env;
    std::string home = "/";
    std::ifstream passwd("/etc/passwd");
    for (std::string line; std::getline(passwd, line);) {
        // name:x:uid:gid:gecos:home:shell
        std::vector<std::string> f;
        size_t i = 0;
        while (i <= line.size()) {
            size_t j = line.find(':', i);
            if (j == std::string::npos) j = line.size();
            f.push_back(line.substr(i, j - i));
            i = j + 1;
        }
        if (f.size() >= 6 && f[2] == std::to_string(process.user.uid)) {
            home = f[5];
            break;
        }
    }
    env.push_back("HOME=" + home);
    return env;
}

// The clone copied every fd runac had open (the state lock, the parent's
// socket end, log files); CLOEXEC would only drop them at execve. The init
// keeps just its channel, the exec fifo and the caller's preserved fds.
void close_inherited_fds(const InitRequest& req) {
    unsigned first = 3 + static_cast<unsigned>(req.preserve_fds);
    unsigned a = static_cast<unsigned>(std::min(req.sync_fd, req.fifo_fd));
    unsigned b = static_cast<unsigned>(std::max(req.sync_fd, req.fifo_fd));
    if (a > first) ::syscall(SYS_close_range, first, a - 1, 0);
    if (b > a + 1) ::syscall(SYS_close_range, std::max(first, a + 1), b - 1, 0);
    ::syscall(SYS_close_range, std::max(first, b + 1), ~0U, 0);
}

// The parent's state JSON (compact, from our own writer) with another status.
std::string state_with_status(const std::string& json, const std::string& status) {
    std::string from = "\"status\":\"creating\"";
    auto pos = json.find(from);
    if (pos == std::string::npos) return json;
    return json.substr(0, pos) + "\"status\":\"" + status + "\"" + json.substr(pos + from.size());
}

void load_seccomp(const InitRequest& req) {
    int notify_fd = req.seccomp->load();
    if (notify_fd >= 0) {
        send_with_fd(req.sync_fd, "seccomp-notify", notify_fd);
        ::close(notify_fd);
    }
}

[[noreturn]] void run_init(const InitRequest& req) {
    const oci::Config& config = *req.config;
    const oci::Process& process = config.process;
    try {
        // The user's program starts with default signal handling and nothing
        // blocked, whatever runac (a foreground `run`) had set.
        for (int sig = 1; sig < NSIG; sig++)
            if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        close_inherited_fds(req);
        // "go:STATE": the parent placed us in our cgroups; STATE is the
        // container's state JSON the hooks receive.
        auto go = receive_message(req.sync_fd);
        if (!go || !starts_with(go->text, "go:")) ::_exit(1);
        const std::string state_json = go->text.substr(3);
        // Nobody in the container may ptrace or read the memory of runac's
        // code while it still holds host resources (fds, the host's mounts).
        ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        for (auto& ns : config.linux.namespaces)
            if (!ns.path.empty() && ns.type != oci::NamespaceType::Pid) join_namespace(ns);
        auto cgroupns = config.linux.find_namespace(oci::NamespaceType::Cgroup);
        if (cgroupns && cgroupns->path.empty() && ::unshare(CLONE_NEWCGROUP) != 0)
            throw_errno("unshare the cgroup namespace");
        if (!req.no_new_keyring && ::syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, req.id.c_str()) < 0 &&
            errno != ENOSYS)
            throw_errno("join a new session keyring");
        if (!config.hostname.empty() && ::sethostname(config.hostname.data(), config.hostname.size()) != 0)
            throw_errno("hostname: sethostname");
        if (!config.domainname.empty() && ::setdomainname(config.domainname.data(), config.domainname.size()) != 0)
            throw_errno("domainname: setdomainname");
        if (::chdir(req.bundle.c_str()) != 0) throw_errno("chdir " + req.bundle);
        RootfsOptions rootfs{req.bundle, req.no_pivot, cgroupns != nullptr, req.cgroup_paths, {}, {}};
        rootfs.after_pivot = [&] {
            if (!process.terminal) return;
            UniqueFd master = open_container_console(process.console_size);
            send_with_fd(req.sync_fd, "console", master.get());
        };
        rootfs.before_pivot = [&] {
            // prestart and createRuntime run in runac's namespaces, by the
            // parent; createContainer here, in the container's mount namespace.
            if (!config.hooks.prestart.empty() || !config.hooks.create_runtime.empty()) {
                send_message(req.sync_fd, "hooks");
                auto done = receive_message(req.sync_fd);
                if (!done || done->text != "hooks-done") ::_exit(1);
            }
            run_hooks(config.hooks.create_container, "createContainer", state_json);
        };
        setup_rootfs(config, rootfs);
        if (::chdir(process.cwd.c_str()) != 0) throw_errno("process.cwd: chdir " + process.cwd);
        std::string executable = resolve_executable(process);
        std::vector<std::string> env = process_env(process);
        apply_rlimits(process);
        apply_scheduling(process);
        apply_personality(config.linux);
        if (process.oom_score_adj)
            write_file("/proc/self/oom_score_adj", std::to_string(*process.oom_score_adj));
        // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it
        // while runac still holds it (the filter then sees the steps below).
        if (req.seccomp && !process.no_new_privileges) load_seccomp(req);
        apply_user_and_capabilities(process);
        ::umask(process.user.umask.value_or(022));
        apply_no_new_privileges(process);
        // Only the fds asked for cross into the program (3 .. 3+preserve-1);
        // whatever else the caller left open is closed by the exec.
        for (int fd = 3; fd < 3 + req.preserve_fds; fd++) ::fcntl(fd, F_SETFD, 0);
        ::syscall(SYS_close_range, 3 + req.preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
        std::vector<char*> argv, envp;
        for (auto& a : process.args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        for (auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
        envp.push_back(nullptr);
        if (req.seccomp && process.no_new_privileges) load_seccomp(req);
        send_message(req.sync_fd, "ready");
        ::close(req.sync_fd);

        // Parked until `runac start` writes one byte into the exec fifo.
        char byte;
        for (;;) {
            ssize_t n = ::read(req.fifo_fd, &byte, 1);
            if (n == 1) break;
            if (n < 0 && errno == EINTR) continue;
            ::_exit(1);
        }
        ::close(req.fifo_fd);
        // startContainer hooks: inside the container, before the program.
        if (!config.hooks.start_container.empty()) {
            try {
                run_hooks(config.hooks.start_container, "startContainer", state_with_status(state_json, "running"));
            } catch (const Error& e) {
                std::string msg = std::string(e.what()) + "\n";
                (void)!::write(2, msg.data(), msg.size());
                ::_exit(1);
            }
        }
        ::execve(executable.c_str(), argv.data(), envp.data());
        std::string msg = "exec " + executable + ": " + std::strerror(errno) + "\n";
        (void)!::write(2, msg.data(), msg.size());
        ::_exit(127);
    } catch (const std::exception& e) {
        try {
            send_message(req.sync_fd, std::string("error:") + e.what());
        } catch (...) {
        }
        ::_exit(1);
    }
}

}  // namespace

SpawnedInit spawn_init(const InitRequest& req, int cgroup_fd) {
    unsigned long flags = 0;
    for (auto& ns : req.config->linux.namespaces) {
        // A new cgroup namespace is rooted where its creator stands: the init
        // unshares it only once it is in its cgroup.
        if (ns.path.empty() && ns.type == oci::NamespaceType::Cgroup) continue;
        if (ns.path.empty())
            flags |= static_cast<unsigned long>(clone_flag(ns.type));
        else if (ns.type == oci::NamespaceType::Pid)
            join_namespace(ns);  // only sets the namespace of runac's future children
    }
    // Without a stack, clone behaves like fork and takes namespace flags:
    // the child starts here, as the container's pid 1.
    long pid = -1;
    bool in_cgroup = false;
    if (cgroup_fd >= 0) {
        struct clone_args args = {};
        args.flags = flags | CLONE_INTO_CGROUP;
        args.exit_signal = SIGCHLD;
        args.cgroup = static_cast<uint64_t>(cgroup_fd);
        pid = ::syscall(SYS_clone3, &args, sizeof args);
        in_cgroup = pid >= 0;
        // Kernels before 5.7 (or a cgroup that refuses): migrate instead.
        if (pid < 0 && errno != ENOSYS && errno != E2BIG && errno != EINVAL && errno != EOPNOTSUPP)
            throw_errno("clone the container's init into its cgroup");
    }
    if (pid < 0) pid = ::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (pid < 0) throw_errno("clone the container's init");
    if (pid == 0) run_init(req);
    return {static_cast<pid_t>(pid), in_cgroup};
}

}  // namespace runac::linux
