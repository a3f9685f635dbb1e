// The DNS messages the resolver reads and writes (RFC 1035), through
// glibc's libresolv parser: the question of a query, the records of a
// reply, and the NXDOMAIN answer a refused name gets.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runac::monitor::dns {

inline constexpr uint16_t kTypeA = 1, kTypeCname = 5, kTypeAaaa = 28;

struct Question {
    uint16_t id = 0;
    std::string name;  // lower case, no trailing dot
    uint16_t type = 0;
};

// A query: one question, the QR bit clear. nullopt for anything else.
std::optional<Question> parse_query(std::string_view message);

struct Record {
    std::string owner;  // lower case, no trailing dot
    uint16_t type = 0;
    uint32_t ttl = 0;
    std::string value;  // A, AAAA: the address as text; CNAME: the target name
};

// The A, AAAA and CNAME records of a reply's answer section (others are
// skipped); nullopt when the message does not parse or is not a reply.
std::optional<std::vector<Record>> answer_records(std::string_view message);

// The reply's id, or nullopt when the message is too short.
std::optional<uint16_t> message_id(std::string_view message);

inline constexpr int kNxdomain = 3, kServfail = 2;

// The answer to `query` (one that parse_query accepted) that carries only
// its header and question and `rcode`: NXDOMAIN for a refused name,
// SERVFAIL when no upstream server answered.
std::string failure(std::string_view query, int rcode);

}  // namespace runac::monitor::dns
