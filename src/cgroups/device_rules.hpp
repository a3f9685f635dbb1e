// The device rules a container's cgroup enforces: the config's
// linux.resources.devices, then what every container needs (as runc adds
// them): mknod of any node and the standard /dev nodes, except a standard
// node the config names exactly. The config's linux.devices get no rule of
// their own: the resources decide. Later rules override earlier ones. The v1 devices
// controller and the v2 BPF device filter both enforce this one list.
#pragma once
#include <vector>

#include "oci/config.hpp"

namespace runac::cgroups {

std::vector<oci::DeviceRule> effective_device_rules(const oci::Config& config);

// "c 1:3 rwm", "a": the v1 devices.allow/devices.deny syntax.
std::string device_rule_text(const oci::DeviceRule& rule);

// cgroup v2: loads a BPF_PROG_TYPE_CGROUP_DEVICE program for RULES and
// attaches it to the cgroup directory with BPF_PROG_ATTACH, so it lives as
// long as the cgroup (not as long as runac). Throws naming
// linux.resources.devices.
void attach_device_filter(const std::string& cgroup_dir, const std::vector<oci::DeviceRule>& rules);

}  // namespace runac::cgroups
