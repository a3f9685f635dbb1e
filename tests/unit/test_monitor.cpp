// The monitor's resolver without a network: DNS messages, which names it
// answers, and what an answer allows.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>

#include "monitor/approvals.hpp"
#include "monitor/dns.hpp"
#include "monitor/names.hpp"
#include "monitor/resolver.hpp"

using namespace runac;
using namespace runac::monitor;

namespace {

std::string query(const std::string& name, int type, uint16_t id = 0x1234) {
    unsigned char buf[512];
    int n = res_mkquery(ns_o_query, name.c_str(), ns_c_in, type, nullptr, 0, nullptr, buf, sizeof buf);
    REQUIRE(n > 0);
    buf[0] = static_cast<unsigned char>(id >> 8), buf[1] = static_cast<unsigned char>(id);
    return std::string(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
}

std::string u16(unsigned v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xff)}; }
std::string u32(unsigned v) { return u16(v >> 16) + u16(v & 0xffff); }

// A reply to `q`: its header with QR and ANCOUNT set, its question, then
// `answers` (records written by hand, names compressed against offset 12,
// the question's name).
std::string reply(const std::string& q, int count, const std::string& answers) {
    std::string r = q;
    r[2] = static_cast<char>(0x81), r[3] = static_cast<char>(0x80);
    r[6] = 0, r[7] = static_cast<char>(count);
    return r + answers;
}

const std::string kAtQuestion = "\xc0\x0c";

std::string a_record(const std::string& owner, const char* address, unsigned ttl) {
    in_addr a{};
    ::inet_pton(AF_INET, address, &a);
    return owner + u16(ns_t_a) + u16(ns_c_in) + u32(ttl) + u16(4) + std::string(reinterpret_cast<char*>(&a), 4);
}

enforce::Egress egress(std::vector<enforce::EgressName> names, std::vector<std::string> deny = {}) {
    enforce::Egress e;
    e.filtered = e.follow_dns = true;
    e.names = std::move(names);
    e.deny_names = std::move(deny);
    return e;
}

}  // namespace

TEST_CASE("a query's question, in lower case without the final dot; a reply is not a query") {
    auto q = dns::parse_query(query("API.Example.COM.", ns_t_aaaa, 0xbeef));
    REQUIRE(q);
    CHECK(q->id == 0xbeef);
    CHECK(q->name == "api.example.com");
    CHECK(q->type == dns::kTypeAaaa);
    CHECK_FALSE(dns::parse_query(reply(query("a.org", ns_t_a), 0, "")));
    CHECK_FALSE(dns::parse_query("\x12\x34garbage"));
}

TEST_CASE("a refusal answers the question with NXDOMAIN and no record") {
    std::string q = query("tunnel.attacker.example", ns_t_txt, 0x4242);
    std::string r = dns::failure(q, dns::kNxdomain);
    ns_msg msg;
    REQUIRE(ns_initparse(reinterpret_cast<const unsigned char*>(r.data()), static_cast<int>(r.size()), &msg) == 0);
    CHECK(ns_msg_id(msg) == 0x4242);
    CHECK(ns_msg_getflag(msg, ns_f_qr));
    CHECK(ns_msg_getflag(msg, ns_f_rd));
    CHECK(ns_msg_getflag(msg, ns_f_rcode) == ns_r_nxdomain);
    CHECK(ns_msg_count(msg, ns_s_qd) == 1);
    CHECK(ns_msg_count(msg, ns_s_an) == 0);
    CHECK(r.size() == q.size());  // the question, nothing after it
    CHECK(ns_msg_getflag(msg, ns_f_rcode) != dns::kServfail);
}

