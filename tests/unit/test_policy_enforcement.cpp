// The rule -> layer table against a kernel's features, and create's strict
// and best-effort decisions. The kernels here are made up: the real one is
// exercised by the integration and VM tiers.
#include <doctest/doctest.h>

#include <string>

#include "agent/admission.hpp"
#include "agent/enforcement.hpp"
#include "agent/explain.hpp"
#include "agent/parse.hpp"
#include "common/error.hpp"

using namespace runac::agent;
using runac::linux::KernelFeatures;

namespace {

KernelFeatures kernel(bool bpf_lsm, bool memfd_noexec, bool apparmor = false) {
    KernelFeatures k;
    k.release = "test";
    k.landlock = {true, "ABI 4"};
    k.landlock_abi = 4;
    k.seccomp = {true, "filter mode"};
    k.seccomp_notify = {true, "user notification"};
    k.cgroup2 = {true, "mounted at /sys/fs/cgroup"};
    k.cgroup_bpf = {true, "cgroup/connect4 loads"};
    k.bpf_lsm = bpf_lsm ? runac::linux::KernelFeature{true, "attaches"} : runac::linux::KernelFeature{false, "load refused: EPERM"};
    k.apparmor = {apparmor, apparmor ? "enabled" : "not in this kernel"};
    k.memfd_noexec = {memfd_noexec, memfd_noexec ? "vm.memfd_noexec = 0" : "Linux < 6.3"};
    return k;
}

const RuleReport* rule(const Assessment& a, const std::string& name) {
    for (auto& r : a.rules)
        if (r.name == name) return &r;
    return nullptr;
}

std::string refusal(const Policy& p, const Assessment& a) {
    try {
        admission_warnings(p, a);
    } catch (const runac::Error& e) {
        return e.what();
    }
    return "";
}

const char* kFull = R"({
  "capabilities": {
    "filesystem": {"read": ["/usr"], "write": ["/workspace"], "deny": ["/workspace/.env"]},
    "network": {"egress": [{"host": "github.com", "port": 443}], "deny": ["169.254.169.254"]},
    "shell": {"commands": [{"binary": "git", "subcommands": ["status"]}]}
  },
  "secrets": {"T": {"provider": "env", "allowedTools": ["git"]}},
  "policy": {"escalation": "prompt", "sessionTimeout": "1h"},
  "tools": {"mcp": {}}
})";

}  // namespace

TEST_CASE("every rule of a policy appears once, in the table's terms") {
    Policy p = parse_policy(kFull, "t");
    Assessment a = assess(p, kernel(true, true));
    std::vector<std::string> names;
    for (auto& r : a.rules) names.push_back(r.name);
    CHECK(names == std::vector<std::string>{"baseline", "filesystem.read", "filesystem.write", "filesystem.deny",
                                            "shell.commands", "shell.commands arguments", "memfd-exec",
                                            "network.egress", "network names", "network.deny", "secrets",
                                            "secrets.allowedTools",
                                            "policy.escalation", "policy.auditLog", "policy.sessionTimeout"});
    CHECK(a.outside_runtime == std::vector<std::string>{"tools.mcp"});
    CHECK(rule(a, "policy.sessionTimeout")->subject == "1h");
    // By address in the kernel's programs; by name through the resolver.
    CHECK(rule(a, "network.egress")->subject == "(no address)");
    CHECK(rule(a, "network names")->subject == "github.com:443/tcp");
    CHECK(rule(a, "network.deny")->subject == "169.254.169.254");
    CHECK(rule(a, "filesystem.read")->subject == "/usr");
    // The empty policy still has the baseline, the memfd rule and the audit log.
    Assessment empty = assess(parse_policy("{}", "t"), kernel(true, true));
    CHECK(empty.rules.size() == 3);
    CHECK(assess(parse_policy(R"({"policy": {"auditLog": false}})", "t"), kernel(true, true)).rules.size() == 2);
}

