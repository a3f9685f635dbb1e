#include "container/hooked.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <optional>

#include "agent/admission.hpp"
#include "agent/derive.hpp"
#include "audit/audit_log.hpp"
#include "cgroups/cgroup.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/log.hpp"
#include "container/container.hpp"
#include "container/state.hpp"
#include "enforce/egress.hpp"
#include "linux/kernel_features.hpp"
#include "linux/process.hpp"
#include "monitor/monitor.hpp"
#include "oci/config.hpp"

namespace runac::container {

namespace {

constexpr int kMonitorGraceMs = 300;

std::string record_dir(const std::string& id) {
    validate_id(id);
    return std::string(kHookRoot) + "/" + id;
}

// The hook's directory for one container, removed again unless kept.
class Record {
public:
    explicit Record(const std::string& id) : dir_(record_dir(id)) {
        make_dirs(kHookRoot, 0700, "hook state root");
        if (::mkdir(dir_.c_str(), 0700) != 0) {
            if (errno == EEXIST) throw Error("hook: container " + id + " has a policy applied already");
            throw_errno("hook: create " + dir_);
        }
    }
    ~Record() {
        if (!kept_) remove(dir_);
    }
    const std::string& dir() const { return dir_; }
    void save(const ContainerState& st) const { write_file_atomic(dir_ + "/state.json", serialize(st), 0600); }
    void keep() { kept_ = true; }
    // Every file in it is the hook's.
    static void remove(const std::string& dir) {
        for (auto& f : files_in(dir)) ::unlink((dir + "/" + f).c_str());
        ::rmdir(dir.c_str());
    }

private:
    std::string dir_;
    bool kept_ = false;
};

// The egress programs filter a cgroup as a whole: the container's must be
// its own, holding nothing but its init yet.
std::string container_cgroup(pid_t init) {
    std::string dir = cgroups::unified_dir_of(init);
    if (dir.empty())
        throw Error("agent policy: network.egress: cgroup-bpf needs the container's cgroup v2 directory, and the "
                    "container has none");
    if (cgroups::unified_cgroup_of(init) == "/")
        throw Error("agent policy: network.egress: the container is in the root cgroup v2 directory; filtering it "
                    "would filter the host");
    for (auto& line : lines(read_file(dir + "/cgroup.procs")))
        if (!line.empty() && std::stoi(line) != init)
            throw Error("agent policy: network.egress: the container's cgroup " + dir + " holds process " + line +
                        ", which is not the container's; its programs would filter it too");
    return dir;
}

}  // namespace

void hook_create_runtime(const oci::State& state, const agent::Settings& settings) {
    if (state.bundle.empty()) throw Error("hook: the state names no bundle");
    std::string config_text = read_file_if_exists(state.bundle + "/config.json").value_or("");
    if (config_text.empty()) throw Error("config.json: cannot read " + state.bundle + "/config.json");
    oci::Config config = oci::parse_config(config_text, state.bundle);
    agent::Admission agent = agent::admit(config.annotations, settings, state.id, agent::Applier::Hook);
    if (!agent.policy) return;
    enforce::Plan plan = agent::derive(*agent.policy, config, linux::kernel_features());
    auto stat = state.pid > 0 ? linux::read_proc_stat(state.pid) : std::nullopt;
    if (!stat) throw Error("hook: the container's process (pid " + std::to_string(state.pid) + ") is gone");

    Record record(state.id);
    ContainerState st;
    st.oci_version = config.oci_version;
    st.id = state.id;
    st.pid = state.pid;
    st.pid_start_time = stat->start_time;
    st.bundle = state.bundle;
    st.rootfs = config.root_path;
    st.created = now_rfc3339nano();
    std::optional<enforce::EgressFilter> egress;
    if (plan.egress.filtered) {
        std::string cgroup = container_cgroup(state.pid);
        st.cgroup_paths = {cgroup};
        egress.emplace(enforce::EgressFilter::attach(plan.egress, cgroup));
        st.egress_key = egress->key();
    }
    audit::AuditLog audit_log;
    if (agent.policy->audit_log) {
        st.audit_log = audit::log_path(settings.audit_dir, state.id);
        audit_log = audit::AuditLog::open(st.audit_log, state.id);
    }
    if (plan.session_timeout) st.session_deadline = ::time(nullptr) + plan.session_timeout;
    std::optional<monitor::Monitor> monitor;
    std::string status_path = record.dir() + "/monitor.status";
    if (monitor::needs_monitor(plan, false)) {
        monitor::MonitorSettings s;
        s.egress = &plan.egress;
        if (egress) s.maps = egress->monitor_maps();
        s.session_deadline = st.session_deadline;
        s.audit = audit_log.is_open() ? &audit_log : nullptr;
        s.plan = &plan;
        s.status_path = status_path;
        // The root is not pivoted yet: the container's resolv.conf is below
        // its root path, in its mount namespace.
        s.resolv_conf = "/proc/" + std::to_string(state.pid) + "/root" + config.root_path + "/etc/resolv.conf";
        monitor.emplace(monitor::Monitor::start(s, state.pid));
        st.monitor_pid = monitor->pid();
        st.monitor_start_time = monitor->start_time();
    }
    record.save(st);
    audit_log.append("create", [&](JsonWriter& w) {
        agent::audit_admission(w, agent, config.annotations);
        w.key("appliedBy").value("hook");
    });
    // The runtime starts the container's program after this hook: names
    // resolve from its first instruction.
    if (monitor && !monitor::await_monitor(status_path, st.monitor_pid, st.monitor_start_time))
        log::warn("agent policy: network names: the container's network namespace has no loopback address; "
                  "names do not resolve");
    if (egress) egress->keep();
    if (monitor) monitor->keep();
    record.keep();
}

void hook_poststop(const oci::State& state) {
    std::string dir = record_dir(state.id);
    auto text = read_file_if_exists(dir + "/state.json");
    if (!text) {
        Record::remove(dir);
        return;
    }
    ContainerState st = deserialize(*text);
    // The monitor writes the container's last refusals, then the delete.
    monitor::stop_monitor(st.monitor_pid, st.monitor_start_time, kMonitorGraceMs);
    if (!st.audit_log.empty()) {
        try {
            audit::AuditLog::open(st.audit_log, st.id).append("delete");
        } catch (const Error& e) {
            log::warn(e.what());
        }
    }
    for (auto& cgroup : st.cgroup_paths) enforce::detach_egress(cgroup, st.egress_key);
    Record::remove(dir);
}

}  // namespace runac::container
