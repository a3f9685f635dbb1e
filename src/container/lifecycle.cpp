#include "container/lifecycle.hpp"

#include <algorithm>
#include <functional>
#include <cerrno>
#include <optional>
#include <csignal>
#include <ctime>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/admission.hpp"
#include "audit/audit_log.hpp"
#include "agent/derive.hpp"
#include "agent/secrets.hpp"
#include "enforce/agent_seccomp.hpp"
#include "enforce/apparmor.hpp"
#include "enforce/egress.hpp"
#include "enforce/lsm.hpp"
#include "monitor/control.hpp"
#include "monitor/monitor.hpp"
#include "linux/kernel_features.hpp"
#include "cgroups/cgroup.hpp"
#include "cgroups/resources.hpp"
#include "cgroups/systemd.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/log.hpp"
#include "linux/console.hpp"
#include "linux/credentials.hpp"
#include "linux/hooks.hpp"
#include "linux/mount_sources.hpp"
#include "linux/init.hpp"
#include "linux/namespaces.hpp"
#include "linux/executables.hpp"
#include "linux/policy_mounts.hpp"
#include "linux/process.hpp"
#include "linux/seccomp.hpp"
#include "linux/sync.hpp"
#include "linux/userns.hpp"
#include "oci/config.hpp"

namespace runac::container {

namespace {

// Refusals beyond the config's own validation: they depend on how runac
// was called or on what the host has.
void check_request(const oci::Config& config, const CreateOptions& options) {
    if (!config.linux.has_namespace(oci::NamespaceType::Mount))
        throw Error("linux.namespaces: a mount namespace is required");
    // runc's rules: a terminal needs someone to hand its master to.
    if (config.process.terminal && options.console_socket.empty() && !options.console_master)
        throw Error("cannot allocate tty if runac will detach without setting console socket");
    // As runc: a profile asked for on a host without AppArmor is ignored.
    if (!config.process.apparmor_profile.empty() && !linux::apparmor_enabled())
        log::debug("process.apparmorProfile ignored: AppArmor is not enabled on this host");
    if (!config.process.terminal && !options.console_socket.empty())
        throw Error("cannot use console socket if runac will not detach or allocate tty");
    // A namespace given by path may be runac's own: its sysctls are the host's (as runc).
    for (auto& [key, value] : config.linux.sysctl) {
        const oci::Namespace* ns = config.linux.find_namespace(*oci::sysctl_namespace(key));
        if (!ns->path.empty() && linux::same_namespace(ns->path, "/proc/self/ns/" + std::string(linux::proc_ns_name(ns->type))))
            throw Error("linux.sysctl." + key + ": not allowed in the host's " + oci::namespace_name(ns->type) +
                        " namespace");
    }
}

// The parent's side of the init's conversation (linux/init.hpp) until it
// is ready: the hooks of runac's namespaces, its terminal's master, its
// seccomp listener fd. Each message says how far the init got, so an init
// that dies without a word is reported with its step and its end. MEANWHILE
// runs once the init has its go, beside the init's own setup. Returns what
// Ready carries (the executables shell.commands allows, or "").
std::string serve_init(const linux::Channel& init, const oci::Config& config, const CreateOptions& options, pid_t pid,
                const oci::State& state, const std::function<void()>& meanwhile) {
    std::string step = "after runac sent it go";
    auto died = [&]() -> Error {
        return Error("container init exited before it was ready (" + linux::how_child_ended(pid) + "), " + step);
    };
    try {
        init.send(linux::Msg::Go, oci::state_json(state));
    } catch (const Error&) {
        throw died();
    }
    meanwhile();
    for (;;) {
        auto m = init.receive();
        if (!m) throw died();
        switch (m->kind) {
            case linux::Msg::Ready: return m->payload;
            case linux::Msg::Failed: throw Error(m->payload);
            case linux::Msg::RunHooks:
                step = "after it asked for the prestart and createRuntime hooks";
                linux::run_hooks(config.hooks.prestart, "prestart", state);
                linux::run_hooks(config.hooks.create_runtime, "createRuntime", state);
                try {
                    init.send(linux::Msg::HooksDone);
                } catch (const Error&) {
                    throw died();
                }
                break;
            case linux::Msg::Console:
                step = "after it sent its console";
                if (!options.console_socket.empty())
                    linux::send_console(options.console_socket, m->fd.get());
                else
                    *options.console_master = std::move(m->fd);
                break;
            case linux::Msg::MountSource: {
                step = "after it asked for mounts[" + m->payload + "]'s source";
                auto index = parse_uint(m->payload);
                if (!index || *index >= config.mounts.size()) throw Error("container init: asked for no mount's source");
                UniqueFd source = linux::open_bind_source(pid, absolute_path(config.mounts[*index].source, state.bundle));
                try {
                    init.send(linux::Msg::MountSource, "", source.get());
                } catch (const Error&) {
                    throw died();
                }
                break;
            }
            case linux::Msg::SeccompNotify:
                step = "after it sent its seccomp listener fd";
                linux::send_to_seccomp_listener(*config.linux.seccomp, m->fd.get(), pid, state);
                break;
            default:
                throw Error(std::string("container init: sent ") + linux::message_name(m->kind) + " " + step +
                            ", where runac expected ready");
        }
    }
}

// As runc: a container with its own user and cgroup namespaces and a
// writable cgroup mount gets its cgroup v2 directory delegated to its root,
// so that a systemd or a nested runtime inside can manage it.
void delegate_cgroup(const cgroups::Cgroup& cgroup, const oci::Config& config) {
    const oci::Linux& l = config.linux;
    auto user = l.find_namespace(oci::NamespaceType::User);
    if (!user || !user->path.empty() || !l.has_namespace(oci::NamespaceType::Cgroup)) return;
    bool writable = false;
    for (auto& m : config.mounts)
        if (m.type == "cgroup" && std::find(m.options.begin(), m.options.end(), "ro") == m.options.end()) writable = true;
    if (!writable) return;
    auto root_of = [](const std::vector<oci::IdMapping>& maps) {
        for (auto& m : maps)
            if (m.container_id == 0) return m.host_id;
        return 0u;  // unreachable: the config requires 0 mapped
    };
    cgroup.delegate(root_of(l.uid_mappings), root_of(l.gid_mappings));
}

// --systemd-cgroup, a create that fails once systemd made the scope: the
// container's processes are killed and its cgroup removed first, then the
// unit is stopped, so that neither outlives the refusal.
class ScopeGuard {
public:
    ScopeGuard(const cgroups::Systemd& systemd, std::string unit, cgroups::Cgroup& cgroup)
        : systemd_(&systemd), unit_(std::move(unit)), cgroup_(cgroup) {}
    ScopeGuard(const ScopeGuard&) = delete;
    ~ScopeGuard() {
        if (!systemd_) return;
        try {
            cgroup_.destroy();
            systemd_->stop(unit_);
        } catch (const Error& e) {
            log::warn(e.what());
        }
    }
    void release() { systemd_ = nullptr; }

private:
    const cgroups::Systemd* systemd_;
    std::string unit_;
    cgroups::Cgroup& cgroup_;
};

}  // namespace

Container create(const std::string& root, const CreateOptions& options) {
    std::string cwd = current_dir();
    std::string bundle = absolute_path(options.bundle.empty() ? "." : options.bundle, cwd);
    std::string config_text = read_file_if_exists(bundle + "/config.json").value_or("");
    if (config_text.empty()) throw Error("config.json: cannot read " + bundle + "/config.json");
    oci::Config config = oci::parse_config(config_text, bundle);
    check_request(config, options);
    // The rootfs the init must mount: a root.path swapped afterwards is refused.
    struct stat rootfs;
    if (::stat(config.root_path.c_str(), &rootfs) != 0 || !S_ISDIR(rootfs.st_mode))
        throw Error("root.path: " + config.root_path + " is not a directory");
    // Before anything of the container exists, so that a refusal leaves
    // nothing. The policy edits the config the rest of create executes.
    agent::Admission agent = agent::admit(config.annotations, options.agent, options.id);
    std::optional<enforce::Plan> plan;
    std::vector<enforce::SecretFile> secrets;
    if (agent.policy) {
        secrets = agent::take_secrets(*agent.policy, config.process, options.agent);
        plan = agent::derive(*agent.policy, config, linux::kernel_features());
        // Where the host runs AppArmor and the engine named no profile, one
        // generated from the policy is the process's exec label.
        if (linux::kernel_features().apparmor.available && config.process.apparmor_profile.empty())
            config.process.apparmor_profile = plan->apparmor_profile = enforce::apparmor_profile_name(options.id);
        else if (linux::kernel_features().apparmor.available)
            log::info("agent policy: apparmor: the engine's profile " + config.process.apparmor_profile +
                      " stays; runac generates none");
    }
    std::optional<linux::SeccompFilter> seccomp;
    if (config.linux.seccomp) seccomp.emplace(*config.linux.seccomp, linux::kSeccompCacheDir);
    std::vector<linux::SeccompFilter> agent_seccomp;
    if (plan && plan->agent_seccomp)
        for (auto& filter : enforce::agent_seccomp(plan->refuse_memfd))
            agent_seccomp.emplace_back(filter, linux::kSeccompCacheDir);
    linux::Confinement confinement;
    confinement.process = &config.process;
    confinement.linux = &config.linux;
    confinement.seccomp = seccomp ? &*seccomp : nullptr;
    confinement.preserve_fds = options.preserve_fds;
    confinement.landlock = plan ? &plan->landlock : nullptr;
    confinement.agent_seccomp = &agent_seccomp;

    // The systemd driver's unit, and systemd reached, before anything exists.
    std::optional<cgroups::SystemdUnit> unit;
    std::optional<cgroups::Systemd> systemd;
    if (options.systemd_cgroup) {
        unit = cgroups::systemd_unit(config.linux.cgroups_path, options.id);
        systemd.emplace(cgroups::Systemd::connect());
    }

    Container c = Container::reserve(root, options.id);
    ContainerState& st = c.state();
    st.oci_version = config.oci_version;
    st.bundle = bundle;
    st.rootfs = config.root_path;
    st.annotations = config.annotations;
    st.grant_file = agent.grant_file;
    // Without the values env:// secrets took out of process.env.
    write_file_atomic(c.dir() + "/config.json",
                      plan ? agent::config_without_env(config_text, plan->secret_env) : config_text, 0600);
    std::vector<UniqueFd> deny_files;
    if (plan) {
        write_file_atomic(c.plan_path(), enforce::plan_json(*plan), 0600);
        size_t denied = std::count_if(plan->mounts.begin(), plan->mounts.end(),
                                      [](auto& m) { return m.kind == enforce::PolicyMount::Kind::Deny; });
        deny_files = linux::make_deny_files(c.deny_file_path(), denied);
    }
    if (::mkfifo(c.fifo_path().c_str(), 0600) != 0) throw_errno("create exec fifo");

    // What delete removes if this create is killed before the state exists,
    // recorded before the directories are made.
    // With systemd, runac makes the scope's directories too (systemd takes
    // them as they are), so that the init is still born into its cgroup.
    cgroups::Cgroup cgroup = cgroups::Cgroup::create(unit ? unit->cgroup : config.linux.cgroups_path, options.id,
                                                     [&](auto& paths) {
        std::string recorded;
        for (auto& p : paths) recorded += p + "\n";
        write_file_atomic(c.cgroup_record_path(), recorded, 0600);
    });
    // Limits are in force before the init runs a step of the container's
    // setup. Without systemd, before it exists: it is born into (v2) or moved
    // into (v1) a cgroup that already enforces them. With systemd, once the
    // scope exists: systemd writes the files of the unit's properties as it
    // makes it, the ones runac does not pass too.
    auto limit_cgroup = [&] {
        cgroups::apply_resources(cgroup, config.linux.resources, "linux.resources.");
        cgroups::apply_device_rules(cgroup, config);
        delegate_cgroup(cgroup, config);
    };
    if (!unit) limit_cgroup();
    st.cgroup_paths = cgroup.paths();
    bool egress_filtered = plan && plan->egress.filtered;
    if (egress_filtered && cgroup.unified_path().empty())
        throw Error("agent policy: network.egress: cgroup-bpf needs the container's cgroup v2 directory, and this "
                    "host has no cgroup2 hierarchy");
    if (plan && plan->lsm.attached && cgroup.unified_path().empty())
        throw Error("agent policy: bpf-lsm needs the container's cgroup v2 directory, and this host has no cgroup2 "
                    "hierarchy");

    // Held open read-write by the init alone: `start` can open it for
    // writing without blocking exactly while the init waits on it.
    UniqueFd fifo(::open(c.fifo_path().c_str(), O_RDWR | O_CLOEXEC));
    if (!fifo) throw_errno("open exec fifo");
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) throw_errno("socketpair");
    UniqueFd parent_end(pair[0]), child_end(pair[1]);

