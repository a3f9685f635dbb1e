#include "agent/values.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cstring>
#include <sys/socket.h>
#include <vector>

#include "common/files.hpp"

namespace runac::agent {

namespace {

bool all_digits(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

// RFC 1123 labels: letters, digits and inner hyphens, 1-63 characters.
bool valid_label(const std::string& l) {
    if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') return false;
    for (char c : l)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    return true;
}

std::string name_problem(const std::string& name) {
    if (name.size() > 253) return "a host name is at most 253 characters";
    auto labels = split(name, '.');
    for (auto& l : labels)
        if (!valid_label(l)) return "not an IP address, network or host name";
    // A last label of digits is a mistyped address, not a top-level domain.
    if (all_digits(labels.back())) return "not an IP address, network or host name";
    return "";
}

bool parse_address(const std::string& text, HostPattern& out) {
    if (::inet_pton(AF_INET, text.c_str(), out.addr.data()) == 1) {
        out.family = AF_INET;
        out.prefix = 32;
        return true;
    }
    if (::inet_pton(AF_INET6, text.c_str(), out.addr.data()) == 1) {
        out.family = AF_INET6;
        out.prefix = 128;
        return true;
    }
    return false;
}

bool prefix_equal(const std::array<unsigned char, 16>& a, const std::array<unsigned char, 16>& b, int bits) {
    int bytes = bits / 8, rest = bits % 8;
    if (std::memcmp(a.data(), b.data(), bytes) != 0) return false;
    if (rest == 0) return true;
    unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
    return (a[bytes] & mask) == (b[bytes] & mask);
}

}  // namespace

std::string path_problem(const std::string& path) {
    if (path.empty()) return "empty path";
    if (path[0] != '/') return "\"" + path + "\" is not an absolute path";
    if (path.find_first_of("*?[") != std::string::npos)
        return "\"" + path + "\": wildcards are not supported in paths";
    if (path == "/") return "";
    if (path.back() == '/') return "\"" + path + "\" is not normalised (trailing slash)";
    for (auto& part : split(path.substr(1), '/')) {
        if (part.empty() || part == "." || part == "..")
            return "\"" + path + "\" is not normalised (empty, . or .. component)";
    }
    return "";
}

bool path_within(const std::string& path, const std::string& dir) {
    if (dir == "/") return true;
    return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/');
}

std::optional<HostPattern> parse_host(const std::string& raw, std::string& problem) {
    HostPattern h;
    problem.clear();
    if (raw.empty()) {
        problem = "empty host";
        return std::nullopt;
    }
    if (auto slash = raw.find('/'); slash != std::string::npos) {
        std::string addr = raw.substr(0, slash), bits = raw.substr(slash + 1);
        if (!parse_address(addr, h) || !all_digits(bits) || bits.size() > 3) {
            problem = "\"" + raw + "\" is not a CIDR network (ADDRESS/PREFIX)";
            return std::nullopt;
        }
        int prefix = std::stoi(bits);
        if (prefix > h.prefix) {
            problem = "\"" + raw + "\": prefix length above " + std::to_string(h.prefix);
            return std::nullopt;
        }
        // Host bits set ("10.1.2.5/24") usually mean a mistyped network.
        for (int bit = prefix; bit < h.prefix; bit++)
            if (h.addr[bit / 8] & (0x80 >> (bit % 8))) {
                problem = "\"" + raw + "\": host bits set beyond the /" + bits + " prefix";
                return std::nullopt;
            }
        h.kind = HostKind::Network;
        h.prefix = prefix;
        h.text = raw;
        return h;
    }
    if (parse_address(raw, h)) {
        h.kind = HostKind::Address;
        h.text = raw;
        return h;
    }
    std::string lower;
    for (char c : raw) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.find('*') != std::string::npos) {
        if (lower.rfind("*.", 0) != 0 || lower.find('*', 1) != std::string::npos || lower.size() < 3) {
            problem = "\"" + raw + "\": a wildcard is only \"*.\" followed by a domain";
            return std::nullopt;
        }
        h.kind = HostKind::Wildcard;
        h.name = lower.substr(2);
        if (problem = name_problem(h.name); !problem.empty()) {
            problem = "\"" + raw + "\": " + problem;
            return std::nullopt;
        }
        h.text = lower;
        return h;
    }
    if (problem = name_problem(lower); !problem.empty()) {
        problem = "\"" + raw + "\": " + problem;
        return std::nullopt;
    }
    h.kind = HostKind::Name;
    h.name = lower;
    h.text = lower;
    return h;
}

bool host_covers(const HostPattern& outer, const HostPattern& inner) {
    switch (outer.kind) {
        case HostKind::Name:
            return inner.kind == HostKind::Name && inner.name == outer.name;
        case HostKind::Wildcard: {
            if (inner.kind != HostKind::Name && inner.kind != HostKind::Wildcard) return false;
            const std::string& n = inner.name;
            const std::string suffix = "." + outer.name;
            bool below = n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0;
            // "*.a.org" covers "*.a.org" itself, but a name only below the apex.
            return below || (inner.kind == HostKind::Wildcard && n == outer.name);
        }
        case HostKind::Address:
        case HostKind::Network:
            if (inner.kind != HostKind::Address && inner.kind != HostKind::Network) return false;
            return inner.family == outer.family && inner.prefix >= outer.prefix &&
                   prefix_equal(inner.addr, outer.addr, outer.prefix);
    }
    return false;
}

std::optional<int64_t> parse_duration(const std::string& text, std::string& problem) {
    problem = "\"" + text + "\" is not a duration (e.g. 8h, 30m, 1h30m, 90s)";
    if (text.empty() || text.size() > 32) return std::nullopt;
    int64_t total = 0;
    size_t i = 0;
    while (i < text.size()) {
        size_t j = i;
        while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) j++;
        if (j == i || j == text.size() || j - i > 9) return std::nullopt;
        int64_t n = std::stoll(text.substr(i, j - i));
        int64_t unit = 0;
        switch (text[j]) {
            case 'd': unit = 86400; break;
            case 'h': unit = 3600; break;
            case 'm': unit = 60; break;
            case 's': unit = 1; break;
            default: return std::nullopt;
        }
        total += n * unit;
        i = j + 1;
    }
    if (total <= 0) {
        problem = "\"" + text + "\": a session timeout must be longer than zero";
        return std::nullopt;
    }
    problem.clear();
    return total;
}

std::string secret_name_problem(const std::string& name) {
    bool ok = !name.empty() && name.size() <= 128 && !std::isdigit(static_cast<unsigned char>(name[0]));
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') ok = false;
    return ok ? "" : "\"" + name + "\" is not a valid secret name ([A-Za-z_][A-Za-z0-9_]*, at most 128 characters)";
}

std::string binary_problem(const std::string& binary) {
    if (binary.empty()) return "empty binary";
    for (char c : binary)
        if (std::isspace(static_cast<unsigned char>(c)) || c == '\0')
            return "\"" + binary + "\": a binary has no blanks";
    if (binary.find('/') == std::string::npos) return "";
    if (binary[0] != '/') return "\"" + binary + "\": a binary is a name or an absolute path";
    return path_problem(binary);
}

std::string profile_name_problem(const std::string& name) {
    auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    bool ok = !name.empty() && name.size() <= 200 && lower_or_digit(name[0]) &&
              std::all_of(name.begin(), name.end(),
                          [&](char c) { return lower_or_digit(c) || c == '.' || c == '_' || c == '-'; });
    return ok ? "" : "invalid profile name \"" + name + "\" (must match [a-z0-9][a-z0-9._-]*)";
}

}  // namespace runac::agent
