// What the resolver answers and what each answer allows: the names of
// network.egress and network.deny (enforce::Egress) applied to DNS
// questions and replies. Pure: the unit tests check it without a network.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "enforce/plan.hpp"
#include "monitor/dns.hpp"

namespace runac::monitor {

// How long an answered address stays allowed: its TTL, but at least the
// floor (a client connects a moment after it resolved, and a TTL of 0 or 1
// would refuse that connect) and at most a day.
inline constexpr uint32_t kTtlFloor = 5, kTtlCeiling = 86400;
// A reply adds at most this many addresses.
inline constexpr size_t kAddressesPerAnswer = 32;

// One entry for the programs' name maps.
struct Grant {
    std::string address;  // "192.0.2.1", "2001:db8::1"
    uint16_t port = 0;    // 0: any
    uint8_t protocol = 0;
    uint32_t seconds = 0;
    bool operator==(const Grant&) const = default;
};

class NamePolicy {
public:
    explicit NamePolicy(const enforce::Egress& egress);
    // Whether a question for `name` goes upstream at all: some name rule
    // allows it (every name when egress is open) and no deny name matches.
    bool answers(const std::string& name) const;
    // The grants of a reply to an allowed question for `name`: its
    // addresses and those of its CNAME chain, under each rule that allows
    // `name`. nullopt: the chain reaches a denied name (the client gets
    // NXDOMAIN).
    std::optional<std::vector<Grant>> grants(const std::string& name, const std::vector<dns::Record>& records) const;
    // Whether network.deny names `name` (or a wildcard above it).
    bool denied(const std::string& name) const;
    // An approved name, answered from now on like one of the policy's.
    void allow(const enforce::EgressName& name);

private:
    std::vector<const enforce::EgressName*> rules_for(const std::string& name) const;
    enforce::Egress egress_;
};

}  // namespace runac::monitor
