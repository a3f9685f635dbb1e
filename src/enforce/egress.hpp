// network.egress and network.deny in the kernel: the programs of
// bpf/egress.bpf.c, loaded once per boot and pinned in a bpffs of runac's
// own (/run/runac-cache/bpffs, mounted by the first create that needs it),
// attached to each container's cgroup-v2 directory with BPF_PROG_ATTACH
// (BPF_F_ALLOW_MULTI: a sub-cgroup inherits them and cannot replace them).
// Each container has maps of its own, filled from its plan and found by the
// programs through outer maps keyed by its cgroup's id. Attached so, they
// live with the cgroup and no runac process needs to stay alive.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/fd.hpp"
#include "enforce/coverage.hpp"
#include "enforce/plan.hpp"

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

// The container's maps the monitor works with, by the fds its process
// inherits from create (only the outer maps are pinned): the resolver's
// answers, the refusals it reports, the networks an approval adds.
struct MonitorMaps {
    uint64_t container = 0;  // the container's key in the shared maps
    int names4 = -1, names6 = -1, resolver = -1;  // the name maps are shared
    // The container's entries in them (shared by the copies of this value).
    std::shared_ptr<uint32_t> names_held = std::make_shared<uint32_t>(0);
    int allow4 = -1, allow6 = -1;
    int denials = -1;  // the ring buffer of refusals (policy.auditLog)
    int lost = -1;     // ... and the count of those it had no room for
    // That count since the last call, set back to 0.
    uint64_t take_lost() const;
    // Port 53 of any address goes to the resolver from now on (addresses
    // and port in network order).
    void set_resolver(uint32_t addr4, const uint8_t (&addr6)[16], uint16_t port) const;
    // An answered address, allowed for `seconds` from now (a later expiry
    // already there is kept). False when the map is full or the container
    // holds as many as it may.
    bool allow(const std::string& address, uint16_t port, uint8_t protocol, uint32_t seconds) const;
    // Takes out the entries whose time has passed (the programs already
    // ignore them).
    void expire() const;
    // Takes out all of the container's entries, as it ends, and says so in
    // its resolver's slot: delete then need not walk every container's.
    void drop_names() const;
    // An approved network, allowed from now on like one of the policy's.
    // Throws an Error.
    void allow_network(const EgressNet& net) const;
    std::vector<int> fds() const { return {names4, names6, resolver, allow4, allow6, denials, lost}; }
};

// Attached until destroyed, unless kept: a create that fails on the way
// leaves no program on the cgroup.
class EgressFilter {
public:
    // Loads, fills and attaches; throws an Error naming the layer.
    static EgressFilter attach(const Egress& egress, const std::string& cgroup_dir);
    EgressFilter(EgressFilter&& other) noexcept = default;
    EgressFilter& operator=(EgressFilter&&) = delete;
    ~EgressFilter();
    // From now on the programs live with the cgroup.
    void keep() { kept_ = true; }
    MonitorMaps monitor_maps() const;
    // The container's key in the shared maps: its cgroup's inode.
    uint64_t key() const { return key_; }

private:
    EgressFilter() = default;
    UniqueFd cgroup_;
    uint64_t key_ = 0;
    std::vector<UniqueFd> inner_;                     // the container's maps
    std::vector<UniqueFd> outer_;                     // where they were added
    std::vector<std::pair<UniqueFd, int>> attached_;  // (program, attach type)
    UniqueFd names4_, names6_;                        // the shared name maps
    bool kept_ = false;
};

// Takes runac's egress programs off a cgroup directory that may outlive the
// container (a create that failed, a delete whose cgroup would not go, a
// cgroup runac did not make) and the container's maps out of the shared
// ones of its build, with those of any container of that build whose cgroup
// went without a delete. When the directory is gone already (`runac hook`
// at poststop, after the runtime removed it), `key` (EgressFilter::key())
// names the container's maps: the kernel frees a removed cgroup's storage
// later, so they would not look stale yet.
void detach_egress(const std::string& cgroup_dir, uint64_t key = 0);
// When runac removes the cgroup itself, the programs go with it: the
// container's key, read from the directory before (0 when it is gone),
// then its maps forgotten as detach_egress() does.
uint64_t egress_key(const std::string& cgroup_dir);
void forget_egress(uint64_t key);

}  // namespace runac::enforce
