#include "container/exec.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <optional>

#include "agent/derive.hpp"
#include "agent/secrets.hpp"
#include "cgroups/cgroup.hpp"
#include "enforce/agent_seccomp.hpp"
#include "enforce/exec_boundary.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/log.hpp"
#include "linux/console.hpp"
#include "linux/credentials.hpp"
#include "linux/join.hpp"
#include "linux/namespaces.hpp"
#include "linux/process.hpp"
#include "linux/sync.hpp"

namespace runac::container {

namespace {

Status check_status(const Container& c, bool ignore_paused) {
    Status s = c.status();
    switch (s) {
        case Status::Stopped: throw Error("cannot exec in a stopped container");
        case Status::Paused:
            if (!ignore_paused) throw Error("cannot exec in a paused container (use --ignore-paused to override)");
            break;
        default: break;
    }
    return s;
}

// "cpu,,memory" -> {"cpu", "memory"}.
std::vector<std::string> names(const std::string& list) {
    std::vector<std::string> out = split(list, ',');
    std::erase(out, "");
    return out;
}

// Whether the hierarchy holding cgroup directory `dir` has one of `wanted`.
bool has_controller(const std::vector<cgroups::Hierarchy>& hierarchies, const std::string& dir,
                    const std::vector<std::string>& wanted) {
    for (auto& h : hierarchies) {
        if (h.unified || !starts_with(dir, h.mountpoint + "/")) continue;
        for (auto& own : names(h.controllers))
            for (auto& w : wanted)
                if (own == w) return true;
    }
    return false;
}

// --cgroup [CONTROLLER[,...]:]SUBPATH: the process goes into an existing
// sub-cgroup of the container's, in the hierarchies of those controllers
// (in every hierarchy without a controller list), as runc does.
std::vector<std::string> target_cgroups(const std::vector<std::string>& paths, const std::vector<std::string>& specs) {
    std::vector<std::string> out = paths;
    if (specs.empty()) return out;
    auto hierarchies = cgroups::discover();
    for (const std::string& spec : specs) {
        std::vector<std::string> controllers;
        std::string sub = spec;
        if (auto colon = spec.find(':'); colon != std::string::npos) {
            controllers = names(spec.substr(0, colon));
            sub = spec.substr(colon + 1);
        }
        if (sub.empty() || sub[0] == '/' || absolute_path(sub, "/") != "/" + sub)
            throw Error("--cgroup: " + sub + " is not a sub cgroup path");
        for (size_t i = 0; i < paths.size(); i++) {
            if (!controllers.empty() && !has_controller(hierarchies, paths[i], controllers)) continue;
            std::string dir = paths[i] + "/" + sub;
            struct stat st;
            if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
                throw Error("--cgroup: \"" + spec + "\": no such sub-cgroup " + dir);
            out[i] = dir;
        }
    }
    return out;
}

// The init's namespaces, as fds, opened while the init is known to be the
// container's (pid and start time): a recycled pid must not be joined.
struct InitNamespaces {
    std::vector<std::pair<oci::NamespaceType, UniqueFd>> fds;
    UniqueFd pid;  // entered by runac itself before it clones
};
InitNamespaces open_namespaces(const Container& c, const oci::Config& config) {
    InitNamespaces ns;
    const ContainerState& st = c.state();
    for (auto& n : config.linux.namespaces) {
        // The init enters its time namespace only when it execs its program:
        // before `start`, the container's is still the one for its children.
        std::string name = n.type == oci::NamespaceType::Time ? "time_for_children" : linux::proc_ns_name(n.type);
        std::string path = "/proc/" + std::to_string(st.pid) + "/ns/" + name;
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) throw_errno(std::string("open the container's ") + oci::namespace_name(n.type) + " namespace");
        if (n.type == oci::NamespaceType::Pid)
            ns.pid = std::move(fd);
        else
            ns.fds.emplace_back(n.type, std::move(fd));
    }
    if (!linux::is_alive(st.pid, st.pid_start_time)) throw Error("cannot exec in a stopped container");
    return ns;
}

// The parent's side of the exec'd process's conversation (linux/join.hpp):
// EOF after Ready is its execve.
void serve_process(const linux::Channel& process, const Container& c, const oci::Config& config,
                   const ExecOptions& options, pid_t pid) {
    std::string step = "after runac sent it go";
    bool ready = false;
    auto died = [&]() -> Error {
        return Error("the process died before it could run the program (" + linux::how_child_ended(pid) + "), " + step);
    };
    try {
        process.send(linux::Msg::Go);
    } catch (const Error&) {
        throw died();
    }
    for (;;) {
        auto m = process.receive();
        if (!m && ready) return;
        if (!m) throw died();
        switch (m->kind) {
            case linux::Msg::Ready: ready = true; break;
            case linux::Msg::Failed: throw Error(m->payload);
            case linux::Msg::Console:
                step = "after it sent its console";
                if (!options.console_socket.empty())
                    linux::send_console(options.console_socket, m->fd.get());
                else if (options.console_master)
                    *options.console_master = std::move(m->fd);
                break;
            case linux::Msg::SeccompNotify:
                step = "after it sent its seccomp listener fd";
                linux::send_to_seccomp_listener(*config.linux.seccomp, m->fd.get(), pid, oci_state(c.state(), c.status()));
                break;
            default:
                throw Error(std::string("exec: the process sent ") + linux::message_name(m->kind) + " " + step +
                            ", where runac expected ready");
        }
    }
}

}  // namespace

