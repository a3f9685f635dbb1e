// The effective policy of one container turned into what enforces it,
// before anything of the container exists. Two halves:
// - edits of the container's config, which the runtime's own code then
//   executes like any engine's request: a read-only root, every mount the
//   policy does not list read-only, nosuid and nodev on what stays
//   writable, /proc masks, no capabilities, noNewPrivileges;
// - the Plan (enforce/plan.hpp) for what only the policy's appliers do:
//   the write binds and deny over-mounts, Landlock, the agent seccomp
//   filter, vm.memfd_noexec.
// Pure apart from the host stat of bind sources (runtime sockets); unit
// tests check it without root.
#pragma once
#include "agent/policy.hpp"
#include "enforce/coverage.hpp"
#include "enforce/plan.hpp"
#include "linux/kernel_features.hpp"
#include "oci/config.hpp"

namespace runac::agent {

// Throws the refusal naming the field ("agent policy: mounts[3]: ...").
enforce::Plan derive(const Policy& policy, oci::Config& config, const linux::KernelFeatures& kernel);

// The process part of the baseline, for the init's process and for every
// `runac exec`: every capability set empty, noNewPrivileges.
void apply_process_baseline(oci::Process& process);

// What the config edits cover (the rule table's `built`).
const std::vector<enforce::Covers>& config_edit_covers();

}  // namespace runac::agent
