// Which layer enforces each rule of a policy, on this kernel, in this build:
// the one table of rule -> layers (enforcement.cpp). A layer counts as
// built for a rule when the code that applies it says it covers that rule
// (each applier's Covers list), and create's admission and `policy
// explain` follow.
#pragma once
#include <string>
#include <vector>

#include "agent/policy.hpp"
#include "enforce/coverage.hpp"
#include "linux/kernel_features.hpp"

namespace runac::agent {

using enforce::Mechanism;
using enforce::Rule;
const char* mechanism_name(Mechanism m);

enum class Role {
    Required,     // the rule is not enforced without it
    Alternative,  // the first of a rule's alternatives this kernel has (and this build applies) is used
    Extra,        // defence in depth where the kernel has it
};

// Who applies the policy: runac as the container's runtime, or `runac hook`
// beside another runtime (runc, crun), which reaches only what acts from
// outside the container: the cgroup's programs, the monitor, the log.
enum class Applier { Runtime, Hook };

// NotByHook: a rule only the container's runtime can apply (mounts,
// Landlock, seccomp and the rest happen inside its init).
enum class RuleStatus { Enforced, NotBuilt, KernelLacks, NotByHook };

// What this kernel says of one layer.
const linux::KernelFeature& layer_feature(const linux::KernelFeatures& k, Layer layer);

struct LayerCheck {
    Mechanism mechanism;
    Role role;
    const char* does;
    bool built;       // this build applies it for this rule
    bool available;   // this kernel has it (runac's own steps always)
    bool used;        // counts for the rule (an unused alternative does not)
    std::string detail;  // the probe's finding for a kernel layer
};

struct RuleReport {
    Rule rule;
    std::string name;     // "filesystem.write": the name refusals and explain use
    std::string subject;  // what the policy says: "/workspace, /tmp"
    RuleStatus status;
    std::string lacking;  // KernelLacks: "bpf-lsm (load refused: ...)"
    std::vector<LayerCheck> layers;
    std::vector<std::string> weaknesses;
};

struct RequireCheck {
    Layer layer;
    bool available;
    bool used;   // some enforced rule of the policy uses it
    bool built;  // this build applies it (for some rule)
    std::string detail;
};

struct Assessment {
    Applier applier = Applier::Runtime;
    std::vector<RuleReport> rules;
    std::vector<RequireCheck> require;
    std::vector<std::string> outside_runtime;  // accepted, enforced nowhere

    // Rules a strict create must refuse, as "a, b, c"; "" when none.
    std::string not_built() const;
    std::string kernel_lacks() const;
    std::string not_by_hook() const;
    std::string require_unmet() const;
};

Assessment assess(const Policy& policy, const linux::KernelFeatures& kernel, Applier applier = Applier::Runtime);

// A layer `runac hook` applies to another runtime's container: the egress
// programs on its cgroup, the monitor (its resolver and session timeout;
// approvals need runac's own state) and the audit log.
bool hook_applies(Rule rule, Mechanism mechanism);

}  // namespace runac::agent
