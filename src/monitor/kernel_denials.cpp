#include "monitor/kernel_denials.hpp"

#include <seccomp.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <optional>

#include "agent/values.hpp"

namespace runac::monitor {

namespace {

constexpr uint16_t kSyscall = 1300, kEndOfEvent = 1320, kSeccomp = 1326, kLandlockAccess = 1423,
                   kLandlockDomain = 1424;
constexpr size_t kOpenEvents = 256;  // more open at once: the oldest is finished

// "audit(1796301983.279:87): key=value key="value" ...": the serial and the fields.
struct Record {
    uint64_t serial = 0;
    std::map<std::string, std::string, std::less<>> fields;
    std::string get(std::string_view key) const {
        auto it = fields.find(key);
        return it == fields.end() ? "" : it->second;
    }
};

bool is_hex(std::string_view s) {
    if (s.empty() || s.size() % 2) return false;
    for (char c : s)
        if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

// The audit writes a string that needs quoting (a space, a quote, a
// control character) as hex, unquoted.
std::string unhex(std::string_view s) {
    std::string out;
    for (size_t i = 0; i + 1 < s.size(); i += 2) out += static_cast<char>(std::stoi(std::string(s.substr(i, 2)), nullptr, 16));
    return out;
}

bool untrusted(std::string_view key) { return key == "path" || key == "exe" || key == "comm" || key == "name"; }

// The serial of "audit(SECONDS.MS:SERIAL): ...", and in `rest` what follows it.
std::optional<uint64_t> serial_of(std::string_view text, std::string_view& rest) {
    if (text.rfind("audit(", 0) != 0) return std::nullopt;
    size_t colon = text.find(':'), close = text.find("):");
    if (colon == std::string_view::npos || close == std::string_view::npos || colon > close) return std::nullopt;
    rest = text.substr(close + 2);
    return std::strtoull(std::string(text.substr(colon + 1, close - colon - 1)).c_str(), nullptr, 10);
}

Record parse(uint64_t serial, std::string_view rest) {
    Record r;
    r.serial = serial;
    while (!rest.empty()) {
        while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        size_t eq = rest.find('=');
        if (eq == std::string_view::npos) break;
        std::string_view key = rest.substr(0, eq);
        rest.remove_prefix(eq + 1);
        std::string value;
        if (!rest.empty() && rest.front() == '"') {
            size_t end = rest.find('"', 1);
            if (end == std::string_view::npos) end = rest.size();
            value = std::string(rest.substr(1, end - 1));
            rest.remove_prefix(std::min(end + 1, rest.size()));
        } else {
            size_t end = std::min(rest.find(' '), rest.size());
            std::string_view bare = rest.substr(0, end);
            value = untrusted(key) && is_hex(bare) ? unhex(bare) : std::string(bare);
            rest.remove_prefix(end);
        }
        r.fields.emplace(std::string(key), std::move(value));
    }
    return r;
}

uint32_t number(const std::string& s, int base = 10) { return static_cast<uint32_t>(std::strtoul(s.c_str(), nullptr, base)); }

// The policy's rule a Landlock refusal enforces.
std::string landlock_rule(const std::string& access, const std::string& path, const ContainerView& c) {
    if (access.rfind("net.", 0) == 0) return "network.egress";
    if (access.rfind("scope.", 0) == 0) return "baseline";
    for (auto& d : c.deny)
        if (agent::path_within(path, d)) return "filesystem.deny";
    if (access.rfind("fs.execute", 0) == 0) return c.commands ? "shell.commands" : "filesystem.read";
    if (access.rfind("fs.read_", 0) == 0) return "filesystem.read";
    return "filesystem.write";
}

}  // namespace

void kernel_denial_fields(JsonWriter& w, const KernelDenial& d) {
    w.key("rule").value(d.rule).key("layer").value(d.layer);
    w.key(d.layer == "seccomp" ? "syscall" : "access").value(d.access);
    if (!d.path.empty()) w.key("path").value(d.path);
    if (d.pid) w.key("pid").value(static_cast<int64_t>(d.pid));
    if (!d.command.empty()) w.key("command").value(d.command);
    if (!d.executable.empty()) w.key("executable").value(d.executable);
}

void KernelDenials::record(uint16_t type, std::string_view text) {
    if (type != kSyscall && type != kEndOfEvent && type != kSeccomp && type != kLandlockAccess &&
        type != kLandlockDomain)
        return;
    std::string_view rest;
    auto event = serial_of(text, rest);
    if (!event) return;
    // A busy host's audit is mostly other processes' SYSCALL and EOE
    // records: only those of an event with a refusal in it are read on.
    if ((type == kSyscall || type == kEndOfEvent) && !events_.count(*event)) return;
    if (type == kEndOfEvent) return finish(*event);
    Record r = parse(*event, rest);
    if (type == kSeccomp) {
        // Logged as it is refused: the process is the one named. (Only the
        // filter of refusals logs; clone3's ENOSYS comes from another.)
        uint32_t pid = number(r.get("pid"));
        if (!container_.member(pid)) return;
        KernelDenial d;
        d.layer = "seccomp";
        int nr = static_cast<int>(number(r.get("syscall")));
        std::unique_ptr<char, decltype(&std::free)> name(
            seccomp_syscall_resolve_num_arch(number(r.get("arch"), 16), nr), &std::free);
        d.access = name ? name.get() : "syscall " + std::to_string(nr);
        d.rule = d.access == "memfd_create" ? "memfd-exec" : "baseline";
        d.pid = pid;
        d.command = r.get("comm");
        d.executable = r.get("exe");
        emit_(d);
        return;
    }
    if (type == kLandlockDomain) {
        std::string domain = r.get("domain");
        if (r.get("status") == "allocated" && container_.member(number(r.get("pid")))) domains_.insert(domain);
        // A freed domain's id is never used again: what is still open of it goes out first.
        if (r.get("status") == "deallocated" && domains_.count(domain)) {
            std::vector<uint64_t> of_domain;
            for (auto& [serial, e] : events_)
                for (auto& refusal : e.refused)
                    if (refusal.first == domain) of_domain.push_back(serial);
            for (uint64_t serial : of_domain) finish(serial);
            domains_.erase(domain);
        }
        return;
    }
    if (type == kSyscall) {
        auto it = events_.find(r.serial);
        it->second.pid = number(r.get("pid"));
        it->second.command = r.get("comm");
        it->second.executable = r.get("exe");
        return;
    }
    KernelDenial d;
    d.layer = "landlock";
    d.access = r.get("blockers");
    d.path = r.get("path");
    if (events_.size() >= kOpenEvents && !events_.count(r.serial)) finish(events_.begin()->first);
    events_[r.serial].refused.emplace_back(r.get("domain"), std::move(d));
}

void KernelDenials::finish(uint64_t serial) {
    auto node = events_.extract(serial);
    if (node.empty()) return;
    Event& e = node.mapped();
    for (auto& [domain, d] : e.refused) {
        if (!domains_.count(domain)) continue;
        d.rule = landlock_rule(d.access, d.path, container_);
        d.pid = e.pid;
        d.command = e.command;
        d.executable = e.executable;
        emit_(d);
    }
}

void KernelDenials::finish_all() {
    while (!events_.empty()) finish(events_.begin()->first);
}

void KernelDenials::flush() {
    std::vector<uint64_t> stale;
    for (auto& [serial, e] : events_) {
        if (e.seen_at_flush) stale.push_back(serial);
        e.seen_at_flush = true;
    }
    for (uint64_t serial : stale) finish(serial);
}

}  // namespace runac::monitor
