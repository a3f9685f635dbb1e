#include "monitor/approvals.hpp"

#include <algorithm>

#include "agent/grants.hpp"
#include "common/error.hpp"

namespace runac::monitor {

const char* decision_name(Decision d) {
    switch (d) {
        case Decision::Pending: return "pending";
        case Decision::Approved: return "approved";
        case Decision::Denied: return "denied";
        case Decision::TimedOut: return "timed out";
    }
    return "?";
}

Capability Capability::execute(const std::string& name, const enforce::FileId& file) {
    Capability c;
    c.executable = name;
    c.file = file;
    return c;
}

std::string capability_diff(const Capability& grant) {
    if (!grant.egress) return "+ shell.commands " + json_quote(grant.executable);
    return "+ network.egress " + agent::egress_rule_json(*grant.egress);
}

void write_request(JsonWriter& w, const Request& r) {
    w.key("request").value_uint(r.id).key("state").value(decision_name(r.decision));
    w.key("grant");
    if (r.grant.egress)
        agent::write_egress_rule(w, *r.grant.egress);
    else
        w.begin_object().key("executable").value(r.grant.executable).end_object();
    w.key("diff").value(capability_diff(r.grant));
    if (r.pid) w.key("pid").value(static_cast<int64_t>(r.pid)).key("command").value(r.command);
    w.key("asked").value(r.asked).key("refusals").value_uint(r.refusals);
    if (r.decision == Decision::Approved) w.key("persist").value(r.persist);
}

const Request* Requests::offer(const Capability& grant, uint32_t pid, const std::string& command, int64_t now) {
    for (auto& r : requests_)
        if (r.grant == grant) {
            r.refusals++;
            return nullptr;
        }
    if (requests_.size() >= kMaxRequests) return nullptr;
    Request r;
    r.id = static_cast<uint32_t>(requests_.size() + 1);
    r.grant = grant;
    r.pid = pid;
    r.command = command;
    r.asked = now;
    requests_.push_back(std::move(r));
    return &requests_.back();
}

const Request& Requests::decide(uint32_t id, bool approve, bool persist, int64_t now) {
    if (id == 0 || id > requests_.size()) throw Error("no request " + std::to_string(id));
    expire(now);
    Request& r = requests_[id - 1];
    if (r.decision == Decision::TimedOut)
        throw Error("request " + std::to_string(id) + " timed out after " + std::to_string(timeout_) +
                    " s and was denied");
    if (r.decision != Decision::Pending)
        throw Error("request " + std::to_string(id) + " is " + decision_name(r.decision) + " already");
    if (approve && persist && !r.grant.egress)
        throw Error("request " + std::to_string(id) + ": an executable is approved for this session only (--persist "
                    "keeps network grants; add " + r.grant.executable + " to shell.commands for the next)");
    r.decision = approve ? Decision::Approved : Decision::Denied;
    r.persist = approve && persist;
    return r;
}

std::vector<const Request*> Requests::expire(int64_t now) {
    std::vector<const Request*> out;
    for (auto& r : requests_)
        if (r.decision == Decision::Pending && now - r.asked >= timeout_) {
            r.decision = Decision::TimedOut;
            out.push_back(&r);
        }
    return out;
}

}  // namespace runac::monitor
