#include "monitor/approver.hpp"

#include <ctime>
#include <netinet/in.h>

#include "agent/values.hpp"
#include "common/error.hpp"

namespace runac::monitor {

void Approver::audit(const Request& r, const char* event) {
    reporter_.record("policy.escalation", event, [&](JsonWriter& w) { write_request(w, r); });
}

void Approver::refused(const Askable& what) {
    if (auto* r = requests_.offer(what.grant, what.pid, what.command, ::time(nullptr))) audit(*r, "approval-request");
}

// An address (the egress programs' refusal), a name (the resolver's) or
// an executable (BPF LSM's).
void Approver::apply(const Request& r) {
    if (!r.grant.egress) {
        if (lsm_.exec < 0) throw Error("request " + std::to_string(r.id) + ": this container has no exec allowlist");
        lsm_.allow_exec(r.grant.file);
        return;
    }
    const agent::EgressRule& grant = *r.grant.egress;
    auto protocol = static_cast<uint8_t>(grant.protocol == agent::Protocol::Udp ? IPPROTO_UDP : IPPROTO_TCP);
    std::string problem;
    auto host = agent::parse_host(grant.host, problem);
    if (!host) throw Error("request " + std::to_string(r.id) + ": " + problem);
    if (host->kind == agent::HostKind::Name) {
        if (!resolver_) throw Error("request " + std::to_string(r.id) + ": this container does not follow DNS");
        resolver_->allow({host->text, grant.port, protocol});
        return;
    }
    std::string network = host->kind == agent::HostKind::Address ? host->text + "/" + std::to_string(host->prefix)
                                                                  : host->text;
    maps_.allow_network({network, grant.port, protocol});
}

std::string Approver::handle(const std::string& question) {
    JsonWriter w;
    w.begin_object();
    try {
        JsonDocument doc = JsonDocument::parse(question, "question");
        JsonValue q = doc.root();
        int64_t now = ::time(nullptr);
        tick();
        if (q.get("list")) {
            w.key("requests").begin_array();
            for (auto& r : requests_.all()) {
                w.begin_object();
                write_request(w, r);
                w.end_object();
            }
            w.end_array();
        } else {
            auto approve = q.get("approve");
            auto deny = q.get("deny");
            if (!approve && !deny) throw Error("a question names list, approve or deny");
            auto id = static_cast<uint32_t>((approve ? *approve : *deny).as_uint());
            bool persist = approve && q.get("persist") && q.get("persist")->as_bool();
            const Request& r = requests_.decide(id, approve.has_value(), persist, now);
            if (approve) apply(r);
            audit(r, "approval");
            w.key("request").begin_object();
            write_request(w, r);
            w.end_object();
        }
    } catch (const std::exception& e) {
        w.key("error").value(e.what());
    }
    w.end_object();
    return w.str();
}

void Approver::serve() {
    Question q = accept_question(control_.get());
    if (!q.text.empty()) answer(q, handle(q.text));
}

void Approver::tick() {
    for (auto* r : requests_.expire(::time(nullptr))) audit(*r, "approval");
}

}  // namespace runac::monitor
