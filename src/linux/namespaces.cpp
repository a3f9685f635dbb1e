#include "linux/namespaces.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/fd.hpp"

namespace runac::linux {

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

const char* proc_ns_name(oci::NamespaceType t) {
    switch (t) {
        case oci::NamespaceType::Pid: return "pid";
        case oci::NamespaceType::Network: return "net";
        case oci::NamespaceType::Mount: return "mnt";
        case oci::NamespaceType::Ipc: return "ipc";
        case oci::NamespaceType::Uts: return "uts";
        case oci::NamespaceType::User: return "user";
        case oci::NamespaceType::Cgroup: return "cgroup";
        case oci::NamespaceType::Time: return "time";
    }
    return "";
}

bool same_namespace(const std::string& a, const std::string& b) {
    struct stat sa, sb;
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

void join_namespace_fd(oci::NamespaceType type, int fd, const std::string& what) {
    if (::setns(fd, clone_flag(type)) != 0)
        throw_errno(std::string("join ") + oci::namespace_name(type) + " namespace " + what);
}

void join_namespace(const oci::Namespace& ns) {
    UniqueFd fd(::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno(std::string("join ") + oci::namespace_name(ns.type) + " namespace " + ns.path);
    join_namespace_fd(ns.type, fd.get(), ns.path);
}

Cloned clone_process(unsigned long flags, int cgroup_fd, int* pidfd) {
    // The child is born non-dumpable (the flag is copied with the memory):
    // it may be born into a pid namespace the container's processes see
    // (the container's own, for exec), and none of them may ptrace it or
    // open its /proc/PID/exe, runac's binary on the host, even before it
    // could say so itself. runac's own process loses nothing by it.
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    // Without a stack, clone behaves like fork and takes namespace flags.
    long pid = -1;
    bool in_cgroup = false;
    if (pidfd) flags |= CLONE_PIDFD;
    if (cgroup_fd >= 0) {
        struct clone_args args = {};
        args.flags = flags | CLONE_INTO_CGROUP;
        args.pidfd = reinterpret_cast<uint64_t>(pidfd);
        args.exit_signal = SIGCHLD;
        args.cgroup = static_cast<uint64_t>(cgroup_fd);
        pid = ::syscall(SYS_clone3, &args, sizeof args);
        in_cgroup = pid >= 0;
        // Kernels before 5.7 (or a cgroup that refuses): migrate instead.
        if (pid < 0 && errno != ENOSYS && errno != E2BIG && errno != EINVAL && errno != EOPNOTSUPP)
            throw_errno("clone into the container's cgroup");
    }
    // CLONE_PIDFD stores the pidfd where the parent's tid would go.
    if (pid < 0) pid = ::syscall(SYS_clone, flags | SIGCHLD, nullptr, pidfd, nullptr, nullptr);
    if (pid < 0) throw_errno("clone");
    return {static_cast<pid_t>(pid), in_cgroup};
}

}  // namespace runac::linux