pid_t exec(const Container& c, const ExecOptions& options) {
    Status status = check_status(c, options.ignore_paused);
    oci::Config config = c.config();
    // A policy container's processes all get its confinement: the same
    // process baseline, Landlock domain and agent filter as its init.
    std::optional<enforce::Plan> plan = c.plan();
    oci::Process process = options.process;
    if (plan) {
        try {
            enforce::check_exec(*plan, process.args, config.process.args.empty() ? "" : config.process.args[0]);
        } catch (const Error& e) {
            c.audit("exec", [&](JsonWriter& w) { w.key("argv").strings(process.args).key("refused").value(e.what()); });
            throw;
        }
        c.audit("exec", [&](JsonWriter& w) { w.key("argv").strings(process.args); });
        c.await_monitor();
        agent::apply_process_baseline(process);
        // The profile generated from the policy, whatever the engine asks.
        if (!plan->apparmor_profile.empty()) process.apparmor_profile = plan->apparmor_profile;
        // An engine passes the container's environment again (docker exec):
        // a secret stays a file, never a variable.
        agent::remove_env(process.env, plan->secret_env);
    }
    if (!process.apparmor_profile.empty() && !linux::apparmor_enabled())
        log::debug("process.apparmorProfile ignored: AppArmor is not enabled on this host");
    // The container's filter applies to every process in it.
    std::optional<linux::SeccompFilter> seccomp;
    if (config.linux.seccomp) seccomp.emplace(*config.linux.seccomp, linux::kSeccompCacheDir);
    std::vector<linux::SeccompFilter> agent_seccomp;
    if (plan && plan->agent_seccomp)
        for (auto& filter : enforce::agent_seccomp(plan->refuse_memfd))
            agent_seccomp.emplace_back(filter, linux::kSeccompCacheDir);
    cgroups::Cgroup cgroup = cgroups::Cgroup::from_paths(target_cgroups(c.state().cgroup_paths, options.cgroups));
    InitNamespaces ns = open_namespaces(c, config);

    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) throw_errno("socketpair");
    UniqueFd parent_end(pair[0]), child_end(pair[1]);
    linux::JoinRequest request;
    request.confinement.process = &process;
    request.confinement.linux = &config.linux;
    request.confinement.seccomp = seccomp ? &*seccomp : nullptr;
    request.confinement.preserve_fds = options.preserve_fds;
    request.confinement.landlock = plan ? &plan->landlock : nullptr;
    request.confinement.agent_seccomp = &agent_seccomp;
    for (auto& [type, fd] : ns.fds) request.namespaces.emplace_back(type, fd.get());
    request.sync_fd = child_end.get();
    // setns(CLONE_NEWPID) only decides where our next child is born.
    if (ns.pid) linux::join_namespace_fd(oci::NamespaceType::Pid, ns.pid.get(), "of the container");
    UniqueFd unified;
    if (!cgroup.unified_path().empty())
        unified.reset(::open(cgroup.unified_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    // In a paused container the new process is frozen as it joins, until
    // `resume`, which needs the lock: let go of it first (the child's copy
    // of the lock's fd would otherwise hold it, frozen).
    if (status == Status::Paused) c.unlock();
    linux::Cloned child = linux::spawn_joined(request, unified.get());
    linux::ChildProcess guard(child.pid);
    child_end.reset();
    cgroup.add_process(child.pid, child.in_cgroup ? cgroup.unified_path() : "");
    linux::apply_limits_to(child.pid, process);
    serve_process(linux::Channel(parent_end.get()), c, config, options, child.pid);
    return guard.release();
}

}  // namespace runac::container