TEST_CASE("every rule is built where the kernel has its layers; extra layers apply where they can") {
    Assessment a = assess(parse_policy(kFull, "t"), kernel(true, true));
    for (const char* name : {"baseline", "filesystem.read", "filesystem.write", "filesystem.deny", "shell.commands",
                             "shell.commands arguments", "memfd-exec", "secrets", "secrets.allowedTools",
                             "network.egress", "network names", "network.deny", "policy.sessionTimeout",
                             "policy.escalation", "policy.auditLog"}) {
        CAPTURE(name);
        CHECK(rule(a, name)->status == RuleStatus::Enforced);
    }
    CHECK(a.not_built().empty());
    CHECK(a.kernel_lacks().empty());
    // Every layer is built; the extra AppArmor one is used where the kernel has it.
    for (auto& l : rule(a, "baseline")->layers) {
        CAPTURE(mechanism_name(l.mechanism));
        CHECK(l.built);
        CHECK(l.used == l.available);
    }
    Assessment with_apparmor = assess(parse_policy(kFull, "t"), kernel(true, true, true));
    for (auto& l : rule(with_apparmor, "baseline")->layers) CHECK(l.used);
    // BPF LSM, extra for deny paths and commands, is used where the kernel has it.
    auto bpf_lsm_used = [](const Assessment& x, const char* name) {
        for (auto& l : rule(x, name)->layers)
            if (l.mechanism == Mechanism::BpfLsm) return l.used;
        return false;
    };
    CHECK(bpf_lsm_used(a, "filesystem.deny"));
    CHECK(bpf_lsm_used(a, "shell.commands"));
    Assessment without = assess(parse_policy(kFull, "t"), kernel(false, true));
    CHECK_FALSE(bpf_lsm_used(without, "filesystem.deny"));
    CHECK(rule(without, "filesystem.deny")->status == RuleStatus::Enforced);
}

TEST_CASE("a rule whose required layer the kernel lacks is not enforceable here") {
    Assessment a = assess(parse_policy(kFull, "t"), kernel(false, true));
    CHECK(rule(a, "secrets.allowedTools")->status == RuleStatus::KernelLacks);
    CHECK(rule(a, "secrets.allowedTools")->lacking == "bpf-lsm (load refused: EPERM)");
    CHECK(a.kernel_lacks() == "secrets.allowedTools (needs bpf-lsm (load refused: EPERM))");
    // BPF LSM is only an extra layer for commands: their status does not change.
    CHECK(rule(a, "shell.commands")->status == RuleStatus::Enforced);
}

TEST_CASE("memfd exec takes the first layer the kernel has and this build applies: the sysctl, BPF LSM, seccomp") {
    auto chosen = [](const KernelFeatures& k) {
        Assessment a = assess(parse_policy("{}", "t"), k);
        for (auto& l : rule(a, "memfd-exec")->layers)
            if (l.used) return std::string(mechanism_name(l.mechanism));
        return std::string();
    };
    CHECK(chosen(kernel(true, true)) == "memfd-noexec");
    CHECK(chosen(kernel(true, false)) == "bpf-lsm");
    CHECK(chosen(kernel(false, false)) == "seccomp");
}

TEST_CASE("strict mode refuses with one line naming the unenforced rules") {
    Policy enforced = parse_policy(R"({"capabilities": {"filesystem": {"write": ["/w"]}}})", "t");
    CHECK(refusal(enforced, assess(enforced, kernel(true, true))).empty());
    Policy tools = parse_policy(R"({"secrets": {"T": {"provider": "env", "allowedTools": ["git"]}}})", "t");
    CHECK(refusal(tools, assess(tools, kernel(false, true))) ==
          "agent policy: not enforceable on this kernel: secrets.allowedTools (needs bpf-lsm (load refused: EPERM)) "
          "(strict mode; see runac policy explain)");
}

TEST_CASE("best-effort mode starts and warns once per unenforced rule") {
    Policy p = parse_policy(R"({"capabilities": {"filesystem": {"write": ["/workspace"]}}, "secrets": {"T": {"provider": "env", "allowedTools": ["git"]}}, "policy": {"escalation": "prompt"}, "enforcement": {"mode": "best-effort"}})", "t");
    auto warnings = admission_warnings(p, assess(p, kernel(false, true)));
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] == "agent policy (best-effort): secrets.allowedTools is not enforced: this kernel lacks bpf-lsm (load refused: EPERM)");
}

TEST_CASE("beside another runtime, the hook applies the network, the monitor and the log, and names the rest") {
    Policy p = parse_policy(kFull, "t");
    Assessment a = assess(p, kernel(true, true), Applier::Hook);
    CHECK(rule(a, "network.egress")->status == RuleStatus::Enforced);
    CHECK(rule(a, "network.deny")->status == RuleStatus::Enforced);
    CHECK(rule(a, "policy.sessionTimeout")->status == RuleStatus::Enforced);
    // Approvals live in runac's own state, which a hooked container has not.
    CHECK(rule(a, "policy.escalation")->status == RuleStatus::NotByHook);
    for (const char* inside : {"baseline", "filesystem.read", "filesystem.write", "filesystem.deny", "shell.commands",
                               "secrets", "memfd-exec"})
        CHECK_MESSAGE(rule(a, inside)->status == RuleStatus::NotByHook, inside);
    CHECK(rule(a, "secrets.allowedTools")->status == RuleStatus::NotByHook);
    CHECK(refusal(p, a).rfind("agent policy: a hook cannot apply (they need runac as the container's runtime): baseline, "
                              "filesystem.read, filesystem.write, filesystem.deny, shell.commands, ",
                              0) == 0);
    CHECK(refusal(p, a).find("(strict mode; see runac policy explain --hook)") != std::string::npos);

    Policy net = parse_policy(R"({"capabilities": {"network": {"egress": [{"host": "a.test", "port": 443}]}},
                                  "policy": {"auditLog": true}, "enforcement": {"mode": "best-effort"}})", "t");
    auto warnings = admission_warnings(net, assess(net, kernel(true, true), Applier::Hook));
    REQUIRE(warnings.size() == 2);
    CHECK(warnings[0] == "agent policy (best-effort): baseline is not enforced: a hook cannot apply it (it needs runac "
                         "as the container's runtime)");
    CHECK(warnings[1].find("memfd-exec is not enforced: a hook cannot apply it") != std::string::npos);
    // As runac's own runtime, the same policy is enforced whole.
    CHECK(admission_warnings(net, assess(net, kernel(true, true))).empty());
}

