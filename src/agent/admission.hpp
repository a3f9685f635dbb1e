// create's gate for agent policies, before anything of the container exists:
// a policy that this build and this kernel cannot enforce refuses the
// container (strict, the default) or is started with every unenforced rule
// logged (enforcement.mode: best-effort). A container without a policy and
// without a floor passes untouched.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/enforcement.hpp"
#include "agent/policy.hpp"
#include "agent/settings.hpp"
#include "common/json.hpp"

namespace runac::agent {

struct Admission {
    std::optional<Policy> policy;  // the effective policy enforcement applies; nullopt: none
    std::string source;
    std::string document;  // the container's own policy document, for the audit log
    Assessment assessment;
    // escalation: prompt, a policy not pinned: where `runac approve
    // --persist` keeps grants (agent/grants.hpp), and those already there,
    // which are in `policy` too.
    std::string grant_file;
    std::vector<EgressRule> grants;
};

// Throws the refusal (one line naming the rules); returns the warnings a
// best-effort start logs, one per unenforced rule.
std::vector<std::string> admission_warnings(const Policy& policy, const Assessment& assessment);

// `id`: the container's, whose persisted grants the policy takes (not
// under a hook, which applies no approval).
Admission admit(const std::map<std::string, std::string>& annotations, const Settings& settings,
                const std::string& id, Applier applier = Applier::Runtime);

// The audit log's create record: where the policy came from, its digest,
// and each rule with its status and the layers in force for it.
void audit_admission(JsonWriter& w, const Admission& admission, const std::map<std::string, std::string>& annotations);

}  // namespace runac::agent
