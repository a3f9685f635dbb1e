// Writing linux.resources into the container's cgroup, at create (before
// the init runs a step of its setup) and at `update`. cgroup v1 (and the
// hybrid layout) and cgroup v2 name and scale the knobs differently:
// resources_v1.cpp and resources_v2.cpp each own one vocabulary.
#pragma once
#include <string>

#include "cgroups/cgroup.hpp"
#include "oci/config.hpp"

namespace runac::cgroups {

// Applies every field that is set; FIELD_PREFIX begins the name of the
// field an error line names ("linux.resources." at create, "" at update).
void apply_resources(const Cgroup& cg, const oci::Resources& r, const std::string& field_prefix);

// `update`: like apply_resources, but when the kernel refuses a value, the
// files already written get their old values back (in reverse order, which
// also satisfies v1's memory <= memory+swap) before the error is thrown.
void update_resources(const Cgroup& cg, const oci::Resources& r);

// linux.resources.devices (with the defaults every container gets).
void apply_device_rules(const Cgroup& cg, const oci::Config& config);

namespace detail {
void apply_v1(const Cgroup& cg, const oci::Resources& r, const std::string& p);
void apply_v2(const Cgroup& cg, const oci::Resources& r, const std::string& p);
// DIR/FILE = VALUE; a failure is "FIELD: write FILE: REASON".
void write_knob(const std::string& dir, const std::string& file, const std::string& value, const std::string& field);
// The directory that has FILE, or Error "FIELD: WHAT".
std::string dir_for(const Cgroup& cg, const std::string& file, const std::string& field, const std::string& what);
// [2, 262144] onto [1, 10000]: runc's ConvertCPUSharesToCgroupV2Value.
uint64_t cpu_weight(uint64_t shares);
// [10, 1000] onto [1, 10000]: runc's ConvertBlkIOToIOWeightValue.
uint64_t io_weight(uint64_t blkio);
// -1 and the kernel's "max" spelling.
std::string max_or(int64_t n);
}  // namespace detail

}  // namespace runac::cgroups
