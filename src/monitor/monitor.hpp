// The monitor: one long-lived process per policy container that needs one
// (a policy that names hosts, for its resolver; one with a session timeout,
// to end the session; one whose refusals are audited or become approval
// requests), started by create once the init is ready and before
// the container is released. It lives
// outside the container's cgroup and pid namespace, in a session of its
// own with no stdio and no descriptor of the engine's (a shim waiting for
// create's output is not kept waiting), ends when the container's init
// does, and is killed by delete. Nothing that enforces depends on it: when
// it is gone, names stop resolving and nothing opens, and the next runac
// command on an expired container ends its session.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

#include "enforce/coverage.hpp"
#include "enforce/egress.hpp"
#include "enforce/lsm.hpp"
#include "enforce/plan.hpp"
#include "audit/audit_log.hpp"

namespace runac::monitor {

inline const std::vector<enforce::Covers>& monitor_covers() {
    static const std::vector<enforce::Covers> covers = {
        {enforce::Rule::EgressNames, enforce::Mechanism::Monitor},
        {enforce::Rule::SessionTimeout, enforce::Mechanism::Monitor},
        {enforce::Rule::Escalation, enforce::Mechanism::Monitor},
    };
    return covers;
}

// `kernel_denials`: the kernel's audit reports refusals into the log.
inline bool needs_monitor(const enforce::Plan& plan, bool kernel_denials) {
    return plan.egress.follow_dns || plan.session_timeout > 0 || kernel_denials || plan.lsm.prompt ||
           (plan.egress.filtered && (plan.egress.report || plan.egress.prompt));
}

struct MonitorSettings {
    const enforce::Egress* egress = nullptr;  // with follow_dns: the resolver answers its names
    enforce::MonitorMaps maps;                   // ... into these maps
    // BPF LSM's exec allowlist and its refusals (plan.lsm.prompt): each
    // refusal an approval request, an approval an entry.
    enforce::LsmMaps lsm;
    int64_t session_deadline = 0;             // Unix seconds; 0: no timeout
    const audit::AuditLog* audit = nullptr;   // policy.auditLog: the container's log
    // escalation: prompt (egress->prompt): the control socket's path, and
    // how long a request waits for its decision.
    std::string control_path;
    int64_t approval_timeout = 0;
    // The kernel's audit is on and so is the log: Landlock's and the agent
    // seccomp filter's refusals go in it too, named by the plan's rules.
    bool kernel_denials = false;
    const enforce::Plan* plan = nullptr;
    // Where the monitor says whether it is ready: "ready", "ready
    // no-loopback" or what failed (await_monitor reads it).
    std::string status_path;
    // The container's resolv.conf, whose servers the resolver asks, as this
    // process reaches it; "": the init's /etc/resolv.conf (its root
    // pivoted). `runac hook` runs before the runtime pivots.
    std::string resolv_conf;
};

// How the monitor's process is made. A fork copies every page that either
// process writes afterwards, a few milliseconds of faults on a virtual
// machine. AfterCallerExits shares the caller's memory instead and waits
// until the caller has exited: for `runac create`, which exits (without
// destroying its static objects: see main) as soon as the container is
// created, and which nobody asks to wait for the monitor.
enum class MonitorStart { Fork, AfterCallerExits };

struct Launch;

// Killed unless kept: a create that fails after it started leaves no
// monitor behind.
class Monitor {
public:
    // Starts the monitor of the container whose init (`init_pid`, in its
    // namespaces, its root pivoted) waits to be started, without waiting
    // for it to be ready (see await_monitor). Throws an Error.
    static Monitor start(const MonitorSettings& settings, pid_t init_pid, MonitorStart how = MonitorStart::Fork);
    Monitor(Monitor&& other) noexcept;
    Monitor& operator=(Monitor&&) = delete;
    ~Monitor();
    void keep() { kept_ = true; }
    pid_t pid() const { return pid_; }
    uint64_t start_time() const { return start_time_; }

private:
    Monitor() = default;
    pid_t pid_ = 0;
    uint64_t start_time_ = 0;
    bool kept_ = false;
    std::unique_ptr<Launch> shared_;  // AfterCallerExits: what the child starts from
};

// `start` and `exec`: waits until the monitor is ready (up to 10 s).
// Returns false when names do not resolve (the container's network
// namespace has no loopback address); throws an Error naming what failed.
bool await_monitor(const std::string& status_path, pid_t pid, uint64_t start_time);

// `delete`: ends a container's monitor, if it is still that process. Once
// the init is gone the monitor ends by itself, after the log's last
// records: `grace_ms` lets it before it is killed.
void stop_monitor(pid_t pid, uint64_t start_time, int grace_ms = 0);

}  // namespace runac::monitor
