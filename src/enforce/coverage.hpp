// What a policy's rules are enforced by, named so that the code applying a
// layer can say which rules it covers. Each applier lists its own (rule,
// mechanism) pairs beside its code; the rule table (agent/enforcement.cpp)
// counts a layer as built for a rule only when an applier lists it.
#pragma once
#include <vector>

namespace runac::enforce {

// A kernel layer, or one of runac's own steps (mounts, the monitor...).
enum class Mechanism {
    Mounts, Capabilities, Landlock, Seccomp, CgroupBpf, BpfLsm, AppArmor, MemfdNoexec,
    ExecBoundary, Monitor, AuditLog,
};

enum class Rule {
    Baseline, FilesystemRead, FilesystemWrite, FilesystemDeny, Commands, CommandArguments, MemfdExec,
    Egress, EgressNames, NetworkDeny, Secrets, SecretTools, Escalation, AuditLog, SessionTimeout,
};

struct Covers {
    Rule rule;
    Mechanism mechanism;
};

// The appliers in this directory.
const std::vector<Covers>& landlock_covers();
const std::vector<Covers>& agent_seccomp_covers();

}  // namespace runac::enforce
