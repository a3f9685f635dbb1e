// The value checks of the policy schema, each returning what is wrong with
// a value ("" when nothing is), so that the parser can name the JSON path
// and the narrowing code can reuse the parsed forms.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace runac::agent {

// An absolute, normalised path without wildcards: "/a/b", never "a",
// "/a/", "/a//b", "/a/./b", "/a/../b" or "/a/*".
std::string path_problem(const std::string& path);
// Whether `path` is `dir` or lies under it (both normalised).
bool path_within(const std::string& path, const std::string& dir);

enum class HostKind { Name, Wildcard, Address, Network };

// A destination as written in network.egress / network.deny.
struct HostPattern {
    HostKind kind = HostKind::Name;
    std::string text;  // normalised: lower case; "*.suffix"; the address as written
    std::string name;  // Name: the name; Wildcard: the suffix after "*."
    int family = 0;    // AF_INET / AF_INET6 for Address and Network
    std::array<unsigned char, 16> addr{};
    int prefix = 0;  // Address: 32 or 128
};

// Parses a host name, "*.suffix", an IPv4/IPv6 address or a CIDR network
// (host bits must be zero); nullopt with `problem` set otherwise.
std::optional<HostPattern> parse_host(const std::string& text, std::string& problem);
// Whether every destination `inner` names is also named by `outer`.
bool host_covers(const HostPattern& outer, const HostPattern& inner);

// "8h", "30m", "1h30m", "90s", "2d": a positive whole number of seconds.
std::optional<int64_t> parse_duration(const std::string& text, std::string& problem);

// Secret names become file names under /run/secrets and environment
// variable names: [A-Za-z_][A-Za-z0-9_]*, at most 128 characters.
std::string secret_name_problem(const std::string& name);
// A profile's name: [a-z0-9][a-z0-9._-]*, at most 200 characters, so that
// it cannot leave the profile directory.
std::string profile_name_problem(const std::string& name);
// A binary of shell.commands or allowedTools: a name without '/' or blanks,
// or an absolute normalised path.
std::string binary_problem(const std::string& binary);

}  // namespace runac::agent
