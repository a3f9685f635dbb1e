#include "enforce/egress.hpp"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <ctime>
#include <fcntl.h>

#include "bpf/egress.skel.h"
#include "common/error.hpp"
#include "common/log.hpp"

namespace runac::enforce {

namespace {

// The keys of bpf/egress.bpf.c's tries: protocol and port matched in full,
// then `prefixlen - 32` bits of the address.
struct Net4Key {
    uint32_t prefixlen;
    uint8_t protocol, pad;
    uint16_t port;
    uint8_t addr[4];
};
struct Net6Key {
    uint32_t prefixlen;
    uint8_t protocol, pad;
    uint16_t port;
    uint8_t addr[16];
};

// The keys and values of bpf/egress.bpf.c's name maps.
struct Name4Key {
    uint8_t protocol, pad;
    uint16_t port;
    uint8_t addr[4];
};
struct Name6Key {
    uint8_t protocol, pad;
    uint16_t port;
    uint8_t addr[16];
};
struct ResolverValue {
    uint32_t addr4;
    uint8_t addr6[16];
    uint16_t port, pad;
};

// bpf_ktime_get_boot_ns() now.
uint64_t boot_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_BOOTTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

template <typename Key>
bool allow_key(int map, const Key& key, uint64_t until) {
    uint64_t current = 0;
    if (bpf_map_lookup_elem(map, &key, &current) == 0 && current >= until) return true;
    return bpf_map_update_elem(map, &key, &until, BPF_ANY) == 0;
}

template <typename Key>
void expire_keys(int map) {
    uint64_t now = boot_ns(), until = 0;
    std::vector<Key> expired;
    Key key{}, next{};
    for (void* at = nullptr; bpf_map_get_next_key(map, at, &next) == 0; at = &key) {
        key = next;
        if (bpf_map_lookup_elem(map, &key, &until) == 0 && until <= now) expired.push_back(key);
    }
    for (auto& k : expired) bpf_map_delete_elem(map, &k);
}

// libbpf's own account of a failed load (the verifier's log) goes to the
// debug log, not to the engine's stderr.
int to_debug_log(libbpf_print_level level, const char* format, va_list args) {
    if (level == LIBBPF_DEBUG) return 0;
    char line[1024];
    int n = std::vsnprintf(line, sizeof line, format, args);
    std::string text(line);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    log::debug("libbpf: " + text);
    return n;
}

// Adds a network to the allow (or deny) tries `map4` and `map6`.
void add_net(int map4, int map6, bool deny, const EgressNet& n) {
    const char* rule = deny ? "network.deny" : "network.egress";
    auto slash = n.network.find('/');
    std::string address = n.network.substr(0, slash);
    uint32_t prefix = static_cast<uint32_t>(std::stoi(n.network.substr(slash + 1)));
    uint8_t one = 1;
    int rc;
    if (Net4Key k{32 + prefix, n.protocol, 0, htons(n.port), {}}; ::inet_pton(AF_INET, address.c_str(), k.addr) == 1) {
        rc = bpf_map_update_elem(map4, &k, &one, BPF_ANY);
    } else {
        Net6Key k6{32 + prefix, n.protocol, 0, htons(n.port), {}};
        if (::inet_pton(AF_INET6, address.c_str(), k6.addr) != 1)
            throw Error(std::string("agent policy: ") + rule + ": " + n.network + " is not a network");
        rc = bpf_map_update_elem(map6, &k6, &one, BPF_ANY);
    }
    if (rc != 0)
        throw Error(std::string("agent policy: ") + rule + ": cgroup-bpf: cannot add " + n.network + " to its map: " +
                    std::strerror(errno));
}

// Each program and where it attaches.
std::vector<std::pair<bpf_program*, bpf_attach_type>> hooks(const runac_egress& s) {
    return {
        {s.progs.runac_connect4, BPF_CGROUP_INET4_CONNECT}, {s.progs.runac_connect6, BPF_CGROUP_INET6_CONNECT},
        {s.progs.runac_sendmsg4, BPF_CGROUP_UDP4_SENDMSG},  {s.progs.runac_sendmsg6, BPF_CGROUP_UDP6_SENDMSG},
        {s.progs.runac_sock, BPF_CGROUP_INET_SOCK_CREATE},  {s.progs.runac_bind4, BPF_CGROUP_INET4_POST_BIND},
        {s.progs.runac_bind6, BPF_CGROUP_INET6_POST_BIND}, {s.progs.runac_recvmsg4, BPF_CGROUP_UDP4_RECVMSG},
        {s.progs.runac_recvmsg6, BPF_CGROUP_UDP6_RECVMSG},
    };
}

const bpf_attach_type kAttachTypes[] = {
    BPF_CGROUP_INET4_CONNECT, BPF_CGROUP_INET6_CONNECT,    BPF_CGROUP_UDP4_SENDMSG,    BPF_CGROUP_UDP6_SENDMSG,
    BPF_CGROUP_INET_SOCK_CREATE, BPF_CGROUP_INET4_POST_BIND, BPF_CGROUP_INET6_POST_BIND, BPF_CGROUP_UDP4_RECVMSG,
    BPF_CGROUP_UDP6_RECVMSG,
};

}  // namespace

EgressFilter EgressFilter::attach(const Egress& egress, const std::string& cgroup_dir) {
    EgressFilter f;
    f.cgroup_.reset(::open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!f.cgroup_) throw_errno("agent policy: network.egress: cgroup-bpf: open " + cgroup_dir);
    auto previous = libbpf_set_print(to_debug_log);
    f.skel_ = runac_egress::open();
    int rc = f.skel_ ? 0 : -errno;
    if (rc == 0) {
        f.skel_->rodata->egress_open = egress.open;
        f.skel_->rodata->follow_dns = egress.follow_dns;
        f.skel_->rodata->report_denials = egress.report || egress.prompt;
        rc = runac_egress::load(f.skel_);
    }
    libbpf_set_print(previous);
    if (rc != 0)
        throw Error("agent policy: network.egress: cgroup-bpf: the egress programs did not load: " +
                    std::string(std::strerror(-rc)));
    auto& maps = f.skel_->maps;
    for (auto& n : egress.allow) add_net(bpf_map__fd(maps.runac_allow4), bpf_map__fd(maps.runac_allow6), false, n);
    for (auto& n : egress.deny) add_net(bpf_map__fd(maps.runac_deny4), bpf_map__fd(maps.runac_deny6), true, n);
    for (auto [program, type] : hooks(*f.skel_)) {
        // Replies need their source restored only when DNS is redirected.
        if (!egress.follow_dns && (type == BPF_CGROUP_UDP4_RECVMSG || type == BPF_CGROUP_UDP6_RECVMSG)) continue;
        int fd = bpf_program__fd(program);
        if (bpf_prog_attach(fd, f.cgroup_.get(), type, BPF_F_ALLOW_MULTI) != 0)
            throw_errno("agent policy: network.egress: cgroup-bpf: attach " + std::string(bpf_program__name(program)) +
                        " to " + cgroup_dir);
        f.attached_.emplace_back(fd, type);
    }
    return f;
}

EgressFilter::EgressFilter(EgressFilter&& o) noexcept
    : skel_(std::exchange(o.skel_, nullptr)), cgroup_(std::move(o.cgroup_)), attached_(std::move(o.attached_)),
      kept_(o.kept_) {
    o.attached_.clear();
}

EgressFilter::~EgressFilter() {
    if (!kept_)
        for (auto [fd, type] : attached_) bpf_prog_detach2(fd, cgroup_.get(), static_cast<bpf_attach_type>(type));
    if (skel_) runac_egress::destroy(skel_);
}

MonitorMaps EgressFilter::monitor_maps() const {
    MonitorMaps m;
    m.names4 = bpf_map__fd(skel_->maps.runac_names4);
    m.names6 = bpf_map__fd(skel_->maps.runac_names6);
    m.resolver = bpf_map__fd(skel_->maps.runac_resolver);
    m.allow4 = bpf_map__fd(skel_->maps.runac_allow4);
    m.allow6 = bpf_map__fd(skel_->maps.runac_allow6);
    m.denials = bpf_map__fd(skel_->maps.runac_denials);
    m.lost = bpf_map__fd(skel_->maps.runac_lost);
    return m;
}

void MonitorMaps::allow_network(const EgressNet& net) const { add_net(allow4, allow6, false, net); }

void MonitorMaps::set_resolver(uint32_t addr4, const uint8_t (&addr6)[16], uint16_t port) const {
    ResolverValue v{addr4, {}, port, 0};
    std::memcpy(v.addr6, addr6, sizeof v.addr6);
    uint32_t zero = 0;
    if (bpf_map_update_elem(resolver, &zero, &v, BPF_ANY) != 0) throw_errno("network names: set the resolver's address");
}

bool MonitorMaps::allow(const std::string& address, uint16_t port, uint8_t protocol, uint32_t seconds) const {
    uint64_t until = boot_ns() + uint64_t{seconds} * 1000000000ull;
    if (Name4Key k{protocol, 0, htons(port), {}}; ::inet_pton(AF_INET, address.c_str(), k.addr) == 1)
        return allow_key(names4, k, until);
    Name6Key k6{protocol, 0, htons(port), {}};
    return ::inet_pton(AF_INET6, address.c_str(), k6.addr) == 1 && allow_key(names6, k6, until);
}

uint64_t MonitorMaps::take_lost() const {
    uint32_t zero = 0;
    uint64_t count = 0, none = 0;
    if (lost < 0 || bpf_map_lookup_elem(lost, &zero, &count) != 0 || count == 0) return 0;
    // Reports lost between the read and the reset are lost twice over: rare.
    bpf_map_update_elem(lost, &zero, &none, BPF_ANY);
    return count;
}

void MonitorMaps::expire() const {
    expire_keys<Name4Key>(names4);
    expire_keys<Name6Key>(names6);
}

void detach_egress(const std::string& cgroup_dir) {
    UniqueFd cgroup(::open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!cgroup) return;
    for (auto type : kAttachTypes) {
        uint32_t ids[64], count = 64;
        if (bpf_prog_query(cgroup.get(), type, 0, nullptr, ids, &count) != 0) continue;
        for (uint32_t i = 0; i < count; i++) {
            UniqueFd prog(bpf_prog_get_fd_by_id(ids[i]));
            bpf_prog_info info{};
            uint32_t len = sizeof info;
            if (!prog || bpf_obj_get_info_by_fd(prog.get(), &info, &len) != 0) continue;
            if (std::strncmp(info.name, "runac_", 6) == 0) bpf_prog_detach2(prog.get(), cgroup.get(), type);
        }
    }
}

}  // namespace runac::enforce
