#include "monitor/dns.hpp"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <cctype>
#include <resolv.h>

namespace runac::monitor::dns {

namespace {

const unsigned char* bytes(std::string_view m) { return reinterpret_cast<const unsigned char*>(m.data()); }

std::string normal_name(const char* name) {
    std::string out;
    for (const char* p = name; *p; p++) out += static_cast<char>(std::tolower(static_cast<unsigned char>(*p)));
    while (!out.empty() && out.back() == '.') out.pop_back();
    return out;
}

}  // namespace

std::optional<uint16_t> message_id(std::string_view message) {
    if (message.size() < NS_HFIXEDSZ) return std::nullopt;
    return static_cast<uint16_t>(bytes(message)[0] << 8 | bytes(message)[1]);
}

std::optional<Question> parse_query(std::string_view message) {
    ns_msg msg;
    if (ns_initparse(bytes(message), static_cast<int>(message.size()), &msg) != 0) return std::nullopt;
    if (ns_msg_getflag(msg, ns_f_qr) || ns_msg_count(msg, ns_s_qd) != 1) return std::nullopt;
    ns_rr rr;
    if (ns_parserr(&msg, ns_s_qd, 0, &rr) != 0) return std::nullopt;
    return Question{ns_msg_id(msg), normal_name(ns_rr_name(rr)), ns_rr_type(rr)};
}

std::optional<std::vector<Record>> answer_records(std::string_view message) {
    ns_msg msg;
    if (ns_initparse(bytes(message), static_cast<int>(message.size()), &msg) != 0) return std::nullopt;
    if (!ns_msg_getflag(msg, ns_f_qr)) return std::nullopt;
    std::vector<Record> out;
    for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
        ns_rr rr;
        if (ns_parserr(&msg, ns_s_an, i, &rr) != 0) return std::nullopt;
        if (ns_rr_class(rr) != ns_c_in) continue;
        Record r{normal_name(ns_rr_name(rr)), ns_rr_type(rr), ns_rr_ttl(rr), ""};
        char text[NS_MAXDNAME];
        if (r.type == kTypeA && ns_rr_rdlen(rr) == 4) {
            ::inet_ntop(AF_INET, ns_rr_rdata(rr), text, sizeof text);
        } else if (r.type == kTypeAaaa && ns_rr_rdlen(rr) == 16) {
            ::inet_ntop(AF_INET6, ns_rr_rdata(rr), text, sizeof text);
        } else if (r.type == kTypeCname) {
            if (ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg), ns_rr_rdata(rr), text, sizeof text) < 0)
                return std::nullopt;
        } else {
            continue;
        }
        r.value = r.type == kTypeCname ? normal_name(text) : text;
        out.push_back(std::move(r));
    }
    return out;
}

std::string failure(std::string_view query, int rcode) {
    // The header and the question (a name, its type and class).
    if (query.size() <= NS_HFIXEDSZ) return {};
    int name = dn_skipname(bytes(query) + NS_HFIXEDSZ, bytes(query) + query.size());
    size_t question_end = NS_HFIXEDSZ + static_cast<size_t>(name) + 2 * NS_INT16SZ;
    if (name < 0 || question_end > query.size()) return {};
    std::string reply(query.substr(0, question_end));
    auto* h = reinterpret_cast<unsigned char*>(reply.data());
    h[2] = static_cast<unsigned char>(0x80 | (h[2] & 0x79));  // QR; the opcode and RD kept; AA, TC clear
    h[3] = static_cast<unsigned char>(0x80 | rcode);          // RA
    h[4] = 0, h[5] = 1;                                       // one question,
    for (int i = 6; i < 12; i++) h[i] = 0;                    // no answer, authority or additional record
    return reply;
}

}  // namespace runac::monitor::dns
