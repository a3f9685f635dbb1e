#include "linux/init.hpp"

#include <cerrno>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "common/files.hpp"
#include "linux/console.hpp"
#include "linux/hooks.hpp"
#include "linux/namespaces.hpp"
#include "linux/process.hpp"
#include "linux/program.hpp"
#include "linux/rootfs.hpp"
#include "linux/sync.hpp"
#include "linux/userns.hpp"

namespace runac::linux {

namespace {

// The parent's state JSON (compact, from our own writer) with another status.
std::string state_with_status(const std::string& json, const std::string& status) {
    std::string from = "\"status\":\"creating\"";
    auto pos = json.find(from);
    if (pos == std::string::npos) return json;
    return json.substr(0, pos) + "\"status\":\"" + status + "\"" + json.substr(pos + from.size());
}

bool is_new(const oci::Linux& linux, oci::NamespaceType type) {
    const oci::Namespace* ns = linux.find_namespace(type);
    return ns && ns->path.empty();
}

// The namespaces given by path, the user namespace last: as the host's root
// runac may enter any namespace, as a user namespace's root only its own.
void join_namespaces_by_path(const oci::Linux& linux) {
    for (auto& ns : linux.namespaces)
        if (!ns.path.empty() && ns.type != oci::NamespaceType::Pid && ns.type != oci::NamespaceType::User)
            join_namespace(ns);
    if (auto user = linux.find_namespace(oci::NamespaceType::User); user && !user->path.empty()) join_namespace(*user);
}

// The new namespaces the clone creates, and those the init unshares later.
// A new cgroup namespace is rooted where its creator stands: the init
// unshares it once it is in its cgroup. CLONE_NEWTIME shares its bit with
// clone(2)'s exit signal, and a time namespace takes offsets only before a
// process enters it: the init unshares that one too. With a user namespace,
// as under runc, the mount, network, IPC and UTS namespaces are made by the
// container's root (an mqueue's root directory is its creator's, say).
unsigned long new_namespace_flags(const oci::Linux& linux, bool by_clone) {
    bool user = linux.has_namespace(oci::NamespaceType::User);
    unsigned long flags = 0;
    for (auto& ns : linux.namespaces) {
        if (!ns.path.empty() || ns.type == oci::NamespaceType::Cgroup || ns.type == oci::NamespaceType::Time) continue;
        bool at_clone = !user || ns.type == oci::NamespaceType::User || ns.type == oci::NamespaceType::Pid;
        if (at_clone == by_clone) flags |= static_cast<unsigned long>(clone_flag(ns.type));
    }
    return flags;
}

[[noreturn]] void run_init(const InitRequest& req, bool joined) {
    const oci::Config& config = *req.config;
    const oci::Process& process = config.process;
    try {
        // Born non-dumpable (clone_process): nobody in the container may
        // ptrace it while it holds host resources (fds, the host's mounts).
        reset_signal_handling();
        std::vector<int> keep = req.idmapped_trees;
        keep.insert(keep.end(), {req.sync_fd, req.fifo_fd});
        close_fds_except(req.preserve_fds, keep);
        // "go:STATE": the parent placed us in our cgroups and wrote our id
        // mappings; STATE is the container's state JSON the hooks receive.
        auto go = receive_message(req.sync_fd);
        if (!go || !starts_with(go->text, "go:")) ::_exit(1);
        const std::string state_json = go->text.substr(3);
        if (!joined) join_namespaces_by_path(config.linux);
        // The bundle is the working directory of the setup (relative sources
        // are found there), entered while runac is still the host's root: a
        // user namespace's root may not be able to reach it (Docker's task
        // directories are not), but keeps a working directory it is given.
        if (::chdir(req.bundle.c_str()) != 0) throw_errno("chdir " + req.bundle);
        // Still the host's uid: /proc/self of a non-dumpable process is
        // root's, and the time offsets are written there.
        if (is_new(config.linux, oci::NamespaceType::Time)) unshare_time_namespace(config.linux);
        if (config.linux.has_namespace(oci::NamespaceType::User)) {
            become_namespace_root();
            ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);  // a change of uid resets it
            if (unsigned long later = new_namespace_flags(config.linux, false); later && ::unshare(later) != 0)
                throw_errno("unshare the container's namespaces");
        }
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
        RootfsOptions rootfs;
        rootfs.no_pivot = req.no_pivot;
        rootfs.cgroup_namespace = cgroupns != nullptr;
        rootfs.user_namespace = config.linux.has_namespace(oci::NamespaceType::User);
        rootfs.cgroup_paths = req.cgroup_paths;
        rootfs.idmapped_trees = req.idmapped_trees;
        rootfs.after_pivot = [&] {
            if (!process.terminal) return;
            UniqueFd master = open_container_console(process.console_size, Console::Bind);
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
        Program program = prepare_program(process);
        confine(process, config.linux, req.seccomp, req.sync_fd, req.preserve_fds);
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
        std::string msg = exec_program(program) + "\n";
        (void)!::write(2, msg.data(), msg.size());
        ::_exit(127);
    } catch (const std::exception& e) {
        fail_to_parent(req.sync_fd, e.what());
    }
}

// With a user namespace, the namespaces given by path are entered before the
// init is cloned: as the host's root (the container's root could not enter
// the host-owned network namespace Podman made, say), and so that the new
// ones belong to the user namespace. A short-lived process does the joining,
// so runac stays where it is; the init is its sibling (CLONE_PARENT), a
// child of runac's, whose pid comes back as a pidfd.
Cloned spawn_through_joiner(const InitRequest& req, unsigned long flags, int cgroup_fd) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) throw_errno("socketpair");
    UniqueFd ours(pair[0]), theirs(pair[1]);
    Cloned joiner = clone_process(0, -1);
    if (joiner.pid == 0) {
        try {
            join_namespaces_by_path(req.config->linux);
            int pidfd = -1;
            Cloned init = clone_process(flags | CLONE_PARENT, cgroup_fd, &pidfd);
            if (init.pid == 0) run_init(req, true);
            send_with_fd(theirs.get(), init.in_cgroup ? "init:cgroup" : "init", pidfd);
            ::_exit(0);
        } catch (const std::exception& e) {
            fail_to_parent(theirs.get(), e.what());
        }
    }
    ChildProcess reaped(joiner.pid);
    theirs.reset();
    auto msg = receive_message(ours.get());
    if (!msg) throw Error("the namespace joiner died");
    UniqueFd pidfd(msg->fd);
    if (starts_with(msg->text, "error:")) throw Error(msg->text.substr(6));
    // The pidfd's fdinfo names the pid as runac's pid namespace sees it.
    pid_t pid = 0;
    for (auto& line : split(read_file("/proc/self/fdinfo/" + std::to_string(pidfd.get())), '\n'))
        if (starts_with(line, "Pid:")) pid = static_cast<pid_t>(std::stol(line.substr(4)));
    if (pid <= 0) throw Error("the container init exited before it was ready");
    return {pid, msg->text == "init:cgroup"};
}

}  // namespace

Cloned spawn_init(const InitRequest& req, int cgroup_fd) {
    const oci::Linux& linux = req.config->linux;
    bool joins = false;
    for (auto& ns : linux.namespaces) {
        if (ns.path.empty()) continue;
        if (ns.type == oci::NamespaceType::Pid)
            join_namespace(ns);  // only sets the namespace of runac's future children
        else
            joins = true;
    }
    if (joins && linux.has_namespace(oci::NamespaceType::User))
        return spawn_through_joiner(req, new_namespace_flags(linux, true), cgroup_fd);
    // The child starts here, as the container's pid 1.
    Cloned child = clone_process(new_namespace_flags(linux, true), cgroup_fd);
    if (child.pid == 0) run_init(req, false);
    return child;
}

}  // namespace runac::linux
