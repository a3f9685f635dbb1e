#include "linux/init.hpp"

#include <cerrno>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "common/files.hpp"
#include "linux/console.hpp"
#include "linux/hooks.hpp"
#include "linux/namespaces.hpp"
#include "linux/program.hpp"
#include "linux/rootfs.hpp"
#include "linux/sync.hpp"

namespace runac::linux {

namespace {

// The parent's state JSON (compact, from our own writer) with another status.
std::string state_with_status(const std::string& json, const std::string& status) {
    std::string from = "\"status\":\"creating\"";
    auto pos = json.find(from);
    if (pos == std::string::npos) return json;
    return json.substr(0, pos) + "\"status\":\"" + status + "\"" + json.substr(pos + from.size());
}

[[noreturn]] void run_init(const InitRequest& req) {
    const oci::Config& config = *req.config;
    const oci::Process& process = config.process;
    try {
        reset_signal_handling();
        close_fds_except(req.preserve_fds, {req.sync_fd, req.fifo_fd});
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

}  // namespace

Cloned spawn_init(const InitRequest& req, int cgroup_fd) {
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
    // The child starts here, as the container's pid 1.
    Cloned child = clone_process(flags, cgroup_fd);
    if (child.pid == 0) run_init(req);
    return child;
}

}  // namespace runac::linux
