#include "agent/enforcement.hpp"

#include <algorithm>
#include <optional>

#include "agent/derive.hpp"
#include "agent/values.hpp"
#include "enforce/agent_seccomp.hpp"
#include "enforce/apparmor.hpp"
#include "enforce/egress.hpp"
#include "enforce/exec_boundary.hpp"
#include "enforce/landlock.hpp"
#include "enforce/lsm.hpp"
#include "linux/executables.hpp"
#include "linux/policy_mounts.hpp"
#include "audit/audit_log.hpp"
#include "monitor/monitor.hpp"

namespace runac::agent {

namespace {

struct Use {
    Mechanism mechanism;
    Role role;
    const char* does;
};

// Whether some applier of this build covers (rule, mechanism).
bool built(Rule rule, Mechanism mechanism) {
    for (auto* list : {&config_edit_covers(), &enforce::landlock_covers(), &enforce::agent_seccomp_covers(),
                       &enforce::egress_covers(), &enforce::lsm_covers(), &enforce::apparmor_covers(),
                       &monitor::monitor_covers(), &audit::audit_covers(), &enforce::exec_boundary_covers(),
                       &linux::policy_mount_covers(), &linux::executables_covers()})
        for (auto& c : *list)
            if (c.rule == rule && c.mechanism == mechanism) return true;
    return false;
}

struct RuleSpec {
    Rule rule;
    const char* name;
    std::vector<Use> uses;
    std::vector<const char*> weaknesses;
};

// The table. The order of Alternative entries is the order of preference
// among those this build applies.
const std::vector<RuleSpec>& table() {
    static const std::vector<RuleSpec> specs = {
        {Rule::Baseline, "baseline",
         {{Mechanism::Mounts, Role::Required,
           "read-only rootfs and every mount the policy does not list; nosuid,nodev on what stays writable; "
           "runtime sockets refused as mounts; /proc masks"},
          {Mechanism::Capabilities, Role::Required,
           "all capabilities dropped (no raw or packet sockets); noNewPrivileges; a new PID namespace"},
          {Mechanism::Seccomp, Role::Required,
           "the agent seccomp baseline, stacked on the engine's filter (no ptrace, bpf, mount, unshare, ...)"},
          {Mechanism::AppArmor, Role::Extra, "a profile generated from the policy (file and network rules)"}},
         {}},
        {Rule::FilesystemRead, "filesystem.read",
         {{Mechanism::Landlock, Role::Required, "read rights only below the listed paths"}},
         {}},
        {Rule::FilesystemWrite, "filesystem.write",
         {{Mechanism::Mounts, Role::Required, "a writable bind of each path onto itself unless already a mount"},
          {Mechanism::Landlock, Role::Required,
           "write rights below the paths (with REFER, TRUNCATE, IOCTL_DEV where the ABI has them)"}},
         {}},
        {Rule::FilesystemDeny, "filesystem.deny",
         {{Mechanism::Mounts, Role::Required, "a mode-000 over-mount of each path that exists at create"},
          {Mechanism::Landlock, Role::Extra,
           "no rights on the paths where they lie outside every granted tree (Landlock only grants)"},
          {Mechanism::BpfLsm, Role::Extra,
           "file_open refuses the denied files by identity (any other link to them, anywhere) and, in a directory "
           "that exists at create, a denied name made later"}},
         {"a path that does not exist at create gets no over-mount, only the other layers (BPF LSM only when its "
          "parent directory exists)",
          "without BPF LSM, a second hard link to a denied file, one the image already had, is not covered"}},
        {Rule::Commands, "shell.commands",
         {{Mechanism::Landlock, Role::Required,
           "EXECUTE only on the allowed binaries, the entrypoint and the dynamic loader"},
          {Mechanism::BpfLsm, Role::Extra,
           "bprm_check_security runs only the allowed executables, the dynamic loader only as an ELF's interpreter "
           "(closes `ld.so BINARY`)"}},
         {"a multi-call binary (busybox) allows all of its applets",
          "an allowed interpreter (sh, python, node) runs any script",
          "without BPF LSM, `ld.so BINARY` runs a binary that is not allowed",
          "with policy.escalation: prompt and BPF LSM, Landlock leaves executes to BPF LSM, whose allowlist an "
          "approval widens live"}},
        {Rule::CommandArguments, "shell.commands arguments",
         {{Mechanism::ExecBoundary, Role::Required,
           "subcommands and denyArgs checked when `runac exec` starts a process"}},
         {"processes the agent starts itself are checked by binary, not by arguments"}},
        {Rule::MemfdExec, "memfd-exec",
         {{Mechanism::MemfdNoexec, Role::Alternative, "vm.memfd_noexec=2 in the container's PID namespace"},
          {Mechanism::BpfLsm, Role::Alternative,
           "bprm_check_security, mmap_file and file_mprotect refuse to execute or map executable a memfd"},
          {Mechanism::Seccomp, Role::Alternative, "memfd_create refused altogether"}},
         {"Landlock does not cover memfds"}},
        {Rule::Egress, "network.egress",
         {{Mechanism::CgroupBpf, Role::Required,
           "connect4/6, sendmsg4/6 (UDP), sock_create and post_bind4/6 on the container's cgroup, attached before "
           "its process exists: only the listed networks, ports and protocols (LPM tries runac_allow4/6), and "
           "listeners the container bound (socket storage runac_own)"}},
         {"TCP and UDP only: ICMP (ping), SCTP and raw sockets are refused",
          "a listener the container's own processes bound is reachable at any of its addresses"}},
        {Rule::EgressNames, "network names",
         {{Mechanism::CgroupBpf, Role::Required,
           "port 53 (UDP, TCP) sent to the resolver (runac_resolver), replies given their source back (recvmsg4/6); "
           "the addresses it answered allowed for their TTL (runac_names4/6), in the same programs"},
          {Mechanism::Monitor, Role::Required,
           "a resolver in the container's network namespace answers only allowed names (NXDOMAIN otherwise, never "
           "forwarded) and adds their addresses before releasing the reply"}},
         {"names are DNS-following: a name is reachable at the addresses the resolver answered for it",
          "an allowed name shares its addresses with the other names a CDN serves from them",
          "DNS-over-HTTPS to an allowed host resolves names runac does not see",
          "a denied name without an egress list only loses its lookup: its addresses stay reachable"}},
        {Rule::NetworkDeny, "network.deny",
         {{Mechanism::CgroupBpf, Role::Required, "the denied networks (LPM tries runac_deny4/6) win over egress in the same programs"}},
         {}},
        {Rule::Secrets, "secrets",
         {{Mechanism::Mounts, Role::Required,
           "a tmpfs at /run/secrets (0700), one 0400 file per secret; env:// variables removed from the environment"}},
         {}},
        {Rule::SecretTools, "secrets.allowedTools",
         {{Mechanism::BpfLsm, Role::Required,
           "file_open: a secret opens only for a process whose executable is one of its tools (by inode)"}},
         {"only BPF LSM can do this: AppArmor cannot widen access per tool under noNewPrivileges",
          "a tool that is a script runs as its interpreter: any program of that interpreter may open the secret",
          "a program a tool starts (a credential helper) is another executable and is refused"}},
        {Rule::Escalation, "policy.escalation",
         {{Mechanism::Monitor, Role::Required,
           "a refused connect, datagram or name, and with BPF LSM an execute shell.commands does not allow, becomes "
           "an approval request (runac approvals, approve, deny); an approval is live through the egress maps, the "
           "resolver and the exec allowlist"}},
         {"only network and (BPF LSM) execute refusals are asked; a refused file or runac exec command stays refused",
          "an approved executable is for the session only (approve --persist keeps network grants only), and runac "
          "exec's own check of shell.commands still refuses it",
          "the refused call fails at once (EPERM, EACCES, NXDOMAIN): the agent retries after the approval"}},
        {Rule::AuditLog, "policy.auditLog",
         {{Mechanism::AuditLog, Role::Required,
           "hash-chained JSON lines per container (runac audit verify, show): create, start, exec, kill, pause, "
           "resume, delete, the session's end, DNS questions, the egress programs' refusals, and Landlock's and "
           "the agent seccomp filter's refusals from the kernel's audit (kernel-audit above)"}},
         {"Landlock and seccomp refusals are recorded only while the kernel's audit is on (as at create); runac "
          "never turns it on",
          "a seccomp refusal, and a runac exec process's first Landlock refusal, are attributed by the process: one "
          "reaped before the monitor reads the record is not recorded",
          "records beyond 20 a second per rule are counted in a summary record, not kept"}},
        {Rule::SessionTimeout, "policy.sessionTimeout",
         {{Mechanism::Monitor, Role::Required,
           "kills the container at expiry; a later runac command on an expired container kills it too"}},
         {}},
    };
    return specs;
}

std::optional<Layer> kernel_layer(Mechanism m) {
    switch (m) {
        case Mechanism::Landlock: return Layer::Landlock;
        case Mechanism::Seccomp: return Layer::Seccomp;
        case Mechanism::CgroupBpf: return Layer::CgroupBpf;
        case Mechanism::BpfLsm: return Layer::BpfLsm;
        case Mechanism::AppArmor: return Layer::AppArmor;
        case Mechanism::MemfdNoexec: return Layer::MemfdNoexec;
        default: return std::nullopt;
    }
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (auto& s : items) out += (out.empty() ? "" : ", ") + s;
    return out;
}

// 5400 -> "1h30m"
std::string duration_text(int64_t seconds) {
    std::string out;
    for (auto [unit, name] : {std::pair<int64_t, const char*>{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}}) {
        if (seconds >= unit) out += std::to_string(seconds / unit) + name;
        seconds %= unit;
    }
    return out;
}

// The rules a policy contains, with what it says for each.
std::vector<std::pair<Rule, std::string>> rules_of(const Policy& p) {
    std::vector<std::pair<Rule, std::string>> out;
    out.emplace_back(Rule::Baseline, "any policy");
    if (p.read) out.emplace_back(Rule::FilesystemRead, p.read->empty() ? "(nothing)" : join(*p.read));
    if (!p.write.empty()) out.emplace_back(Rule::FilesystemWrite, join(p.write));
    if (!p.deny.empty()) out.emplace_back(Rule::FilesystemDeny, join(p.deny));
    if (p.commands) {
        std::vector<std::string> names;
        bool arguments = false;
        for (auto& c : *p.commands) {
            if (std::find(names.begin(), names.end(), c.binary) == names.end()) names.push_back(c.binary);
            arguments |= !c.subcommands.empty() || !c.deny_args.empty();
        }
        out.emplace_back(Rule::Commands, names.empty() ? "(only the entrypoint)" : join(names));
        if (arguments) out.emplace_back(Rule::CommandArguments, "subcommands, denyArgs");
    }
    out.emplace_back(Rule::MemfdExec, "no executable memfd (any policy)");
    if (p.egress || !p.network_deny.empty()) {
        auto is_name = [](const std::string& host) {
            std::string problem;
            auto h = parse_host(host, problem);
            return h && (h->kind == HostKind::Name || h->kind == HostKind::Wildcard);
        };
        std::vector<std::string> by_address, names, denied;
        for (auto& r : p.egress.value_or(std::vector<EgressRule>{})) {
            std::string dest = r.host + ":" + (r.port ? std::to_string(r.port) : "*") +
                               (r.protocol == Protocol::Udp ? "/udp" : "/tcp");
            (is_name(r.host) ? names : by_address).push_back(dest);
        }
        for (auto& d : p.network_deny) (is_name(d) ? names : denied).push_back(is_name(d) ? "not " + d : d);
        if (p.egress) out.emplace_back(Rule::Egress, by_address.empty() ? "(no address)" : join(by_address));
        if (!names.empty()) out.emplace_back(Rule::EgressNames, join(names));
        if (!denied.empty()) out.emplace_back(Rule::NetworkDeny, join(denied));
    }
    if (!p.secrets.empty()) {
        std::vector<std::string> names;
        bool tools = false;
        for (auto& s : p.secrets) {
            names.push_back(s.name);
            tools |= s.allowed_tools.has_value();
        }
        out.emplace_back(Rule::Secrets, join(names));
        if (tools) out.emplace_back(Rule::SecretTools, "per-tool access");
    }
    if (p.escalation == Escalation::Prompt) out.emplace_back(Rule::Escalation, "prompt");
    if (p.audit_log) out.emplace_back(Rule::AuditLog, "on");
    if (p.session_timeout_seconds)
        out.emplace_back(Rule::SessionTimeout, duration_text(*p.session_timeout_seconds));
    return out;
}

RuleReport assess_rule(const RuleSpec& spec, const std::string& subject, const linux::KernelFeatures& k,
                       Applier applier) {
    RuleReport r{spec.rule, spec.name, subject, RuleStatus::Enforced, "", {}, {}};
    for (auto* w : spec.weaknesses) r.weaknesses.push_back(w);
    bool alternative_chosen = false, has_alternatives = false;
    std::vector<std::string> lacking;
    for (auto& use : spec.uses) {
        bool applied = built(spec.rule, use.mechanism) &&
                       (applier == Applier::Runtime || hook_applies(spec.rule, use.mechanism));
        LayerCheck c{use.mechanism, use.role, use.does, applied, true, false, ""};
        if (auto layer = kernel_layer(use.mechanism)) {
            c.available = layer_feature(k, *layer).available;
            c.detail = layer_feature(k, *layer).detail;
        }
        if (use.role == Role::Required) {
            c.used = true;
            if (!c.available) lacking.push_back(std::string(mechanism_name(use.mechanism)) + " (" + c.detail + ")");
        } else if (use.role == Role::Alternative) {
            has_alternatives = true;
        } else {
            c.used = c.available && c.built;  // an extra layer applies where it can
        }
        r.layers.push_back(c);
    }
    // The first alternative this kernel has and this build applies; else the
    // first the kernel has (the rule is then not built).
    for (bool need_built : {true, false})
        for (auto& c : r.layers)
            if (!alternative_chosen && c.role == Role::Alternative && c.available && (c.built || !need_built))
                c.used = alternative_chosen = true;
    if (has_alternatives && !alternative_chosen) {
        for (auto& c : r.layers)
            if (c.role == Role::Alternative) lacking.push_back(std::string(mechanism_name(c.mechanism)) + " (" + c.detail + ")");
    }
    if (!lacking.empty()) {
        r.status = RuleStatus::KernelLacks;
        r.lacking = join(lacking);
        return r;
    }
    for (auto& c : r.layers)
        if (c.used && !c.built)
            r.status = applier == Applier::Hook && built(spec.rule, c.mechanism) ? RuleStatus::NotByHook
                                                                                  : RuleStatus::NotBuilt;
    return r;
}

}  // namespace

const linux::KernelFeature& layer_feature(const linux::KernelFeatures& k, Layer layer) {
    switch (layer) {
        case Layer::Landlock: return k.landlock;
        case Layer::Seccomp: return k.seccomp;
        case Layer::CgroupBpf: return k.cgroup_bpf;
        case Layer::BpfLsm: return k.bpf_lsm;
        case Layer::AppArmor: return k.apparmor;
        case Layer::MemfdNoexec: return k.memfd_noexec;
    }
    return k.landlock;
}


const char* mechanism_name(Mechanism m) {
    switch (m) {
        case Mechanism::Mounts: return "mounts";
        case Mechanism::Capabilities: return "capabilities";
        case Mechanism::ExecBoundary: return "runac-exec";
        case Mechanism::Monitor: return "monitor";
        case Mechanism::AuditLog: return "audit-log";
        default: return layer_name(*kernel_layer(m));
    }
}

bool hook_applies(Rule rule, Mechanism mechanism) {
    switch (mechanism) {
        case Mechanism::CgroupBpf:
        case Mechanism::AuditLog: return true;
        case Mechanism::Monitor: return rule != Rule::Escalation;
        default: return false;
    }
}

Assessment assess(const Policy& policy, const linux::KernelFeatures& kernel, Applier applier) {
    Assessment a;
    a.applier = applier;
    for (auto& [rule, subject] : rules_of(policy)) {
        for (auto& spec : table())
            if (spec.rule == rule) a.rules.push_back(assess_rule(spec, subject, kernel, applier));
    }
    for (Layer layer : policy.require) {
        RequireCheck c{layer, layer_feature(kernel, layer).available, false, false, layer_feature(kernel, layer).detail};
        for (auto& spec : table())
            for (auto& use : spec.uses)
                if (kernel_layer(use.mechanism) == layer && built(spec.rule, use.mechanism) &&
                    (applier == Applier::Runtime || hook_applies(spec.rule, use.mechanism)))
                    c.built = true;
        for (auto& r : a.rules)
            for (auto& l : r.layers) {
                if (kernel_layer(l.mechanism) != layer || !l.built) continue;
                // A required layer is applied beside the alternative chosen
                // before it (derive does the same).
                if (l.role == Role::Alternative && l.available) l.used = true;
                if (r.status == RuleStatus::Enforced && l.used) c.used = true;
            }
        a.require.push_back(c);
    }
    a.outside_runtime = policy.outside_runtime;
    return a;
}

namespace {
// The names of the rules with `status`, as "a, b, c".
std::string rule_names(const std::vector<RuleReport>& rules, RuleStatus status) {
    std::vector<std::string> names;
    for (auto& r : rules)
        if (r.status == status) names.push_back(r.name);
    return join(names);
}
}  // namespace

std::string Assessment::not_built() const { return rule_names(rules, RuleStatus::NotBuilt); }

std::string Assessment::kernel_lacks() const {
    std::vector<std::string> names;
    for (auto& r : rules)
        if (r.status == RuleStatus::KernelLacks) names.push_back(r.name + " (needs " + r.lacking + ")");
    return join(names);
}

std::string Assessment::not_by_hook() const { return rule_names(rules, RuleStatus::NotByHook); }

std::string Assessment::require_unmet() const {
    std::vector<std::string> out;
    for (auto& c : require) {
        if (!c.available) out.push_back(std::string(layer_name(c.layer)) + " is not available on this kernel (" + c.detail + ")");
        else if (!c.used)
            out.push_back(std::string(layer_name(c.layer)) + (!c.built ? (applier == Applier::Hook ? " is not applied by a hook"
                                                                                              : " is not applied by this build")
                                                                      : " is used by no rule of this policy"));
    }
    return join(out);
}

}  // namespace runac::agent
