#include "linux/join.hpp"

#include <sys/prctl.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/files.hpp"
#include "linux/console.hpp"
#include "linux/program.hpp"
#include "linux/sync.hpp"
#include "linux/userns.hpp"

namespace runac::linux {

namespace {

[[noreturn]] void run_joined(const JoinRequest& req) {
    const oci::Process& process = *req.process;
    try {
        reset_signal_handling();
        std::vector<int> keep = {req.sync_fd};
        for (auto& [type, fd] : req.namespaces) keep.push_back(fd);
        close_fds_except(req.preserve_fds, keep);
        auto go = receive_message(req.sync_fd);
        if (!go || go->text != "go") ::_exit(1);
        // Born non-dumpable (clone_process): though the container's
        // processes can see it, none of them may ptrace it or open its
        // /proc/PID/exe (runac's binary on the host: the CVE-2019-5736 class).
        // The user namespace after the others, which the host's root may
        // enter whoever owns them; the mount namespace last: joining it also
        // moves our root and cwd to the container's root.
        using oci::NamespaceType;
        auto join = [&](auto wanted) {
            for (auto& [type, fd] : req.namespaces)
                if (wanted(type)) join_namespace_fd(type, fd, "of the container");
        };
        join([](NamespaceType t) { return t != NamespaceType::User && t != NamespaceType::Mount; });
        join([](NamespaceType t) { return t == NamespaceType::User; });
        join([](NamespaceType t) { return t == NamespaceType::Mount; });
        bool user = false;
        for (auto& [type, fd] : req.namespaces) user = user || type == NamespaceType::User;
        for (auto& [type, fd] : req.namespaces) ::close(fd);
        if (user) {
            become_namespace_root();
            ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);  // a change of uid resets it
        }
        if (process.terminal) {
            UniqueFd master = open_container_console(process.console_size, Console::Leave);
            send_with_fd(req.sync_fd, "console", master.get());
        }
        Program program = prepare_program(process);
        confine(process, req.config->linux, req.seccomp, req.sync_fd, req.preserve_fds);
        send_message(req.sync_fd, "ready");
        std::string error = exec_program(program);
        send_message(req.sync_fd, "error:" + error);
        ::_exit(127);
    } catch (const std::exception& e) {
        fail_to_parent(req.sync_fd, e.what());
    }
}

}  // namespace

Cloned spawn_joined(const JoinRequest& req, int cgroup_fd) {
    Cloned child = clone_process(0, cgroup_fd);
    if (child.pid == 0) run_joined(req);
    return child;
}

}  // namespace runac::linux
