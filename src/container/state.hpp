// What runac records about one container, and the OCI state runc prints.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "oci/state.hpp"

namespace runac::container {

using Status = oci::Status;
using oci::status_name;

struct ContainerState {
    std::string oci_version;
    std::string id;
    int pid = 0;
    uint64_t pid_start_time = 0;  // with pid: the init's identity, safe against pid reuse
    std::string bundle;
    std::string rootfs;
    std::string created;  // RFC 3339 with nanoseconds, UTC
    std::map<std::string, std::string> annotations;
    std::vector<std::string> cgroup_paths;
    std::string systemd_unit;  // --systemd-cgroup: the scope systemd made for it; "" with the cgroupfs driver
    // The agent policy's monitor (monitor/monitor.hpp) when runac hook
    // started one, or an older runac's create; create now records its
    // monitor beside the state (Container::monitor()).
    int monitor_pid = 0;
    uint64_t monitor_start_time = 0;
    std::string audit_log;  // policy.auditLog: the container's log (audit/audit_log.hpp); "" for none
    // escalation: prompt, a policy not pinned: where `approve --persist`
    // keeps grants (agent/grants.hpp); "" for none.
    std::string grant_file;
    int64_t session_deadline = 0;  // policy.sessionTimeout: when the session ends (Unix seconds); 0: never
    // network.egress: the container's key in the shared egress maps (its
    // cgroup's inode), for a delete after its cgroup is gone; 0: none.
    uint64_t egress_key = 0;
};

std::string serialize(const ContainerState& s);
ContainerState deserialize(const std::string& json);

// The runtime-spec's view of the container while it is in `status`.
oci::State oci_state(const ContainerState& s, Status status, const std::string& owner = "");

// Now, formatted as Go's time.RFC3339Nano in UTC (trailing zeros trimmed).
std::string now_rfc3339nano();

}  // namespace runac::container
