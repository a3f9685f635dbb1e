#include "monitor/resolver.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>

#include "common/error.hpp"
#include "common/files.hpp"

namespace runac::monitor {

namespace {

// How long one upstream server, or one TCP client, gets.
constexpr int kTimeoutMs = 2000;

bool wait_for(int fd, short events, int timeout_ms) {
    pollfd p{fd, events, 0};
    int n;
    do n = ::poll(&p, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    return n > 0 && (p.revents & events);
}

void set_timeouts(int fd) {
    timeval tv{kTimeoutMs / 1000, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

bool recv_exact(int fd, char* buf, size_t size) {
    while (size > 0) {
        ssize_t n = ::recv(fd, buf, size, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        buf += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

// DNS over TCP: each message after its 16-bit length.
std::string tcp_framed(std::string_view message) {
    std::string out{static_cast<char>(message.size() >> 8), static_cast<char>(message.size() & 0xff)};
    return out.append(message);
}

std::optional<std::string> recv_framed(int fd) {
    unsigned char len[2];
    if (!recv_exact(fd, reinterpret_cast<char*>(len), 2)) return std::nullopt;
    std::string message(static_cast<size_t>(len[0] << 8 | len[1]), '\0');
    if (!recv_exact(fd, message.data(), message.size())) return std::nullopt;
    return message;
}

// A UDP socket, or a listening TCP one (non-blocking: accept never waits).
UniqueFd bound(int family, bool tcp, const sockaddr* addr, socklen_t len) {
    UniqueFd fd(::socket(family, (tcp ? SOCK_STREAM | SOCK_NONBLOCK : SOCK_DGRAM) | SOCK_CLOEXEC, 0));
    if (!fd) return fd;
    int one = 1;
    if (family == AF_INET6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (::bind(fd.get(), addr, len) != 0 || (tcp && ::listen(fd.get(), 64) != 0)) {
        int saved = errno;
        fd.reset();
        errno = saved;
    }
    return fd;
}

// One query to one upstream server: the reply with the query's id, or "".
std::string ask(const Upstream& server, std::string_view query, bool tcp) {
    UniqueFd fd(::socket(server.addr.ss_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return {};
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&server.addr), server.len) != 0 &&
        (errno != EINPROGRESS || !wait_for(fd.get(), POLLOUT, kTimeoutMs)))
        return {};
    auto id = dns::message_id(query);
    if (tcp) {
        int flags = ::fcntl(fd.get(), F_GETFL);
        ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
        set_timeouts(fd.get());
        if (!send_all(fd.get(), tcp_framed(query))) return {};
        auto reply = recv_framed(fd.get());
        return reply && dns::message_id(*reply) == id ? *reply : std::string{};
    }
    if (::send(fd.get(), query.data(), query.size(), 0) != static_cast<ssize_t>(query.size())) return {};
    std::string reply(65535, '\0');
    while (wait_for(fd.get(), POLLIN, kTimeoutMs)) {
        ssize_t n = ::recv(fd.get(), reply.data(), reply.size(), 0);
        if (n < 0) return {};
        if (dns::message_id({reply.data(), static_cast<size_t>(n)}) == id) return reply.substr(0, static_cast<size_t>(n));
    }
    return {};
}

}  // namespace

std::vector<Upstream> upstreams_of(const std::string& resolv_conf) {
    std::vector<Upstream> out;
    for (auto& line : lines(resolv_conf)) {
        std::vector<std::string> w = words(line);
        if (w.size() < 2 || w[0] != "nameserver") continue;
        std::string address = w[1];
        address = address.substr(0, address.find('%'));  // fe80::1%eth0: the zone is not kept
        Upstream u;
        auto* v4 = reinterpret_cast<sockaddr_in*>(&u.addr);
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&u.addr);
        if (::inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
            v4->sin_family = AF_INET;
            v4->sin_port = htons(53);
            u.len = sizeof *v4;
        } else if (::inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
            v6->sin6_family = AF_INET6;
            v6->sin6_port = htons(53);
            u.len = sizeof *v6;
        } else {
            continue;
        }
        if (out.size() < 3) out.push_back(u);  // MAXNS
    }
    if (out.empty()) out = upstreams_of("nameserver 127.0.0.1");
    return out;
}

Resolver::Resolver(const enforce::Egress& egress, const enforce::MonitorMaps& maps, std::vector<Upstream> upstreams)
    : policy_(egress), maps_(maps), upstreams_(std::move(upstreams)) {}

std::optional<Resolver> Resolver::listen(const enforce::Egress& egress, const enforce::MonitorMaps& maps,
                                         std::vector<Upstream> upstreams) {
    Resolver r(egress, maps, std::move(upstreams));
    // One port for UDP and TCP on both loopback addresses: the kernel picks
    // it for UDP; TCP may find it taken, then another try.
    for (int attempt = 0; attempt < 16 && !r.tcp4_; attempt++) {
        sockaddr_in a4{};
        a4.sin_family = AF_INET;
        a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        r.udp4_ = bound(AF_INET, false, reinterpret_cast<sockaddr*>(&a4), sizeof a4);
        if (!r.udp4_) {
            if (errno == EADDRNOTAVAIL) return std::nullopt;  // lo is down: no network
            throw_errno("network names: the resolver cannot listen on 127.0.0.1");
        }
        socklen_t len = sizeof a4;
        ::getsockname(r.udp4_.get(), reinterpret_cast<sockaddr*>(&a4), &len);
        r.port_ = a4.sin_port;
        r.tcp4_ = bound(AF_INET, true, reinterpret_cast<sockaddr*>(&a4), sizeof a4);
    }
    if (!r.tcp4_) throw_errno("network names: the resolver cannot listen on 127.0.0.1 (TCP)");
    sockaddr_in6 a6{};
    a6.sin6_family = AF_INET6;
    a6.sin6_addr = in6addr_loopback;
    a6.sin6_port = r.port_;
    r.udp6_ = bound(AF_INET6, false, reinterpret_cast<sockaddr*>(&a6), sizeof a6);
    r.tcp6_ = bound(AF_INET6, true, reinterpret_cast<sockaddr*>(&a6), sizeof a6);
    r.loopback6_ = r.udp6_ && r.tcp6_;
    if (!r.loopback6_) r.udp6_.reset(), r.tcp6_.reset();
    return r;
}

void Resolver::publish() const {
    // Without ::1 an IPv6 socket reaches the resolver at ::ffff:127.0.0.1.
    uint8_t addr6[16] = {};
    if (loopback6_) {
        addr6[15] = 1;
    } else {
        addr6[10] = addr6[11] = 0xff;
        addr6[12] = 127, addr6[15] = 1;
    }
    maps_.set_resolver(htonl(INADDR_LOOPBACK), addr6, port_);
}

std::vector<int> Resolver::fds() const {
    std::vector<int> out;
    for (auto* fd : {&udp4_, &tcp4_, &udp6_, &tcp6_})
        if (*fd) out.push_back(fd->get());
    return out;
}

std::string Resolver::forward(std::string_view query, bool tcp) const {
    for (auto& server : upstreams_)
        if (auto reply = ask(server, query, tcp); !reply.empty()) return reply;
    return {};
}

std::string Resolver::answer(std::string_view query, bool tcp) {
    auto question = dns::parse_query(query);
    if (!question) return {};
    auto told = [&](const std::string& outcome, bool askable = false) {
        if (tell_) tell_(question->name, question->type, outcome, askable);
    };
    if (!policy_.answers(question->name)) {
        told("refused: not allowed (NXDOMAIN)", !policy_.denied(question->name));
        return dns::failure(query, dns::kNxdomain);
    }
    std::string reply = forward(query, tcp);
    auto records = reply.empty() ? std::nullopt : dns::answer_records(reply);
    if (!records) {
        told("failed: no upstream server answered (SERVFAIL)");
        return dns::failure(query, dns::kServfail);
    }
    auto grants = policy_.grants(question->name, *records);
    if (!grants) {
        told("refused: a denied name in its CNAME chain (NXDOMAIN)");
        return dns::failure(query, dns::kNxdomain);
    }
    // In the maps before the client can read an address.
    for (auto& g : *grants)
        if (!maps_.allow(g.address, g.port, g.protocol, g.seconds)) {
            told("failed: the name maps are full (SERVFAIL)");
            return dns::failure(query, dns::kServfail);
        }
    told("answered (" + std::to_string(grants->size()) + " addresses allowed)");
    return reply;
}

void Resolver::serve_tcp(int listener) {
    UniqueFd client(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    if (!client) return;
    set_timeouts(client.get());
    while (auto query = recv_framed(client.get())) {
        std::string reply = answer(*query, true);
        if (reply.empty() || !send_all(client.get(), tcp_framed(reply))) return;
    }
}

void Resolver::serve(int fd) {
    if (fd == tcp4_.get() || fd == tcp6_.get()) return serve_tcp(fd);
    sockaddr_storage client{};
    socklen_t len = sizeof client;
    std::string query(65535, '\0');
    ssize_t n = ::recvfrom(fd, query.data(), query.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&client), &len);
    if (n <= 0) return;
    query.resize(static_cast<size_t>(n));
    std::string reply = answer(query, false);
    if (!reply.empty()) ::sendto(fd, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&client), len);
}

}  // namespace runac::monitor
