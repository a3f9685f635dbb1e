#include "linux/join.hpp"

#include <unistd.h>

#include "common/error.hpp"
#include "common/files.hpp"
#include "linux/console.hpp"
#include "linux/program.hpp"
#include "linux/sync.hpp"
#include "linux/userns.hpp"

namespace runac::linux {

namespace {

// The same steps as the init's (linux/init.cpp) where they apply to a
// process that enters a built container: the host's root until it joins
// the user namespace, that namespace's root until confine, then the
// container's process.
[[noreturn]] void run_joined(const JoinRequest& req) {
    const oci::Process& process = *req.confinement.process;
    const Channel parent(req.sync_fd);
    try {
        // 1. A clean slate: default signals, none of runac's fds but the
        //    channel and the namespaces.
        reset_signal_handling();
        std::vector<int> keep = {req.sync_fd};
        for (auto& [type, fd] : req.namespaces) keep.push_back(fd);
        close_fds_except(req.confinement.preserve_fds, keep);
        // 2. The parent has placed us in the container's cgroups.
        parent.expect(Msg::Go, "exec'd process");
        // 3. The container's namespaces. Born non-dumpable (clone_process):
        //    though the container's processes can see us, none may ptrace
        //    us or open our /proc/PID/exe (runac's binary on the host: the
        //    CVE-2019-5736 class). The user namespace after the others,
        //    which the host's root may enter whoever owns them; the mount
        //    namespace last: joining it also moves our root and cwd to the
        //    container's root.
        using oci::NamespaceType;
        auto join = [&](auto wanted) {
            for (auto& [type, fd] : req.namespaces)
                if (wanted(type)) join_namespace_fd(type, fd, "of the container");
        };
        join([](NamespaceType t) { return t != NamespaceType::User && t != NamespaceType::Mount; });
        join([](NamespaceType t) { return t == NamespaceType::User; });
        join([](NamespaceType t) { return t == NamespaceType::Mount; });
        for (auto& [type, fd] : req.namespaces) ::close(fd);
        // 6. The user namespace's root, as the init became.
        if (req.confinement.linux->has_namespace(NamespaceType::User)) become_namespace_root();
        // 13. A terminal of its own, on the container's devpts.
        if (process.terminal) {
            UniqueFd master = open_container_console(process.console_size, Console::Leave);
            parent.send(Msg::Console, "", master.get());
        }
        // 15-17. Found, then confined exactly as the init.
        Program program = prepare_program(process);
        confine(req.confinement, parent);
        parent.send(Msg::Ready);
        // 20. The program; the channel closes with the exec (O_CLOEXEC).
        std::string error = exec_program(program);
        parent.send(Msg::Failed, error);
        ::_exit(127);
    } catch (const std::exception& e) {
        parent.fail(e.what());
    }
}

}  // namespace

Cloned spawn_joined(const JoinRequest& req, int cgroup_fd) {
    Cloned child = clone_process(0, cgroup_fd);
    if (child.pid == 0) run_joined(req);
    return child;
}

}  // namespace runac::linux
