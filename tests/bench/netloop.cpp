// The egress benchmark's loops (tests/bench/egress.sh), static so that it
// runs inside the busybox rootfs:
//   netloop serve ADDRESS PORT          accept and close, until killed
//   netloop connect ADDRESS PORT N      N TCP connects (closed with a reset:
//                                       no TIME_WAIT piles up); mean µs each
//   netloop dns SERVER NAME N           N A lookups, each on a connected UDP
//                                       socket of its own as a C library
//                                       does; mean µs each
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <netinet/in.h>
#include <resolv.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace {

sockaddr_in address_of(const char* address, int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (::inet_pton(AF_INET, address, &a.sin_addr) != 1) {
        std::fprintf(stderr, "netloop: %s is not an IPv4 address\n", address);
        std::exit(2);
    }
    return a;
}

[[noreturn]] void fail(const char* what) {
    std::perror(what);
    std::exit(1);
}

void serve(const sockaddr_in& a) {
    int s = ::socket(AF_INET, SOCK_STREAM, 0), one = 1;
    ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(s, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 || ::listen(s, 512) != 0) fail("listen");
    for (;;) {
        int c = ::accept(s, nullptr, nullptr);
        if (c >= 0) ::close(c);
    }
}

void connect_once(const sockaddr_in& a) {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::connect(s, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) fail("connect");
    linger reset{1, 0};
    ::setsockopt(s, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    ::close(s);
}

void lookup_once(const sockaddr_in& server, const char* name) {
    unsigned char query[512], reply[4096];
    int n = res_mkquery(ns_o_query, name, ns_c_in, ns_t_a, nullptr, 0, nullptr, query, sizeof query);
    int s = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (n < 0 || ::connect(s, reinterpret_cast<const sockaddr*>(&server), sizeof server) != 0 ||
        ::send(s, query, static_cast<size_t>(n), 0) != n)
        fail("dns query");
    ssize_t got = ::recv(s, reply, sizeof reply, 0);
    if (got < NS_HFIXEDSZ || reply[0] != query[0] || reply[1] != query[1] || (reply[3] & 0xf) != 0) fail("dns reply");
    ::close(s);
}

}  // namespace

int main(int argc, char** argv) {
    std::string what = argc > 1 ? argv[1] : "";
    if (what == "serve" && argc == 4) serve(address_of(argv[2], std::atoi(argv[3])));
    int count = argc == 5 ? std::atoi(argv[4]) : 0;
    if ((what != "connect" && what != "dns") || count <= 0) {
        std::fprintf(stderr, "usage: netloop serve ADDRESS PORT | connect ADDRESS PORT N | dns SERVER NAME N\n");
        return 2;
    }
    sockaddr_in target = address_of(argv[2], what == "dns" ? 53 : std::atoi(argv[3]));
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < count; i++) {
        if (what == "connect")
            connect_once(target);
        else
            lookup_once(target, argv[3]);
    }
    std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
    std::printf("%s %.2f\n", what.c_str(), took.count() / count);
    return 0;
}