TEST_CASE("a reply's A, AAAA and CNAME records, compressed names expanded") {
    std::string q = query("www.example.com", ns_t_a);
    // www.example.com CNAME edge.cdn.example (target written in full), edge.cdn.example A 192.0.2.7
    std::string target = std::string("\x04" "edge\x03" "cdn\x07" "example\x00", 18);
    std::string cname = kAtQuestion + u16(ns_t_cname) + u16(ns_c_in) + u32(300) + u16(target.size()) + target;
    size_t target_at = q.size() + cname.size() - target.size();
    std::string at_target = u16(0xc000 | static_cast<unsigned>(target_at));
    std::string txt = kAtQuestion + u16(ns_t_txt) + u16(ns_c_in) + u32(60) + u16(3) + std::string("\x02hi", 3);
    in6_addr six{};
    ::inet_pton(AF_INET6, "2001:db8::7", &six);
    std::string aaaa = at_target + u16(ns_t_aaaa) + u16(ns_c_in) + u32(30) + u16(16) +
                       std::string(reinterpret_cast<char*>(&six), 16);
    auto records = dns::answer_records(reply(q, 4, cname + txt + a_record(at_target, "192.0.2.7", 2) + aaaa));
    REQUIRE(records);
    REQUIRE(records->size() == 3);  // the TXT record skipped
    CHECK((*records)[0].owner == "www.example.com");
    CHECK((*records)[0].type == dns::kTypeCname);
    CHECK((*records)[0].value == "edge.cdn.example");
    CHECK((*records)[1].owner == "edge.cdn.example");
    CHECK((*records)[1].value == "192.0.2.7");
    CHECK((*records)[1].ttl == 2);
    CHECK((*records)[2].value == "2001:db8::7");
    CHECK_FALSE(dns::answer_records(q));  // a query is no reply
}

TEST_CASE("the resolver answers the exact names, the subdomains of a wildcard but not its apex; deny wins") {
    NamePolicy p(egress({{"api.github.com", 443, IPPROTO_TCP}, {"*.npmjs.org", 0, IPPROTO_TCP}},
                        {"evil.npmjs.org"}));
    CHECK(p.answers("api.github.com"));
    CHECK_FALSE(p.answers("github.com"));
    CHECK_FALSE(p.answers("x.api.github.com"));
    CHECK(p.answers("registry.npmjs.org"));
    CHECK(p.answers("a.b.npmjs.org"));
    CHECK_FALSE(p.answers("npmjs.org"));
    CHECK_FALSE(p.answers("evil.npmjs.org"));
    CHECK_FALSE(p.answers("npmjs.org.attacker.example"));
    CHECK_FALSE(p.answers("1.2.0.192.in-addr.arpa"));
    // No egress list, only deny names: every other name is answered.
    enforce::Egress open = egress({}, {"*.attacker.example"});
    open.open = true;
    NamePolicy o(open);
    CHECK(o.answers("pypi.org"));
    CHECK_FALSE(o.answers("x.attacker.example"));
    CHECK(o.grants("pypi.org", {{"pypi.org", dns::kTypeA, 60, "192.0.2.1"}})->empty());  // open: nothing to add
}

TEST_CASE("an answer allows its addresses and those of its CNAME chain, under each rule of the name, for its TTL") {
    NamePolicy p(egress({{"www.example.com", 443, IPPROTO_TCP}, {"*.example.com", 53, IPPROTO_UDP}}, {"*.bad.example"}));
    std::vector<dns::Record> records = {
        {"www.example.com", dns::kTypeCname, 300, "edge.cdn.example"},
        {"edge.cdn.example", dns::kTypeA, 1, "192.0.2.7"},            // TTL 1: the floor
        {"edge.cdn.example", dns::kTypeAaaa, 900000, "2001:db8::7"},  // past the ceiling
        {"unrelated.example", dns::kTypeA, 60, "198.51.100.1"},       // not in the chain
    };
    auto g = p.grants("www.example.com", records);
    REQUIRE(g);
    CHECK(*g == std::vector<Grant>{{"192.0.2.7", 443, IPPROTO_TCP, kTtlFloor},
                                   {"192.0.2.7", 53, IPPROTO_UDP, kTtlFloor},
                                   {"2001:db8::7", 443, IPPROTO_TCP, kTtlCeiling},
                                   {"2001:db8::7", 53, IPPROTO_UDP, kTtlCeiling}});
    // A chain through a denied name is refused as a whole.
    CHECK_FALSE(p.grants("www.example.com", {{"www.example.com", dns::kTypeCname, 60, "x.bad.example"},
                                             {"x.bad.example", dns::kTypeA, 60, "192.0.2.66"}}));
    // At most kAddressesPerAnswer addresses from one answer.
    std::vector<dns::Record> many;
    for (int i = 0; i < 100; i++) many.push_back({"www.example.com", dns::kTypeA, 60, "10.0.0." + std::to_string(i)});
    CHECK(p.grants("www.example.com", many)->size() == 2 * kAddressesPerAnswer);
}

