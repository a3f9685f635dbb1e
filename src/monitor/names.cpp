#include "monitor/names.hpp"

#include <algorithm>

#include "agent/values.hpp"

namespace runac::monitor {

namespace {

// The policy's own matching (agent/values.hpp): "*.a.org" covers the names
// below a.org, not a.org itself.
bool matches(const std::string& pattern, const std::string& name) {
    std::string problem;
    auto p = agent::parse_host(pattern, problem);
    auto n = agent::parse_host(name, problem);
    return p && n && n->kind == agent::HostKind::Name && agent::host_covers(*p, *n);
}

}  // namespace

NamePolicy::NamePolicy(const enforce::Egress& egress) : egress_(egress) {}

bool NamePolicy::denied(const std::string& name) const {
    return std::any_of(egress_.deny_names.begin(), egress_.deny_names.end(),
                       [&](auto& d) { return matches(d, name); });
}

std::vector<const enforce::EgressName*> NamePolicy::rules_for(const std::string& name) const {
    std::vector<const enforce::EgressName*> out;
    for (auto& r : egress_.names)
        if (matches(r.pattern, name)) out.push_back(&r);
    return out;
}

void NamePolicy::allow(const enforce::EgressName& name) {
    if (std::find(egress_.names.begin(), egress_.names.end(), name) == egress_.names.end())
        egress_.names.push_back(name);
}

bool NamePolicy::answers(const std::string& name) const {
    return !denied(name) && (egress_.open || !rules_for(name).empty());
}

std::optional<std::vector<Grant>> NamePolicy::grants(const std::string& name,
                                                     const std::vector<dns::Record>& records) const {
    // The chain: the name, then each CNAME target of a name already in it.
    std::vector<std::string> chain{name};
    for (bool grew = true; grew;) {
        grew = false;
        for (auto& r : records)
            if (r.type == dns::kTypeCname && std::count(chain.begin(), chain.end(), r.owner) &&
                !std::count(chain.begin(), chain.end(), r.value)) {
                chain.push_back(r.value);
                grew = true;
            }
    }
    if (std::any_of(chain.begin(), chain.end(), [&](auto& n) { return denied(n); })) return std::nullopt;
    std::vector<Grant> out;
    if (egress_.open) return out;  // every address is reachable already
    auto rules = rules_for(name);
    size_t addresses = 0;
    for (auto& r : records) {
        if (r.type == dns::kTypeCname || !std::count(chain.begin(), chain.end(), r.owner)) continue;
        if (addresses++ == kAddressesPerAnswer) break;
        uint32_t seconds = std::clamp(r.ttl, kTtlFloor, kTtlCeiling);
        for (auto* rule : rules) out.push_back({r.value, rule->port, rule->protocol, seconds});
    }
    return out;
}

}  // namespace runac::monitor
