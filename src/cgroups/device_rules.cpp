#include "cgroups/device_rules.hpp"

namespace runac::cgroups {

namespace {

oci::DeviceRule allow(const char* type, int64_t major, int64_t minor, const char* access) {
    oci::DeviceRule r;
    r.allow = true;
    r.type = type;
    if (major >= 0) r.major = major;
    if (minor >= 0) r.minor = minor;
    r.access = access;
    return r;
}

}  // namespace

std::vector<oci::DeviceRule> effective_device_rules(const oci::Config& config) {
    const auto& asked = config.linux.resources.devices;
    std::vector<oci::DeviceRule> rules = asked;
    if (rules.empty()) return rules;  // no rules asked for: the cgroup's default (allow all) stays
    rules.push_back(allow("c", -1, -1, "m"));
    rules.push_back(allow("b", -1, -1, "m"));
    // A config rule naming one exact device is the config's decision about
    // it: the defaults below do not override it (runc's do; see docs/runtime.md).
    auto named = [&](int64_t major, int64_t minor) {
        for (auto& r : asked)
            if (r.type == "c" && r.major == major && r.minor == minor) return true;
        return false;
    };
    // /dev/null, zero, full, tty, random, urandom, /dev/pts/*, ptmx, net/tun.
    static const int64_t nodes[][2] = {{1, 3}, {1, 5}, {1, 7}, {5, 0}, {1, 8}, {1, 9}, {136, -1}, {5, 2}, {10, 200}};
    for (auto& n : nodes)
        if (n[1] < 0 || !named(n[0], n[1])) rules.push_back(allow("c", n[0], n[1], "rwm"));
    // No rule for the config's linux.devices: making a node is not allowing
    // it (as runc: a deny-all keeps an unlisted node closed).
    return rules;
}

std::string device_rule_text(const oci::DeviceRule& r) {
    if (r.type == "a") return "a";
    auto num = [](std::optional<int64_t> n) { return (n && *n >= 0) ? std::to_string(*n) : std::string("*"); };
    return r.type + " " + num(r.major) + ":" + num(r.minor) + " " + r.access;
}

}  // namespace runac::cgroups
