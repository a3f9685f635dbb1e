#include "agent/admission.hpp"

#include <algorithm>

#include "agent/grants.hpp"
#include "agent/sources.hpp"
#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "linux/kernel_features.hpp"

namespace runac::agent {

std::vector<std::string> admission_warnings(const Policy& policy, const Assessment& a) {
    // Required layers are required in either mode: that is what they are for.
    if (auto unmet = a.require_unmet(); !unmet.empty()) throw Error("agent policy: enforcement.require: " + unmet);
    std::string not_built = a.not_built(), lacks = a.kernel_lacks(), outside = a.not_by_hook();
    if (policy.mode == Mode::Strict) {
        std::string msg;
        if (!outside.empty()) msg = "a hook cannot apply (they need runac as the container's runtime): " + outside;
        if (!not_built.empty()) msg += (msg.empty() ? "" : "; ") + std::string("not enforced by this build: ") + not_built;
        if (!lacks.empty()) msg += (msg.empty() ? "" : "; ") + std::string("not enforceable on this kernel: ") + lacks;
        if (!msg.empty())
            throw Error("agent policy: " + msg + " (strict mode; see runac policy explain" +
                        (a.applier == Applier::Hook ? " --hook)" : ")"));
        return {};
    }
    std::vector<std::string> warnings;
    for (auto& r : a.rules) {
        if (r.status == RuleStatus::NotBuilt)
            warnings.push_back("agent policy (best-effort): " + r.name + " is not enforced: not built yet");
        if (r.status == RuleStatus::KernelLacks)
            warnings.push_back("agent policy (best-effort): " + r.name + " is not enforced: this kernel lacks " + r.lacking);
        if (r.status == RuleStatus::NotByHook)
            warnings.push_back("agent policy (best-effort): " + r.name +
                               " is not enforced: a hook cannot apply it (it needs runac as the container's runtime)");
    }
    return warnings;
}

Admission admit(const std::map<std::string, std::string>& annotations, const Settings& settings,
                const std::string& id, Applier applier) {
    ResolvedPolicy resolved = resolve_policy(annotations, settings);
    Admission out;
    out.source = resolved.source;
    out.document = resolved.document;
    if (resolved.sandbox) log::info("agent policy: " + resolved.source);
    if (!resolved.policy) return out;
    Policy& policy = *resolved.policy;
    // What a human approved for this container before (its engine restarts
    // it under the same ID) widens the policy it was approved under.
    if (policy.escalation == Escalation::Prompt && !resolved.fixed && applier == Applier::Runtime) {
        out.grant_file = grant_path(settings.grant_dir, id);
        out.grants = read_grants(out.grant_file);
        if (policy.egress)
            for (auto& g : out.grants)
                if (std::find(policy.egress->begin(), policy.egress->end(), g) == policy.egress->end())
                    policy.egress->push_back(g);
    }
    out.assessment = assess(*resolved.policy, linux::kernel_features(), applier);
    for (auto& w : admission_warnings(*resolved.policy, out.assessment)) log::warn(w);
    for (auto& key : out.assessment.outside_runtime)
        log::info("agent policy: " + key + " is accepted and enforced nowhere (outside a runtime)");
    out.policy = std::move(resolved.policy);
    return out;
}

void audit_admission(JsonWriter& w, const Admission& admission, const std::map<std::string, std::string>& annotations) {
    w.key("source").value(admission.source);
    if (auto a = annotations.find(kPolicyAnnotation); a != annotations.end())
        w.key("policySha256").value(sha256_hex(a->second));
    w.key("rules").begin_array();
    for (auto& r : admission.assessment.rules) {
        w.begin_object().key("rule").value(r.name).key("subject").value(r.subject);
        w.key("status").value(r.status == RuleStatus::Enforced ? "enforced"
                              : r.status == RuleStatus::NotBuilt ? "not built"
                              : r.status == RuleStatus::NotByHook ? "not applied by the hook"
                                                                 : "kernel lacks " + r.lacking);
        w.key("layers").begin_array();
        for (auto& l : r.layers)
            if (l.used && l.built && l.available) w.value(mechanism_name(l.mechanism));
        w.end_array().end_object();
    }
    w.end_array();
    // As written (comments aside), so that `runac policy suggest` can widen it.
    if (!admission.document.empty()) {
        JsonDocument doc = JsonDocument::parse(admission.document, "the policy document");
        w.key("document").copy(doc.root());
    }
    if (!admission.grants.empty()) {
        w.key("grants").begin_array();
        for (auto& g : admission.grants) write_egress_rule(w, g);
        w.end_array();
    }
}

}  // namespace runac::agent
