#include "agent/derive.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>
#include <sys/stat.h>

#include "agent/values.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "enforce/landlock.hpp"

namespace runac::agent {

namespace {

using enforce::PolicyMount;
namespace fs = enforce::fs;

bool has(const oci::Config& c, oci::NamespaceType type) {
    return std::any_of(c.linux.namespaces.begin(), c.linux.namespaces.end(), [&](auto& n) { return n.type == type; });
}

bool creates(const oci::Config& c, oci::NamespaceType type) {
    return std::any_of(c.linux.namespaces.begin(), c.linux.namespaces.end(),
                       [&](auto& n) { return n.type == type && n.path.empty(); });
}

bool has_option(const oci::Mount& m, const std::string& opt) {
    return std::find(m.options.begin(), m.options.end(), opt) != m.options.end();
}

void add_option(oci::Mount& m, const std::string& opt) {
    if (!has_option(m, opt)) m.options.push_back(opt);
}

bool writable(const oci::Mount& m) { return !has_option(m, "ro") && !has_option(m, "rro"); }

// The kernel interfaces programs need stay writable under any policy:
// their own filesystems (devpts, the POSIX shared memory and message queue
// mounts) and /proc, whose dangerous parts the masks and readonlyPaths
// below cover (and whose /proc/sys takes the config's sysctls first). /dev
// itself is made read-only once runac's setup is done (readonlyPaths): its
// device nodes stay writable there, since a read-only mount refuses changes
// to the filesystem, not writes to a device.
bool kernel_interface(const std::string& destination) {
    return destination == "/dev/pts" || destination == "/dev/shm" || destination == "/dev/mqueue" ||
           destination == "/proc";
}

// A bind of one of these gives the container the host's container runtime:
// a new privileged container is one request away.
const char* const kRuntimeSockets[] = {
    "docker.sock", "containerd.sock", "containerd/containerd.sock", "crio.sock", "crio/crio.sock",
    "podman.sock", "podman/podman.sock", "buildkitd.sock", "buildkit/buildkitd.sock", "docker/containerd/containerd.sock",
};

void refuse_runtime_sockets(const oci::Config& config) {
    for (size_t i = 0; i < config.mounts.size(); i++) {
        const oci::Mount& m = config.mounts[i];
        if (m.type != "bind" && !has_option(m, "bind") && !has_option(m, "rbind")) continue;
        std::string source = starts_with(m.source, "/") ? m.source : config.root_path + "/../" + m.source;
        struct stat st;
        if (::stat(source.c_str(), &st) != 0) continue;  // the mount itself will say what is wrong
        std::string what = "agent policy: mounts[" + std::to_string(i) + "]: " + m.source;
        std::string base = source.substr(source.find_last_of('/') + 1);
        if (S_ISSOCK(st.st_mode))
            for (const char* name : kRuntimeSockets)
                if (base == name) throw Error(what + " is a container runtime's socket");
        if (!S_ISDIR(st.st_mode)) continue;
        for (const char* name : kRuntimeSockets) {
            struct stat in;
            if (::stat((source + "/" + name).c_str(), &in) == 0 && S_ISSOCK(in.st_mode))
                throw Error(what + " holds a container runtime's socket (" + name + ")");
        }
    }
}

// The config mount a path lies on (the longest destination above it), or
// nullptr for the rootfs itself.
const oci::Mount* mount_holding(const oci::Config& config, const std::string& path) {
    const oci::Mount* best = nullptr;
    for (auto& m : config.mounts)
        if (path_within(path, m.destination) && (!best || m.destination.size() > best->destination.size())) best = &m;
    return best;
}

bool listed_writable(const Policy& p, const std::string& destination) {
    return std::any_of(p.write.begin(), p.write.end(), [&](auto& w) { return path_within(destination, w); });
}

// runc's default masks: kernel state a container has no business reading.
const char* const kMasked[] = {"/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
                               "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                               "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap"};
const char* const kReadonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};

void add_unique(std::vector<std::string>& list, const std::string& item) {
    if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

// With shell.commands, what the agent writes is not run, except in the
// filesystem.exec trees.
bool noexec_for(const Policy& p, const std::string& destination) {
    return p.commands && std::none_of(p.exec.begin(), p.exec.end(), [&](auto& e) { return path_within(destination, e); });
}

void edit_mounts(const Policy& policy, oci::Config& config) {
    for (auto& m : config.mounts) {
        if (!writable(m)) continue;
        // What stays writable cannot carry a set-uid program or a device in.
        add_option(m, "nosuid");
        if (m.destination != "/dev") add_option(m, "nodev");
        if (noexec_for(policy, m.destination)) add_option(m, "noexec");
        if (!kernel_interface(m.destination) && m.destination != "/dev" && !listed_writable(policy, m.destination))
            add_option(m, "ro");
    }
    config.root_readonly = true;
    for (auto* p : kMasked) add_unique(config.linux.masked_paths, p);
    for (auto* p : kReadonly) add_unique(config.linux.readonly_paths, p);
    if (std::any_of(config.mounts.begin(), config.mounts.end(), [](auto& m) { return m.destination == "/dev"; }))
        add_unique(config.linux.readonly_paths, "/dev");
}

// filesystem.write paths that are not mounts of their own become writable
// binds of themselves, where what holds them was writable to begin with: a
// policy never makes an engine's read-only mount (or root) writable.
std::vector<PolicyMount> policy_mounts(const Policy& policy, const oci::Config& original) {
    std::vector<PolicyMount> out;
    for (auto& w : policy.write) {
        const oci::Mount* holder = mount_holding(original, w);
        if (holder && holder->destination == w) continue;  // a mount already: edit_mounts kept it writable
        bool base_writable = holder ? writable(*holder) : !original.root_readonly;
        if (base_writable) out.push_back({PolicyMount::Kind::WritableBind, w, noexec_for(policy, w)});
    }
    // An exec tree inside a noexec writable path is a mount of its own.
    for (auto& e : policy.exec) {
        bool inside_noexec = std::any_of(out.begin(), out.end(), [&](auto& m) { return m.noexec && path_within(e, m.path); });
        const oci::Mount* holder = mount_holding(original, e);
        bool in_volume = holder && holder->destination != e && writable(*holder) && listed_writable(policy, holder->destination) &&
                         noexec_for(policy, holder->destination);
        if (policy.commands && (inside_noexec || in_volume) &&
            std::none_of(out.begin(), out.end(), [&](auto& m) { return m.path == e; }))
            out.push_back({PolicyMount::Kind::ExecBind, e, false});
    }
    for (auto& d : policy.deny) out.push_back({PolicyMount::Kind::Deny, d, false});
    return out;
}

// The kernel interfaces (above) as Landlock sees them: files and trees
// programs write and take ioctls on.
const char* const kDeviceFiles[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/console", "/dev/ptmx",
                                    "/dev/random", "/dev/urandom"};
const char* const kDeviceTrees[] = {"/dev/pts", "/dev/shm", "/dev/mqueue"};

// shell.commands with policy.escalation: prompt, where BPF LSM runs: its
// exec check is the allowlist, which an approval widens live.
bool live_exec_allowlist(const Policy& policy, const linux::KernelFeatures& kernel) {
    return policy.commands && policy.escalation == Escalation::Prompt && kernel.bpf_lsm.available;
}

enforce::Landlock landlock_plan(const Policy& policy, const linux::KernelFeatures& kernel) {
    enforce::Landlock l;
    if (!kernel.landlock.available) return l;
    l.abi = std::min(kernel.landlock_abi, enforce::kLandlockMaxAbi);
    l.handled_fs = enforce::fs_rights_of_abi(l.abi);
    // Without shell.commands any readable file may be executed (agents
    // build and run code): EXECUTE goes with reading. With it, EXECUTE is
    // granted on the exec trees here and on each allowed file by the init;
    // unless BPF LSM holds the allowlist (a Landlock domain cannot widen).
    bool commands = policy.commands && !live_exec_allowlist(policy, kernel);
    const uint64_t read = commands ? fs::kRead : fs::kRead | fs::kExecute;
    const uint64_t write = policy.commands ? l.handled_fs & ~fs::kExecute : l.handled_fs;
    if (!policy.read) {
        l.rules.push_back({"/", read});
    } else {
        for (auto& r : *policy.read) l.rules.push_back({r, read});
        // What every program reads: its own process's files, the devices.
        l.rules.push_back({"/proc", fs::kRead});
    }
    for (auto& w : policy.write) l.rules.push_back({w, write});
    if (policy.commands)
        for (auto& e : policy.exec) l.rules.push_back({e, fs::kRead | fs::kExecute});
    for (auto* f : kDeviceFiles) l.rules.push_back({f, fs::kReadFile | fs::kWriteFile | fs::kTruncate | fs::kIoctlDev});
    for (auto* t : kDeviceTrees) l.rules.push_back({t, write});
    // An agent sharing a network namespace must not reach the host's
    // abstract unix sockets (the CVE-2020-15257 class). Signals are not
    // scoped: the required pid namespace already bounds them, and a domain
    // cannot be joined, so each `runac exec` gets a domain of its own that
    // a scoped signal could not leave (`docker exec ... kill` of the agent).
    if (l.abi >= 6) l.scoped = enforce::kScopeAbstractUnixSocket;
    // Denials after the program's execve reach the kernel's audit records.
    if (l.abi >= 7) l.restrict_flags = enforce::kRestrictLogNewExecOn;
    return l;
}

// The secrets' tmpfs is runac's alone: a mount of the config's there would
// be hidden under it, or would hide it.
void plan_secrets(const Policy& policy, const oci::Config& config, enforce::Plan& plan) {
    if (policy.secrets.empty()) return;
    for (size_t i = 0; i < config.mounts.size(); i++)
        if (path_within(config.mounts[i].destination, enforce::kSecretsDir))
            throw Error("agent policy: mounts[" + std::to_string(i) + "]: " + config.mounts[i].destination +
                        " is where the policy's secrets are mounted");
    for (auto& s : policy.secrets) {
        plan.secrets.push_back(s.name);
        if (s.provider == SecretProvider::Env) add_unique(plan.secret_env, s.source);
    }
    if (policy.read && plan.landlock.abi) plan.landlock.rules.push_back({enforce::kSecretsDir, fs::kRead});
}

// network.egress and network.deny as the egress programs' maps hold them
// (addresses, networks) and as the monitor's resolver answers them (names).
enforce::Egress egress_plan(const Policy& policy, const linux::KernelFeatures& kernel) {
    enforce::Egress e;
    // Without cgroup BPF the rule table has refused a strict policy already.
    if ((!policy.egress && policy.network_deny.empty()) || !kernel.cgroup_bpf.available) return e;
    e.filtered = true;
    e.open = !policy.egress;
    auto host = [](const std::string& text) {
        std::string problem;
        return *parse_host(text, problem);  // validated by the parser
    };
    // An IPv4 network in IPv6 form (::ffff:a.b.c.d) is kept as IPv4: the
    // programs decide v4-mapped destinations as IPv4.
    auto network = [](const HostPattern& h) {
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (h.family == AF_INET6 && h.prefix >= 96 && std::memcmp(h.addr.data(), mapped, sizeof mapped) == 0) {
            char text[INET_ADDRSTRLEN];
            ::inet_ntop(AF_INET, h.addr.data() + 12, text, sizeof text);
            return std::string(text) + "/" + std::to_string(h.prefix - 96);
        }
        return h.kind == HostKind::Address ? h.text + "/" + std::to_string(h.prefix) : h.text;
    };
    auto by_address = [](const HostPattern& h) { return h.kind == HostKind::Address || h.kind == HostKind::Network; };
    for (auto& r : policy.egress.value_or(std::vector<EgressRule>{})) {
        auto h = host(r.host);
        auto protocol = static_cast<uint8_t>(r.protocol == Protocol::Udp ? IPPROTO_UDP : IPPROTO_TCP);
        if (by_address(h))
            e.allow.push_back({network(h), r.port, protocol});
        else
            e.names.push_back({h.text, r.port, protocol});
    }
    for (auto& d : policy.network_deny) {
        auto h = host(d);
        if (by_address(h))
            e.deny.push_back({network(h), 0, 0});
        else
            e.deny_names.push_back(h.text);
    }
    e.follow_dns = !e.names.empty() || !e.deny_names.empty();
    e.report = policy.audit_log;
    e.prompt = policy.escalation == Escalation::Prompt && !e.open;
    return e;
}

// What the BPF LSM programs check, where the kernel runs them: deny paths
// by file and by name, the exec allowlist without the loader as a command,
// secrets per tool, and executable memfds unless vm.memfd_noexec forbids
// them already (it costs nothing then).
enforce::Lsm lsm_plan(const Policy& policy, const enforce::Plan& plan, const linux::KernelFeatures& kernel) {
    enforce::Lsm l;
    if (!kernel.bpf_lsm.available) return l;
    l.deny = !policy.deny.empty();
    l.exec = plan.exec_allowlist;
    l.prompt = live_exec_allowlist(policy, kernel);
    // enforcement.require: bpf-lsm applies it beside the sysctl.
    l.memfd = !plan.memfd_noexec ||
              std::find(policy.require.begin(), policy.require.end(), Layer::BpfLsm) != policy.require.end();
    for (auto& s : policy.secrets)
        if (s.allowed_tools) l.secret_tools.push_back({s.name, *s.allowed_tools});
    l.attached = l.deny || l.exec || l.memfd || !l.secret_tools.empty();
    return l;
}

}  // namespace

const std::vector<enforce::Covers>& config_edit_covers() {
    using enforce::Mechanism;
    using enforce::Rule;
    static const std::vector<enforce::Covers> covers = {
        {Rule::Baseline, Mechanism::Mounts},
        {Rule::Baseline, Mechanism::Capabilities},
        {Rule::FilesystemWrite, Mechanism::Mounts},
    };
    return covers;
}

void apply_process_baseline(oci::Process& process) {
    // No capability in any set: no raw or packet sockets, no mounts, no
    // DAC override (a mode-000 deny over-mount holds even for uid 0).
    process.capabilities = oci::Capabilities{};
    // No set-uid or file-capability binary can give any of it back.
    process.no_new_privileges = true;
}

enforce::Plan derive(const Policy& policy, oci::Config& config, const linux::KernelFeatures& kernel) {
    if (!creates(config, oci::NamespaceType::Pid))
        throw Error("agent policy: linux.namespaces: a policy needs a new pid namespace");
    refuse_runtime_sockets(config);
    const oci::Config original = config;
    enforce::Plan plan;
    plan.mounts = policy_mounts(policy, original);
    edit_mounts(policy, config);
    apply_process_baseline(config.process);
    plan.landlock = landlock_plan(policy, kernel);
    plan_secrets(policy, config, plan);
    plan.egress = egress_plan(policy, kernel);
    plan.session_timeout = policy.session_timeout_seconds.value_or(0);
    if (policy.commands) {
        plan.exec_allowlist = true;
        for (auto& c : *policy.commands) plan.commands.push_back({c.binary, c.subcommands, c.deny_args});
    }
    // vm.memfd_noexec is written by the init through the host's /proc, which
    // a user namespace's root may not write: there seccomp does it.
    plan.memfd_noexec = kernel.memfd_noexec.available && !has(config, oci::NamespaceType::User);
    plan.lsm = lsm_plan(policy, plan, kernel);
    plan.agent_seccomp = true;
    // The last resort: without another memfd layer, no memfd at all.
    plan.refuse_memfd = !plan.memfd_noexec && !plan.lsm.memfd;
    return plan;
}

}  // namespace runac::agent