TEST_CASE("enforcement.require refuses in either mode when a layer is missing or not applied") {
    Policy p = parse_policy(R"({"enforcement": {"mode": "best-effort", "require": ["bpf-lsm", "landlock"]}})", "t");
    CHECK(refusal(p, assess(p, kernel(false, true))) ==
          "agent policy: enforcement.require: bpf-lsm is not available on this kernel (load refused: EPERM), "
          "landlock is used by no rule of this policy");
    // BPF LSM then also refuses executable memfds, beside vm.memfd_noexec;
    // Landlock has no rule of this policy to apply.
    CHECK(refusal(p, assess(p, kernel(true, true))) ==
          "agent policy: enforcement.require: landlock is used by no rule of this policy");
    Assessment both = assess(p, kernel(true, true));
    int used = 0;
    for (auto& l : rule(both, "memfd-exec")->layers) used += l.used;
    CHECK(used == 2);
    Policy aa = parse_policy(R"({"enforcement": {"require": ["apparmor"]}})", "t");
    CHECK(refusal(aa, assess(aa, kernel(true, true, true))).empty());
    CHECK(refusal(aa, assess(aa, kernel(true, true, false))) ==
          "agent policy: enforcement.require: apparmor is not available on this kernel (not in this kernel)");
    // A policy whose enforced rules use Landlock meets require: landlock.
    Policy fs = parse_policy(R"({"capabilities": {"filesystem": {"write": ["/w"]}}, "enforcement": {"require": ["landlock", "seccomp"]}})", "t");
    CHECK(refusal(fs, assess(fs, kernel(true, true))).empty());
}

TEST_CASE("explain names the kernel's layers, each rule's status, weaknesses and create's verdict") {
    Policy p = parse_policy(kFull, "t");
    KernelFeatures k = kernel(false, true);
    std::string text = explain(p, "file t", assess(p, k), k);
    CHECK(text.find("policy: file t\n") != std::string::npos);
    CHECK(text.find("  bpf-lsm: unavailable (load refused: EPERM)\n") != std::string::npos);
    CHECK(text.find("  apparmor: unavailable (not in this kernel)\n") != std::string::npos);
    CHECK(text.find("  landlock: available (ABI 4)\n") != std::string::npos);
    CHECK(text.find("  filesystem.write [/workspace]: enforced\n") != std::string::npos);
    CHECK(text.find("  network names [github.com:443/tcp]: enforced\n    cgroup-bpf (required, available here, built)") !=
          std::string::npos);
    CHECK(text.find("  policy.escalation [prompt]: enforced\n    monitor (required, available here, built)") !=
          std::string::npos);
    CHECK(text.find("  secrets.allowedTools [per-tool access]: not enforceable on this kernel: needs bpf-lsm") != std::string::npos);
    CHECK(text.find("weakness: a multi-call binary (busybox) allows all of its applets") != std::string::npos);
    CHECK(text.find("weakness: an allowed interpreter") != std::string::npos);
    CHECK(text.find("weakness: without BPF LSM, `ld.so BINARY` runs a binary that is not allowed") != std::string::npos);
    CHECK(text.find("weakness: names are DNS-following") != std::string::npos);
    CHECK(text.find("weakness: processes the agent starts itself are checked by binary, not by arguments") != std::string::npos);
    CHECK(text.find("enforced nowhere (outside a runtime): tools.mcp\n") != std::string::npos);
    CHECK(text.find("create: refused: agent policy: not enforceable on this kernel: secrets.allowedTools") !=
          std::string::npos);
    KernelFeatures vm = kernel(true, false, true);
    std::string in_vm = explain(p, "file t", assess(p, vm), vm);
    CHECK(in_vm.find("  bpf-lsm: available (attaches)\n") != std::string::npos);
    CHECK(in_vm.find("  apparmor: available (enabled)\n") != std::string::npos);
}
