// libFuzzer target for the agent policy parser: any bytes either parse into
// a policy or fail with runac::Error, never crash, hang or leak. A parsed
// policy must narrow itself unchanged (a floor never refuses its own rules)
// and go through the rule table and `policy explain`.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "agent/enforcement.hpp"
#include "agent/narrow.hpp"
#include "agent/parse.hpp"
#include "common/error.hpp"

namespace {
runac::linux::KernelFeatures some_kernel() {
    runac::linux::KernelFeatures k;
    k.landlock = {true, "ABI 4"};
    k.seccomp = {true, "filter mode"};
    k.cgroup_bpf = {true, "loads"};
    k.bpf_lsm = {false, "load refused"};
    k.memfd_noexec = {false, "absent"};
    return k;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    runac::agent::Policy policy;
    try {
        policy = runac::agent::parse_policy(text, "fuzz");
    } catch (const runac::Error&) {
        return 0;
    }
    runac::agent::Policy self = runac::agent::narrow(policy, policy, "self");
    if (self.write != policy.write || self.egress != policy.egress || self.read != policy.read) std::abort();
    auto assessment = runac::agent::assess(policy, some_kernel());
    if (assessment.rules.empty()) std::abort();
    return 0;
}
