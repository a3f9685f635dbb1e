// The monitor's resolver: the container's DNS, answered only for the names
// its policy allows (monitor/names.hpp). It listens on one port of
// 127.0.0.1 and ::1 in the container's network namespace, UDP and TCP; the
// egress programs send every port-53 packet of the container there. An
// allowed question goes to the container's own upstream servers (those of
// its resolv.conf) and the reply's addresses are in the programs' maps
// before the reply is released; a refused one gets NXDOMAIN and never
// leaves. Questions are answered one at a time.
#pragma once
#include <netinet/in.h>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <vector>

#include "common/fd.hpp"
#include "enforce/egress.hpp"
#include "monitor/names.hpp"

namespace runac::monitor {

struct Upstream {
    sockaddr_storage addr{};
    socklen_t len = 0;
};

// The nameserver lines of a resolv.conf; 127.0.0.1 when there is none, as
// the C library does.
std::vector<Upstream> upstreams_of(const std::string& resolv_conf);

class Resolver {
public:
    // Binds in the calling thread's network namespace. nullopt when it has
    // no loopback address (no network at all: nothing to resolve).
    static std::optional<Resolver> listen(const enforce::Egress& egress, const enforce::MonitorMaps& maps,
                                          std::vector<Upstream> upstreams);
    // From now on the programs send port 53 here.
    void publish() const;
    std::vector<int> fds() const;
    // Serves what is ready on one of fds().
    void serve(int fd);
    // Told of every question: its name, type, what it got ("answered",
    // "refused: not allowed", ...), and whether the name's refusal is one a
    // human may approve (not allowed, and not denied either).
    using Tell = std::function<void(const std::string&, uint16_t, const std::string&, bool)>;
    void on_answer(Tell tell) { tell_ = std::move(tell); }
    // An approved name, answered from now on.
    void allow(const enforce::EgressName& name) { policy_.allow(name); }

private:
    Resolver(const enforce::Egress& egress, const enforce::MonitorMaps& maps, std::vector<Upstream> upstreams);
    // The reply to one query; empty: none (not a query).
    std::string answer(std::string_view query, bool tcp);
    std::string forward(std::string_view query, bool tcp) const;
    void serve_tcp(int listener);

    NamePolicy policy_;
    enforce::MonitorMaps maps_;
    std::vector<Upstream> upstreams_;
    uint16_t port_ = 0;  // network order
    bool loopback6_ = false;
    UniqueFd udp4_, tcp4_, udp6_, tcp6_;
    Tell tell_;
};

}  // namespace runac::monitor