TEST_CASE("the upstream servers of a resolv.conf, 127.0.0.1 without one") {
    auto u = upstreams_of("# Docker\nsearch corp.example\nnameserver 10.0.0.2\noptions ndots:0\n"
                          "nameserver fe80::1%eth0\nnameserver bogus\nnameserver 10.0.0.3\nnameserver 10.0.0.4\n");
    REQUIRE(u.size() == 3);
    auto* first = reinterpret_cast<const sockaddr_in*>(&u[0].addr);
    CHECK(first->sin_family == AF_INET);
    CHECK(ntohs(first->sin_port) == 53);
    CHECK(first->sin_addr.s_addr == htonl(0x0a000002));
    CHECK(u[1].addr.ss_family == AF_INET6);
    CHECK(reinterpret_cast<const sockaddr_in*>(&u[2].addr)->sin_addr.s_addr == htonl(0x0a000003));
    auto none = upstreams_of("search x\n");
    REQUIRE(none.size() == 1);
    CHECK(reinterpret_cast<const sockaddr_in*>(&none[0].addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK));
}

TEST_CASE("an approval request: one per grant, decided once, denied when its time runs out") {
    using namespace runac::monitor;
    Requests requests(10);
    runac::agent::EgressRule pypi{"192.0.2.20", 8080, runac::agent::Protocol::Tcp};
    const Request* first = requests.offer(pypi, 42, "pip", 100);
    REQUIRE(first);
    CHECK(first->id == 1);
    CHECK(capability_diff(first->grant) == R"(+ network.egress {"host":"192.0.2.20","port":8080})");
    // The same refusal again is counted, not asked again.
    CHECK(requests.offer(pypi, 43, "pip", 101) == nullptr);
    CHECK(requests.all()[0].refusals == 2);
    runac::agent::EgressRule dns{"pypi.test", 0, runac::agent::Protocol::Udp};
    REQUIRE(requests.offer(dns, 0, "", 102));
    CHECK(capability_diff(dns) == R"(+ network.egress {"host":"pypi.test","protocol":"udp"})");
    CHECK(requests.decide(1, true, true, 105).decision == Decision::Approved);
    CHECK(requests.all()[0].persist);
    CHECK_THROWS_WITH(requests.decide(1, false, false, 106), "request 1 is approved already");
    CHECK_THROWS_WITH(requests.decide(3, true, false, 106), "no request 3");
    CHECK(requests.expire(111).empty());  // asked at 102: 10 s end at 112
    auto timed_out = requests.expire(112);
    REQUIRE(timed_out.size() == 1);
    CHECK(timed_out[0]->id == 2);
    CHECK_THROWS_WITH(requests.decide(2, true, false, 113), "request 2 timed out after 10 s and was denied");
}

TEST_CASE("an executable BPF LSM refused is asked once per file, approved for the session only") {
    using namespace runac::monitor;
    Requests requests(10);
    Capability jq = Capability::execute("jq", {2049, 77});
    const Request* r = requests.offer(jq, 42, "sh", 100);
    REQUIRE(r);
    CHECK(capability_diff(r->grant) == R"(+ shell.commands "jq")");
    CHECK(requests.offer(Capability::execute("jq", {2049, 77}), 43, "sh", 101) == nullptr);
    // Another file of the same name is another request.
    REQUIRE(requests.offer(Capability::execute("jq", {2049, 78}), 44, "sh", 101));
    JsonWriter w;
    w.begin_object();
    write_request(w, requests.all()[0]);
    w.end_object();
    CHECK(w.str().find(R"("grant":{"executable":"jq"})") != std::string::npos);
    CHECK_THROWS_WITH(requests.decide(1, true, true, 102),
                      "request 1: an executable is approved for this session only (--persist keeps network grants; add "
                      "jq to shell.commands for the next)");
    CHECK(requests.all()[0].decision == Decision::Pending);
    CHECK(requests.decide(1, true, false, 102).decision == Decision::Approved);
}
