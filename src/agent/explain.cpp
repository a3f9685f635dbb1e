#include "agent/explain.hpp"

#include "agent/admission.hpp"
#include "agent/secret_refs.hpp"
#include "common/error.hpp"
#include "enforce/plan.hpp"

namespace runac::agent {

namespace {

void feature_line(std::string& out, const char* name, const linux::KernelFeature& f) {
    out += "  " + std::string(name) + ": " + (f.available ? "available" : "unavailable") + " (" + f.detail + ")\n";
}

std::string status_text(const RuleReport& r) {
    switch (r.status) {
        case RuleStatus::Enforced: return "enforced";
        case RuleStatus::NotBuilt: {
            std::string layers;
            for (auto& l : r.layers)
                if (l.used) layers += (layers.empty() ? "" : ", ") + std::string(mechanism_name(l.mechanism));
            return "not enforced by this build (would be enforced here by: " + layers + ")";
        }
        case RuleStatus::KernelLacks: return "not enforceable on this kernel: needs " + r.lacking;
        case RuleStatus::NotByHook: return "not applied by a hook (it needs runac as the container's runtime)";
    }
    return "";
}

std::string layer_tags(const LayerCheck& l, Applier applier) {
    std::string role = l.role == Role::Required ? "required" : l.role == Role::Extra ? "extra" : "alternative";
    std::string tags = role + ", " + (l.available ? "available here" : "unavailable here");
    if (l.role == Role::Alternative && l.available) tags += l.used ? ", chosen" : ", not needed";
    tags += l.built ? (applier == Applier::Hook ? ", applied by the hook" : ", built")
                    : (applier == Applier::Hook ? ", not applied by a hook" : ", not built yet");
    return tags;
}

}  // namespace

std::string explain(const Policy& policy, const std::string& source, const Assessment& a,
                    const linux::KernelFeatures& k) {
    std::string out;
    out += "policy: " + source + "\n";
    out += std::string("mode: ") + (policy.mode == Mode::Strict ? "strict" : "best-effort") + "\n";
    if (a.applier == Applier::Hook) out += "applied by: runac hook, beside another runtime (runc, crun)\n";
    out += "kernel: " + k.release + "\n";
    out += "layers on this kernel:\n";
    feature_line(out, "landlock", k.landlock);
    feature_line(out, "seccomp", k.seccomp);
    feature_line(out, "seccomp-notify", k.seccomp_notify);
    feature_line(out, "cgroup2", k.cgroup2);
    feature_line(out, "cgroup-bpf", k.cgroup_bpf);
    feature_line(out, "bpf-lsm", k.bpf_lsm);
    feature_line(out, "apparmor", k.apparmor);
    feature_line(out, "memfd-noexec", k.memfd_noexec);
    feature_line(out, "kernel-audit", k.kernel_audit);
    out += "rules:\n";
    for (auto& r : a.rules) {
        out += "  " + r.name + " [" + r.subject + "]: " + status_text(r) + "\n";
        for (auto& l : r.layers)
            out += "    " + std::string(mechanism_name(l.mechanism)) + " (" + layer_tags(l, a.applier) + "): " + l.does + "\n";
        for (auto& w : r.weaknesses) out += "    weakness: " + w + "\n";
    }
    // Where each value comes from and where it goes; never the value.
    for (auto& s : policy.secrets) {
        std::string how = s.provider == SecretProvider::Env    ? "moved out of the environment by create"
                          : s.provider == SecretProvider::File ? "read on the host by create"
                                                               : "fetched over HTTPS on the host by create";
        out += "secret " + s.name + ": " + secret_uri(s) + " -> " + enforce::kSecretsDir + "/" + s.name + " (" + how +
               ")\n";
    }
    if (!a.outside_runtime.empty()) {
        out += "enforced nowhere (outside a runtime):";
        for (auto& key : a.outside_runtime) out += " " + key;
        out += "\n";
    }
    for (auto& c : a.require) {
        out += "enforcement.require " + std::string(layer_name(c.layer)) + ": ";
        out += !c.available ? "unavailable on this kernel (" + c.detail + ")"
               : c.used     ? "available and applied"
               : c.built    ? "available on this kernel, used by no rule of this policy"
               : a.applier == Applier::Hook ? "available on this kernel, not applied by a hook"
                                            : "available on this kernel, not applied by this build yet";
        out += "\n";
    }
    std::string verdict = a.applier == Applier::Hook ? "hook: " : "create: ";
    try {
        auto warnings = admission_warnings(policy, a);
        out += verdict + (warnings.empty() ? "allowed, every rule enforced\n"
                                           : "allowed (best-effort), " + std::to_string(warnings.size()) +
                                                 " rule(s) not enforced, each logged as a warning\n");
    } catch (const Error& e) {
        out += verdict + "refused: " + e.what() + "\n";
    }
    return out;
}

}  // namespace runac::agent
