#include "monitor/reports.hpp"

#include <arpa/inet.h>
#include <cstring>
#include <utility>
#include <netinet/in.h>

#include "common/error.hpp"

namespace runac::monitor {

namespace {

// bpf/egress.bpf.c's struct denial.
struct Denial {
    uint32_t pid;
    uint8_t family, protocol;
    uint16_t port;  // network order
    uint8_t addr[16];
    char comm[16];
    uint8_t rule, pad[3];
};

}  // namespace

bool RateLimit::take(const std::string& rule, time_t now) {
    Window& w = windows_[rule];
    if (w.second != now) w = {now, 0};
    if (w.used < kRecordsPerSecond) {
        w.used++;
        return true;
    }
    held_back_[rule]++;
    return false;
}

std::map<std::string, uint64_t> RateLimit::take_held_back() { return std::exchange(held_back_, {}); }

std::string denial_rule(const void* data, size_t size) {
    if (size != sizeof(Denial)) return "";
    return static_cast<const Denial*>(data)->rule == 1 ? "network.deny" : "network.egress";
}

void denial_fields(JsonWriter& w, const void* data) {
    Denial d;
    std::memcpy(&d, data, sizeof d);
    w.key("rule").value(d.rule == 1 ? "network.deny" : "network.egress");
    w.key("pid").value(static_cast<int64_t>(d.pid));
    w.key("command").value(std::string(d.comm, strnlen(d.comm, sizeof d.comm)));
    if (d.family == 0) {
        w.key("socket").value(std::string("protocol ") + std::to_string(d.protocol) + " (TCP and UDP only)");
        return;
    }
    char text[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(d.family == AF_INET ? AF_INET : AF_INET6, d.addr, text, sizeof text);
    w.key("protocol").value(d.protocol == IPPROTO_UDP ? "udp" : d.protocol == IPPROTO_TCP ? "tcp" : std::to_string(d.protocol));
    w.key("address").value(text).key("port").value(static_cast<int64_t>(ntohs(d.port)));
}

std::optional<Askable> denial_askable(const void* data) {
    Denial d;
    std::memcpy(&d, data, sizeof d);
    if (d.rule != 2 || (d.family != AF_INET && d.family != AF_INET6)) return std::nullopt;
    if (d.protocol != IPPROTO_TCP && d.protocol != IPPROTO_UDP) return std::nullopt;
    char text[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(d.family, d.addr, text, sizeof text);
    Askable a;
    a.grant = agent::EgressRule{text, ntohs(d.port), d.protocol == IPPROTO_UDP ? agent::Protocol::Udp : agent::Protocol::Tcp};
    a.pid = d.pid;
    a.command = std::string(d.comm, strnlen(d.comm, sizeof d.comm));
    return a;
}

void Reporter::record(const std::string& rule, const std::string& event,
                      const std::function<void(JsonWriter&)>& fields) {
    if (!on() || !limit_.take(rule, ::time(nullptr))) return;
    try {
        log_.append(event, fields);
    } catch (const Error&) {
        // A full disk: the refusal itself stands; the record is lost.
    }
}

void Reporter::lost(const std::string& rule, uint64_t count) { limit_.hold_back(rule, count); }

void Reporter::tick() {
    if (!on()) return;
    for (auto& [rule, count] : limit_.take_held_back()) {
        try {
            log_.append("held-back", [&](JsonWriter& w) { w.key("rule").value(rule).key("records").value_uint(count); });
        } catch (const Error&) {
        }
    }
}

}  // namespace runac::monitor
