// network.egress and network.deny in the kernel: one instance of the
// programs of bpf/egress.bpf.c per container, its maps filled from the plan,
// attached to the container's cgroup-v2 directory with BPF_PROG_ATTACH
// (BPF_F_ALLOW_MULTI: a sub-cgroup inherits them and cannot replace them).
// Attached so, they live with the cgroup and no runac process needs to stay
// alive; nothing is pinned, so the host needs no bpffs.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "common/fd.hpp"
#include "enforce/coverage.hpp"
#include "enforce/plan.hpp"

struct runac_egress;

namespace runac::enforce {

// Inline, so that what only reads the rule table (the policy fuzzer) needs
// no libbpf.
inline const std::vector<Covers>& egress_covers() {
    static const std::vector<Covers> covers = {
        {Rule::Egress, Mechanism::CgroupBpf},
        {Rule::NetworkDeny, Mechanism::CgroupBpf},
        {Rule::EgressNames, Mechanism::CgroupBpf},
    };
    return covers;
}

// Attached until destroyed, unless kept: a create that fails on the way
// leaves no program on the cgroup.
class EgressFilter {
public:
    // Loads, fills and attaches; throws an Error naming the layer.
    static EgressFilter attach(const Egress& egress, const std::string& cgroup_dir);
    EgressFilter(EgressFilter&& other) noexcept;
    EgressFilter& operator=(EgressFilter&&) = delete;
    ~EgressFilter();
    // From now on the programs live with the cgroup.
    void keep() { kept_ = true; }

private:
    EgressFilter() = default;
    runac_egress* skel_ = nullptr;
    UniqueFd cgroup_;
    std::vector<std::pair<int, int>> attached_;  // (program fd, attach type)
    bool kept_ = false;
};

// `delete`: takes runac's egress programs off a cgroup directory (they would
// go with the cgroup, but a cgroup runac did not make outlives the container).
void detach_egress(const std::string& cgroup_dir);

}  // namespace runac::enforce
