// policy.escalation: prompt. Each refusal a human could turn into a grant
// (a connect or datagram outside network.egress, a name the resolver
// refused, an execute BPF LSM refused under shell.commands) becomes one
// request, shown with the capability diff it would
// grant; `runac approve` / `runac deny` decide it through the monitor's
// control socket (monitor/control.hpp). A request not decided within the
// approval timeout is denied. A decided request is final for the session:
// the same refusal again is counted on it, not asked again. Pure: the unit
// tests drive it with their own clock.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <optional>

#include "agent/policy.hpp"
#include "common/json.hpp"
#include "enforce/lsm.hpp"

namespace runac::monitor {

// A session asks at most this many questions; refusals beyond them are
// only in the audit log.
inline constexpr size_t kMaxRequests = 256;

enum class Decision { Pending, Approved, Denied, TimedOut };
const char* decision_name(Decision d);

// What approving a request adds: a network.egress rule, or an executable
// shell.commands did not allow (BPF LSM's allowlist, live, for the
// session), named by its file name and known by its identity.
struct Capability {
    std::optional<agent::EgressRule> egress;
    std::string executable;
    enforce::FileId file;
    Capability() = default;
    Capability(const agent::EgressRule& rule) : egress(rule) {}  // a rule is one
    static Capability execute(const std::string& name, const enforce::FileId& file);
    bool operator==(const Capability&) const = default;
};

struct Request {
    uint32_t id = 0;               // 1, 2, ... per container
    Capability grant;              // what approving it adds
    uint32_t pid = 0;              // the first refused process (host pid) and its command
    std::string command;
    int64_t asked = 0;             // Unix seconds
    uint64_t refusals = 1;         // how often it was refused, this first time included
    Decision decision = Decision::Pending;
    bool persist = false;          // approved with --persist
};

// "+ network.egress {"host":"pypi.org","port":443}", "+ shell.commands "jq""
std::string capability_diff(const Capability& grant);
void write_request(JsonWriter& w, const Request& r);

class Requests {
public:
    explicit Requests(int64_t timeout_seconds) : timeout_(timeout_seconds) { requests_.reserve(kMaxRequests); }
    // A refusal of what `grant` would allow: a new pending request, or
    // nullptr when one for the same grant exists (counted on it) or the
    // session has asked kMaxRequests already.
    const Request* offer(const Capability& grant, uint32_t pid, const std::string& command, int64_t now);
    // Approves or denies a pending request; throws an Error saying why not
    // (no such request, decided already, timed out, an executable to persist).
    const Request& decide(uint32_t id, bool approve, bool persist, int64_t now);
    // The pending requests whose time ran out, now denied as timed out.
    std::vector<const Request*> expire(int64_t now);
    const std::vector<Request>& all() const { return requests_; }
    int64_t timeout() const { return timeout_; }

private:
    int64_t timeout_;
    std::vector<Request> requests_;
};

}  // namespace runac::monitor