    // In the kernel before the init's aa_change_onexec names it.
    std::optional<enforce::AppArmorProfile> apparmor;
    if (plan && !plan->apparmor_profile.empty())
        apparmor.emplace(enforce::AppArmorProfile::load(plan->apparmor_profile,
                                                        enforce::apparmor_profile(plan->apparmor_profile, *plan)));

    std::vector<UniqueFd> idmapped = linux::make_idmapped_trees(config, bundle);
    linux::InitRequest request;
    for (auto& tree : idmapped) request.idmapped_trees.push_back(tree.get());
    request.config = &config;
    request.confinement = confinement;
    request.plan = plan ? &*plan : nullptr;
    for (auto& f : deny_files) request.deny_files.push_back(f.get());
    request.secrets = plan ? &secrets : nullptr;
    request.id = options.id;
    request.root_dev = rootfs.st_dev;
    request.root_ino = rootfs.st_ino;
    request.bundle = bundle;
    request.cgroup_paths = cgroup.paths();
    request.sync_fd = child_end.get();
    request.fifo_fd = fifo.get();
    request.no_pivot = options.no_pivot;
    request.no_new_keyring = options.no_new_keyring;
    UniqueFd unified;
    if (!cgroup.unified_path().empty())
        unified.reset(::open(cgroup.unified_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    auto spawned = linux::spawn_init(request, unified.get());
    pid_t init_pid = spawned.pid;
    linux::ChildProcess guard(init_pid);
    child_end.reset();
    fifo.reset();
    // In its cgroups before it runs a single step of the container's setup.
    cgroup.add_process(init_pid, spawned.in_cgroup ? cgroup.unified_path() : "");
    std::optional<ScopeGuard> scope;
    if (unit) {
        systemd->start_scope(*unit, init_pid, cgroups::resource_properties(config.linux.resources, !cgroup.v2()));
        scope.emplace(*systemd, unit->name, cgroup);
        st.systemd_unit = unit->name;
        limit_cgroup();
    }
    auto user = config.linux.find_namespace(oci::NamespaceType::User);
    if (user && user->path.empty())
        linux::write_id_mappings(init_pid, config.linux.uid_mappings, config.linux.gid_mappings, "linux.");
    linux::apply_limits_to(init_pid, config.process);
    auto stat = linux::read_proc_stat(init_pid);
    if (!stat) throw Error("container init exited before it was ready (" + linux::how_child_ended(init_pid) + ")");
    st.pid = init_pid;
    st.pid_start_time = stat->start_time;
    st.created = now_rfc3339nano();
    // The egress programs are loaded (the verifier's milliseconds) and
    // attached while the init sets up: in place before it reports ready, so
    // before the container's program is started. The init itself opens no
    // socket.
    std::optional<enforce::EgressFilter> egress;
    auto attach_egress = [&] {
        if (egress_filtered) egress.emplace(enforce::EgressFilter::attach(plan->egress, cgroup.unified_path()));
    };
    std::string ready = serve_init(linux::Channel(parent_end.get()), config, options, init_pid,
                                   oci_state(st, Status::Creating), attach_egress);
    // The BPF LSM programs, filled with the files the init found, are in
    // place before create returns, so before the container's program runs.
    std::optional<enforce::LsmPrograms> lsm;
    if (plan) {
        JsonDocument found = JsonDocument::parse(ready, "the init's ready message");
        if (plan->exec_allowlist) {
            for (auto& name : linux::keep_executables(found.root(), *plan))
                log::info("agent policy: shell.commands: " + name + " is not in the container's PATH; nothing to allow");
            write_file_atomic(c.plan_path(), enforce::plan_json(*plan), 0600);
        }
        if (plan->lsm.attached)
            lsm.emplace(enforce::LsmPrograms::attach(plan->lsm, enforce::parse_lsm_files(found.root().required("lsm")),
                                                      cgroup.unified_path()));
    }

    // policy.auditLog: opened now, so that the monitor can write to it too.
    audit::AuditLog audit_log;
    if (agent.policy && agent.policy->audit_log) {
        st.audit_log = audit::log_path(options.agent.audit_dir, options.id);
        audit_log = audit::AuditLog::open(st.audit_log, options.id);
    }
    // The session counts from create, which engines follow with start.
    if (plan && plan->session_timeout) st.session_deadline = ::time(nullptr) + plan->session_timeout;
    // Landlock's and seccomp's refusals reach the log through the kernel's
    // audit, when the host has it on; runac never turns it on.
    bool kernel_denials = plan && audit_log.is_open() && linux::kernel_features().kernel_audit.available;

    c.save();
    audit_log.append("create", [&](JsonWriter& w) {
        agent::audit_admission(w, agent, config.annotations);
        w.key("kernelRefusals").value(kernel_denials);
    });
    if (!options.pid_file.empty())
        write_file_atomic(absolute_path(options.pid_file, cwd), std::to_string(init_pid), 0644);
    // The monitor's resolver answers from the container's network namespace,
    // which the init (and the engine's hooks) have set up by now. The
    // monitor comes last, when only its record is left to write (beside the
    // state, saved already): `runac create`'s shares this process's memory
    // and starts once it has exited; `run`'s is a fork, whose pages are
    // copied as either process writes them.
    std::optional<monitor::Monitor> monitor;
    if (plan && monitor::needs_monitor(*plan, kernel_denials)) {
        monitor::MonitorSettings settings;
        settings.egress = &plan->egress;
        if (egress) settings.maps = egress->monitor_maps();
        if (lsm && plan->lsm.prompt) settings.lsm = lsm->monitor_maps();
        settings.session_deadline = st.session_deadline;
        settings.audit = audit_log.is_open() ? &audit_log : nullptr;
        settings.control_path = c.dir() + "/" + monitor::kControlSocket;
        settings.approval_timeout = options.agent.approval_timeout;
        settings.kernel_denials = kernel_denials;
        settings.plan = &*plan;
        settings.status_path = c.monitor_status_path();
        monitor.emplace(monitor::Monitor::start(
            settings, init_pid, options.exits_after ? monitor::MonitorStart::AfterCallerExits : monitor::MonitorStart::Fork));
        c.record_monitor(monitor->pid(), monitor->start_time());
    }

    guard.release();
    if (egress) egress->keep();
    if (lsm) lsm->keep();
    if (apparmor) apparmor->keep();
    if (monitor) monitor->keep();
    if (scope) scope->release();
    cgroup.release();
    c.commit();
    return c;
}

void start(Container& c) {
    switch (c.status()) {
        case Status::Created: break;
        case Status::Stopped: throw Error("cannot start a container that has stopped");
        default: throw Error("cannot start an already running container");
    }
    UniqueFd fifo(::open(c.fifo_path().c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fifo) {
        // ENXIO: no reader, the init is gone.
        if (errno == ENXIO) throw Error("cannot start a container that has stopped");
        throw_errno("open exec fifo");
    }
    // The container's program starts once its monitor is ready (its
    // resolver published, its approvals socket bound).
    if (!c.await_monitor())
        log::warn("agent policy: network names: the container's network namespace has no loopback address; "
                  "names do not resolve");
    if (::write(fifo.get(), "0", 1) != 1) throw_errno("write exec fifo");
    if (::unlink(c.fifo_path().c_str()) != 0) throw_errno("remove exec fifo");
    c.audit("start");
    // runtime-spec: a failing poststart hook is a warning; the container runs on.
    linux::run_hooks_warning_on_failure(c.config().hooks.poststart, "poststart", oci_state(c.state(), Status::Running));
}

void remove(Container& c, bool force) {
    Status s = c.status();
    if ((s == Status::Running || s == Status::Paused) && !force)
        throw Error("cannot delete container " + c.state().id + " that is not stopped: " + status_name(s));
    oci::Config config = c.config();
    c.destroy();
    // runtime-spec: poststop hooks run after the container is gone; a failure is a warning.
    linux::run_hooks_warning_on_failure(config.hooks.poststop, "poststop", oci_state(c.state(), Status::Stopped));
}

}  // namespace runac::container
