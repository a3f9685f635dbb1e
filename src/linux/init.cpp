#include "linux/init.hpp"

#include <cerrno>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "common/files.hpp"
#include "linux/console.hpp"
#include "linux/executables.hpp"
#include "linux/hooks.hpp"
#include "linux/lsm_files.hpp"
#include "linux/namespaces.hpp"
#include "linux/policy_mounts.hpp"
#include "linux/process.hpp"
#include "linux/program.hpp"
#include "linux/rootfs.hpp"
#include "linux/sync.hpp"
#include "linux/userns.hpp"

namespace runac::linux {

namespace {

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

// After Ready nobody listens on the channel: a failure goes to the
// container's stderr, which the engine shows, and the init exits.
[[noreturn]] void fail_to_stderr(const std::string& message, int status) {
    std::string line = message + "\n";
    (void)!::write(2, line.data(), line.size());
    ::_exit(status);
}

// The container's init, from clone(2) to execve(2), as one ordered
// sequence. Who runac is along the way:
//   steps 1-5   the host's root with every capability, in the container's
//               new namespaces (not yet in its user namespace, if any);
//   steps 6-16  with a user namespace, that namespace's root: uid 0 and
//               every capability there, none on the host;
//   step 17     confine: process.user with its capabilities, then
//               noNewPrivileges, seccomp last;
//   steps 18-20 the container's process in all but its program.
// The process is non-dumpable throughout (born so, and again after each
// change of uid): nothing in the container may ptrace it or open its
// /proc/PID/exe while it holds host resources.
[[noreturn]] void run_init(const InitRequest& req, bool joined) {
    const oci::Config& config = *req.config;
    const Channel parent(req.sync_fd);
    try {
        // 1. A clean slate: default signal handling, and none of runac's
        //    fds but the channel, the exec fifo and the idmapped trees.
        reset_signal_handling();
        std::vector<int> keep = req.idmapped_trees;
        keep.insert(keep.end(), req.deny_files.begin(), req.deny_files.end());
        keep.insert(keep.end(), {req.sync_fd, req.fifo_fd});
        close_fds_except(req.confinement.preserve_fds, keep);
        // 2. The parent has placed us in our cgroups and written our id
        //    mappings; Go carries the state the hooks receive.
        oci::State state = oci::parse_state(parent.expect(Msg::Go, "container init").payload);
        // 3. The namespaces given by path (unless the joiner entered them).
        if (!joined) join_namespaces_by_path(config.linux);
        // 4. The bundle is the setup's working directory (relative mount
        //    sources are found there), entered as the host's root: a user
        //    namespace's root may not be able to reach it (Docker's task
        //    directories), but keeps a working directory it is given.
        if (::chdir(req.bundle.c_str()) != 0) throw_errno("chdir " + req.bundle);
        // 5. A time namespace takes its offsets through /proc/self, which
        //    for a non-dumpable process only the host's root may write.
        if (is_new(config.linux, oci::NamespaceType::Time)) unshare_time_namespace(config.linux);
        // 6. Become the user namespace's root; the namespaces it owns are
        //    made now, by it.
        if (config.linux.has_namespace(oci::NamespaceType::User)) {
            become_namespace_root();
            if (unsigned long later = new_namespace_flags(config.linux, false); later && ::unshare(later) != 0)
                throw_errno("unshare the container's namespaces");
        }
        // 7. The cgroup namespace, rooted at the cgroup the parent put us in.
        if (is_new(config.linux, oci::NamespaceType::Cgroup) && ::unshare(CLONE_NEWCGROUP) != 0)
            throw_errno("unshare the cgroup namespace");
        // 8. A session keyring of the container's own (runc's default).
        if (!req.no_new_keyring && ::syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, req.id.c_str()) < 0 &&
            errno != ENOSYS)
            throw_errno("join a new session keyring");
        // 9. Names in the new UTS namespace.
        if (!config.hostname.empty() && ::sethostname(config.hostname.data(), config.hostname.size()) != 0)
            throw_errno("hostname: sethostname");
        if (!config.domainname.empty() && ::setdomainname(config.domainname.data(), config.domainname.size()) != 0)
            throw_errno("domainname: setdomainname");
        // 10. The rootfs and its mounts, still under the host's "/"; then
        //     the agent policy's.
        RootfsOptions rootfs;
        rootfs.cgroup_namespace = config.linux.has_namespace(oci::NamespaceType::Cgroup);
        rootfs.user_namespace = config.linux.has_namespace(oci::NamespaceType::User);
        rootfs.cgroup_paths = req.cgroup_paths;
        rootfs.idmapped_trees = req.idmapped_trees;
        if (rootfs.user_namespace)
            rootfs.bind_source_from_host = [&parent](size_t index) {
                parent.send(Msg::MountSource, std::to_string(index));
                return std::move(parent.expect(Msg::MountSource, "container init").fd);
            };
        rootfs.root_dev = req.root_dev;
        rootfs.root_ino = req.root_ino;
        UniqueFd root = mount_rootfs(config, rootfs);
        const std::string root_path = pinned_path(root);
        enforce::LsmFiles lsm_files;
        if (req.plan) {
            // The denied files, for the BPF LSM, before their over-mounts.
            if (req.plan->lsm.deny) find_denied(root.get(), req.plan->mounts, lsm_files);
            // The policy's own: write binds, deny over-mounts and the
            // secrets' tmpfs on top of the config's mounts (an engine's
            // volume included); and, while
            // "/" is the host's, no executable memfd in this pid namespace.
            mount_policy_paths(root_path, req.plan->mounts, req.deny_files);
            if (req.secrets) mount_secrets(root_path, *req.secrets, config.process.user.uid, config.process.user.gid);
            if (req.plan->memfd_noexec) forbid_executable_memfds();
        }
        // 11. The namespaces exist and the mounts are in place: prestart and
        //     createRuntime run now in runac's namespaces (by the parent),
        //     createContainer here, in the container's mount namespace.
        if (!config.hooks.prestart.empty() || !config.hooks.create_runtime.empty()) {
            parent.send(Msg::RunHooks);
            parent.expect(Msg::HooksDone, "container init");
        }
        // In the rootfs, as runc: a hook's relative paths point into it.
        if (!config.hooks.create_container.empty() && ::chdir(root_path.c_str()) != 0)
            throw_errno("chdir " + config.root_path);
        run_hooks(config.hooks.create_container, "createContainer", state);
        // 12. Into the rootfs; the host's "/" is detached.
        enter_rootfs(root_path, req.no_pivot);
        root.reset();
        // 13. The terminal, while /dev is still writable.
        if (config.process.terminal) {
            UniqueFd master = open_container_console(config.process.console_size, Console::Bind);
            parent.send(Msg::Console, "", master.get());
        }
        // 14. sysctls, read-only and masked paths, a read-only root.
        finish_rootfs(config);
        // 15. The program is found in the container's filesystem, as the
        //     container's root still: process.user may not read everything.
        Program program = prepare_program(config.process);
        //     With shell.commands, what may be executed is found here, in
        //     the filesystem the program will see; the parent keeps the
        //     list for `runac exec`. So are the files the BPF LSM programs
        //     name, which the parent puts in their maps.
        Confinement confinement = req.confinement;
        enforce::Landlock landlock;
        JsonWriter ready;
        ready.begin_object();
        if (req.plan && req.plan->exec_allowlist && confinement.landlock) {
            landlock = *confinement.landlock;
            Executables found = allow_executables(req.plan->commands, program.path, config.process.env, landlock);
            confinement.landlock = &landlock;
            write_executables(ready, found);
            if (req.plan->lsm.exec) find_executables(found, lsm_files);
        }
        if (req.plan && req.plan->lsm.attached) {
            find_secret_tools(req.plan->lsm.secret_tools, path_of(config.process.env), lsm_files);
            write_lsm_files(ready.key("lsm"), lsm_files);
        }
        ready.end_object();
        // 16-17. Confined: nothing after this needs a privilege.
        confine(confinement, parent);
        parent.send(Msg::Ready, ready.str());
        ::close(req.sync_fd);
        // 18. Parked until `runac start` writes one byte into the exec fifo.
        char byte;
        for (;;) {
            ssize_t n = ::read(req.fifo_fd, &byte, 1);
            if (n == 1) break;
            if (n < 0 && errno == EINTR) continue;
            fail_to_stderr("the exec fifo closed before start", 1);
        }
        ::close(req.fifo_fd);
        // 19. startContainer hooks, inside the container, before the program;
        //     they see the container as runc shows it then: created.
        state.status = oci::Status::Created;
        try {
            run_hooks(config.hooks.start_container, "startContainer", state);
        } catch (const Error& e) {
            fail_to_stderr(e.what(), 1);
        }
        // 20. The program.
        fail_to_stderr(exec_program(program), 127);
    } catch (const std::exception& e) {
        parent.fail(e.what());
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
            Channel(theirs.get()).send(Msg::InitCloned, init.in_cgroup ? "cgroup" : "", pidfd);
            ::_exit(0);
        } catch (const std::exception& e) {
            Channel(theirs.get()).fail(e.what());
        }
    }
    ChildProcess reaped(joiner.pid);
    theirs.reset();
    Message msg = Channel(ours.get()).expect(Msg::InitCloned, "runac create (from the namespace joiner)");
    // The pidfd's fdinfo names the pid as runac's pid namespace sees it.
    pid_t pid = 0;
    for (auto& line : split(read_file("/proc/self/fdinfo/" + std::to_string(msg.fd.get())), '\n'))
        if (starts_with(line, "Pid:")) pid = static_cast<pid_t>(std::stol(line.substr(4)));
    if (pid <= 0) throw Error("container init exited before it was ready (before runac could send it go)");
    return {pid, msg.payload == "cgroup"};
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
