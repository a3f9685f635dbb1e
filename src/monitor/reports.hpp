// What the monitor writes to the container's audit log (policy.auditLog):
// the egress programs' refusals (their ring buffer) and the resolver's
// answers. A storm of them must not fill the disk: each rule gets at most
// kRecordsPerSecond records a second, and what was held back is counted in
// one summary record per rule.
#pragma once
#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/policy.hpp"
#include "audit/audit_log.hpp"
#include "monitor/approvals.hpp"

namespace runac::monitor {

inline constexpr uint32_t kRecordsPerSecond = 20;

// The counting, apart from the writing.
class RateLimit {
public:
    // Whether a record of `rule` may be written in second `now`; else counted.
    bool take(const std::string& rule, time_t now);
    void hold_back(const std::string& rule, uint64_t count) {
        if (count) held_back_[rule] += count;
    }
    // The counts held back so far, per rule, emptied.
    std::map<std::string, uint64_t> take_held_back();

private:
    struct Window {
        time_t second = 0;
        uint32_t used = 0;
    };
    std::map<std::string, Window> windows_;
    std::map<std::string, uint64_t> held_back_;
};

// The egress programs' report of one refusal (bpf/egress.bpf.c's struct
// denial, `size` bytes): the rule that refused it, and the record's fields
// (the rule, pid, command, destination). "" for a report of another size.
std::string denial_rule(const void* denial, size_t size);
void denial_fields(JsonWriter& w, const void* denial);

// What approving a refusal would allow (escalation: prompt): its
// destination, port and protocol, and who was refused. nullopt for a
// refusal no egress rule lifts (network.deny, a socket type).
struct Askable {
    Capability grant;
    uint32_t pid = 0;
    std::string command;
};
std::optional<Askable> denial_askable(const void* denial);

class Reporter {
public:
    explicit Reporter(audit::AuditLog log) : log_(std::move(log)) {}
    bool on() const { return log_.is_open(); }
    std::vector<int> fds() const { return {log_.log_fd(), log_.head_fd()}; }
    void record(const std::string& rule, const std::string& event, const std::function<void(JsonWriter&)>& fields);
    // Once a second: a summary record per rule that was held back.
    void tick();
    // Reports the kernel had no room for, counted with the held-back ones.
    void lost(const std::string& rule, uint64_t count);

private:
    audit::AuditLog log_;
    RateLimit limit_;
};

}  // namespace runac::monitor
