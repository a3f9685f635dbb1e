#include "enforce/egress.hpp"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include "bpf/egress.digest.h"
#include "bpf/egress.skel.h"
#include "common/error.hpp"
#include "common/files.hpp"
#include "enforce/bpf_support.hpp"

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

// The keys and values of bpf/egress.bpf.c's name maps (shared: each key
// names its container).
struct Name4Key {
    uint64_t container;
    uint8_t protocol, pad;
    uint16_t port;
    uint8_t addr[4];
};
struct Name6Key {
    uint64_t container;
    uint8_t protocol, pad;
    uint16_t port;
    uint8_t addr[16];
    uint32_t pad2;
};
static_assert(sizeof(Name4Key) == 16 && sizeof(Name6Key) == 32);

// What one container may hold in the shared name maps.
constexpr uint32_t kNamesPerContainer = 16384;
struct ResolverValue {
    uint32_t addr4;
    uint8_t addr6[16];
    uint16_t port, no_names;
};

// bpf_ktime_get_boot_ns() now.
uint64_t boot_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_BOOTTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// HELD counts the container's entries: a new one past the cap is refused.
template <typename Key>
bool allow_key(int map, const Key& key, uint64_t until, uint32_t& held) {
    uint64_t current = 0;
    bool known = bpf_map_lookup_elem(map, &key, &current) == 0;
    if (known && current >= until) return true;
    if (!known && held >= kNamesPerContainer) return false;
    if (bpf_map_update_elem(map, &key, &until, BPF_ANY) != 0) return false;
    if (!known) held++;
    return true;
}

// Takes out the entries of the shared map MAP that DROP says to, in two
// passes (a key deleted while walking would restart the walk).
template <typename Key, typename Drop>
void drop_keys(int map, Drop drop) {
    std::vector<Key> dropped;
    Key key{}, next{};
    for (void* at = nullptr; bpf_map_get_next_key(map, at, &next) == 0; at = &key) {
        key = next;
        if (drop(key)) dropped.push_back(key);
    }
    for (auto& k : dropped) bpf_map_delete_elem(map, &k);
}

// The container's entries whose time has passed; returns how many it keeps.
template <typename Key>
uint32_t expire_keys(int map, uint64_t container) {
    uint64_t now = boot_ns(), until = 0;
    uint32_t kept = 0;
    drop_keys<Key>(map, [&](const Key& k) {
        if (k.container != container) return false;
        bool gone = bpf_map_lookup_elem(map, &k, &until) == 0 && until <= now;
        if (!gone) kept++;
        return gone;
    });
    return kept;
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

// The programs, where each attaches, and whether only a policy that
// follows names needs it (replies need their source restored only when DNS
// is redirected).
struct Hook {
    const char* program;
    bpf_attach_type type;
    bool dns_only;
};
const Hook kHooks[] = {
    {"runac_connect4", BPF_CGROUP_INET4_CONNECT, false}, {"runac_connect6", BPF_CGROUP_INET6_CONNECT, false},
    {"runac_sendmsg4", BPF_CGROUP_UDP4_SENDMSG, false},  {"runac_sendmsg6", BPF_CGROUP_UDP6_SENDMSG, false},
    {"runac_sock", BPF_CGROUP_INET_SOCK_CREATE, false},  {"runac_bind4", BPF_CGROUP_INET4_POST_BIND, false},
    {"runac_bind6", BPF_CGROUP_INET6_POST_BIND, false},  {"runac_recvmsg4", BPF_CGROUP_UDP4_RECVMSG, true},
    {"runac_recvmsg6", BPF_CGROUP_UDP6_RECVMSG, true},
};
constexpr size_t kPrograms = std::size(kHooks);

// Each container's own maps, in the order of MonitorMaps' fields below, as
// bpf/egress.bpf.c shapes them (the kernel refuses a map of another shape
// into the outer map, so a difference fails every create loudly).
struct InnerMap {
    const char* outer;  // the outer map, keyed by the container's key
    bpf_map_type type;
    uint32_t key_size, value_size, max_entries, flags;
};
const InnerMap kInnerMaps[] = {
    {"runac_allow4", BPF_MAP_TYPE_LPM_TRIE, sizeof(Net4Key), 1, 4096, BPF_F_NO_PREALLOC},
    {"runac_allow6", BPF_MAP_TYPE_LPM_TRIE, sizeof(Net6Key), 1, 4096, BPF_F_NO_PREALLOC},
    {"runac_deny4", BPF_MAP_TYPE_LPM_TRIE, sizeof(Net4Key), 1, 4096, BPF_F_NO_PREALLOC},
    {"runac_deny6", BPF_MAP_TYPE_LPM_TRIE, sizeof(Net6Key), 1, 4096, BPF_F_NO_PREALLOC},
    {"runac_resolver", BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), sizeof(ResolverValue), 1, 0},
    {"runac_denials", BPF_MAP_TYPE_RINGBUF, 0, 0, 64 * 1024, 0},
    {"runac_lost", BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), sizeof(uint64_t), 1, 0},
};
enum InnerIndex { kAllow4, kAllow6, kDeny4, kDeny6, kResolver, kDenials, kLost };
static_assert(std::size(kInnerMaps) == kLost + 1);

// bpf/egress.bpf.c's struct settings, the storage of a container's
// attachment.
struct Settings {
    uint64_t key;
    uint8_t egress_open, follow_dns, report_denials, pad[5];
};
constexpr const char* kSettingsMap = "runac_settings";
// The maps every container's entries share.
constexpr const char* kNames4Map = "runac_names4";
constexpr const char* kNames6Map = "runac_names6";

// A bpffs of runac's own, where each build's programs are pinned once per
// boot, in a directory named by the object's digest.
constexpr const char* kBpffs = "/run/runac-cache/bpffs";
constexpr const char* kPinPrefix = "egress-";
constexpr uint32_t kBpffsMagic = 0xcafe4a11;

// The shared programs and outer maps, opened from their pins.
struct Shared {
    UniqueFd programs[kPrograms];
    UniqueFd outer[std::size(kInnerMaps)];
    UniqueFd settings, names4, names6;
};

UniqueFd open_pin(const std::string& path) { return UniqueFd(bpf_obj_get(path.c_str())); }

// The maps only, without `programs` (what forget() needs).
std::optional<Shared> open_pins(const std::string& dir, bool programs = true) {
    Shared s;
    for (size_t i = 0; programs && i < kPrograms; i++)
        if (!(s.programs[i] = open_pin(dir + "/" + kHooks[i].program))) return std::nullopt;
    for (size_t i = 0; i < std::size(kInnerMaps); i++)
        if (!(s.outer[i] = open_pin(dir + "/" + kInnerMaps[i].outer))) return std::nullopt;
    if (!(s.settings = open_pin(dir + "/" + kSettingsMap)) || !(s.names4 = open_pin(dir + "/" + kNames4Map)) ||
        !(s.names6 = open_pin(dir + "/" + kNames6Map)))
        return std::nullopt;
    return s;
}

bool is_bpffs(const char* path) {
    struct statfs fs;
    return ::statfs(path, &fs) == 0 && static_cast<uint32_t>(fs.f_type) == kBpffsMagic;
}

void remove_pins(const std::string& dir) {
    for (auto& pin : files_in(dir)) ::unlink((dir + "/" + pin).c_str());
    ::rmdir(dir.c_str());
}

// Loads the object (the verifier's milliseconds) and pins its programs and
// the maps runac works with as NAME in the bpffs, whole or not at all.
void load_and_pin(const std::string& name) {
    std::string dir = std::string(kBpffs) + "/" + name;
    LibbpfToDebugLog quiet;
    std::unique_ptr<runac_egress, void (*)(runac_egress*)> skel(runac_egress::open(), runac_egress::destroy);
    int rc = skel ? runac_egress::load(skel.get()) : -errno;
    if (rc != 0)
        throw Error("agent policy: network.egress: cgroup-bpf: the egress programs did not load: " +
                    std::string(std::strerror(-rc)));
    // (bpffs reserves names with a dot.)
    std::string staging = std::string(kBpffs) + "/new-" + name;
    remove_pins(staging);  // a load that died half-way
    if (::mkdir(staging.c_str(), 0700) != 0) throw_errno("agent policy: network.egress: cgroup-bpf: mkdir " + staging);
    auto pin = [&](int fd, const std::string& pin_name) {
        if (bpf_obj_pin(fd, (staging + "/" + pin_name).c_str()) != 0) {
            int e = errno;
            remove_pins(staging);
            errno = e;
            throw_errno("agent policy: network.egress: cgroup-bpf: pin " + pin_name + " in " + staging);
        }
    };
    bpf_object* obj = skel->obj;
    for (auto& h : kHooks) pin(bpf_program__fd(bpf_object__find_program_by_name(obj, h.program)), h.program);
    for (auto& m : kInnerMaps) pin(bpf_map__fd(bpf_object__find_map_by_name(obj, m.outer)), m.outer);
    for (const char* map : {kSettingsMap, kNames4Map, kNames6Map})
        pin(bpf_map__fd(bpf_object__find_map_by_name(obj, map)), map);
    if (::rename(staging.c_str(), dir.c_str()) != 0) {
        remove_pins(staging);
        throw_errno("agent policy: network.egress: cgroup-bpf: rename " + staging);
    }
}

// This build's shared programs and maps: the pins of an earlier create of
// this boot, or made now (under a lock, so that concurrent creates load
// them once).
Shared open_shared() {
    std::string name = std::string(kPinPrefix) + RUNAC_EGRESS_DIGEST, dir = std::string(kBpffs) + "/" + name;
    if (auto s = open_pins(dir)) return std::move(*s);
    make_dirs(kBpffs, 0700, "runac cache");
    UniqueFd lock(::open("/run/runac-cache/bpffs.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!lock || ::flock(lock.get(), LOCK_EX) != 0) throw_errno("agent policy: network.egress: lock /run/runac-cache");
    if (auto s = open_pins(dir)) return std::move(*s);
    if (!is_bpffs(kBpffs) && ::mount("bpf", kBpffs, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") != 0)
        throw_errno(std::string("agent policy: network.egress: cgroup-bpf: mount a bpffs on ") + kBpffs);
    load_and_pin(name);
    if (auto s = open_pins(dir)) return std::move(*s);
    throw Error("agent policy: network.egress: cgroup-bpf: the pins in " + dir + " cannot be opened");
}

// One of a container's maps. Not libbpf's bpf_map_create: its first call
// in a process loads a probe program to decide whether RLIMIT_MEMLOCK needs
// raising, a fraction of a millisecond of every create; the kernels runac
// supports account BPF memory to the cgroup instead.
UniqueFd create_map(const InnerMap& m) {
    union bpf_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.map_type = m.type;
    attr.key_size = m.key_size;
    attr.value_size = m.value_size;
    attr.max_entries = m.max_entries;
    attr.map_flags = m.flags;
    std::strncpy(attr.map_name, m.outer, sizeof attr.map_name - 1);
    return UniqueFd(static_cast<int>(::syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof attr)));
}

// A container's key: its cgroup's id (the cgroup-v2 directory's inode
// number), which is also its attachment's storage key.
uint64_t key_of(int cgroup) {
    struct stat st;
    if (::fstat(cgroup, &st) != 0) throw_errno("agent policy: network.egress: stat the container's cgroup");
    static_assert(sizeof st.st_ino == sizeof(uint64_t));
    return st.st_ino;
}

// Whether KEY's resolver slot, in the outer map RESOLVERS, says it holds
// no names.
bool holds_no_names(int resolvers, uint64_t key) {
    uint32_t id = 0;
    ResolverValue v{};
    uint32_t zero = 0;
    if (bpf_map_lookup_elem(resolvers, &key, &id) != 0) return false;
    UniqueFd slot(bpf_map_get_fd_by_id(id));
    return slot && bpf_map_lookup_elem(slot.get(), &zero, &v) == 0 && v.no_names;
}

// Takes KEY's maps out of the outer maps of the pins in DIR, and those of
// every container whose cgroup is gone (its attachment storage went with
// it) without a delete, with their names (KEY's unless it holds none).
void forget(const std::string& dir, uint64_t key) {
    auto s = open_pins(dir, false);
    if (!s) return;
    bool names = !holds_no_names(s->outer[kResolver].get(), key);
    std::vector<uint64_t> gone{key};
    uint64_t k = 0, next = 0;
    Settings settings{};
    for (void* at = nullptr; bpf_map_get_next_key(s->outer[kAllow4].get(), at, &next) == 0; at = &k) {
        k = next;
        if (k != key && bpf_map_lookup_elem(s->settings.get(), &k, &settings) != 0 && errno == ENOENT)
            gone.push_back(k);
    }
    for (uint64_t old : gone)
        for (auto& outer : s->outer) bpf_map_delete_elem(outer.get(), &old);
    if (!names && gone.size() == 1) return;
    auto of_gone = [&](const auto& name) { return std::find(gone.begin(), gone.end(), name.container) != gone.end(); };
    drop_keys<Name4Key>(s->names4.get(), of_gone);
    drop_keys<Name6Key>(s->names6.get(), of_gone);
}

// Whether the pins in DIR hold maps of the container KEY.
bool holds(const std::string& dir, uint64_t key) {
    UniqueFd allow4 = open_pin(dir + "/" + kInnerMaps[kAllow4].outer);
    uint32_t inner = 0;
    return allow4 && bpf_map_lookup_elem(allow4.get(), &key, &inner) == 0;
}

}  // namespace

EgressFilter EgressFilter::attach(const Egress& egress, const std::string& cgroup_dir) {
    EgressFilter f;
    f.cgroup_.reset(::open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!f.cgroup_) throw_errno("agent policy: network.egress: cgroup-bpf: open " + cgroup_dir);
    f.key_ = key_of(f.cgroup_.get());
    Shared shared = open_shared();
    for (auto& m : kInnerMaps) {
        UniqueFd fd = create_map(m);
        if (!fd) throw_errno(std::string("agent policy: network.egress: cgroup-bpf: create the container's ") + m.outer);
        f.inner_.push_back(std::move(fd));
    }
    for (auto& n : egress.allow) add_net(f.inner_[kAllow4].get(), f.inner_[kAllow6].get(), false, n);
    for (auto& n : egress.deny) add_net(f.inner_[kDeny4].get(), f.inner_[kDeny6].get(), true, n);
    // Attached first: the programs refuse everything until the settings
    // say whose they are, and a container's attachment storage is what
    // tells forget() that its maps are not stale.
    for (size_t i = 0; i < kPrograms; i++) {
        if (kHooks[i].dns_only && !egress.follow_dns) continue;
        if (bpf_prog_attach(shared.programs[i].get(), f.cgroup_.get(), kHooks[i].type, BPF_F_ALLOW_MULTI) != 0)
            throw_errno("agent policy: network.egress: cgroup-bpf: attach " + std::string(kHooks[i].program) + " to " +
                        cgroup_dir);
        f.attached_.emplace_back(std::move(shared.programs[i]), kHooks[i].type);
    }
    for (size_t i = 0; i < std::size(kInnerMaps); i++) {
        uint32_t inner = static_cast<uint32_t>(f.inner_[i].get());
        if (bpf_map_update_elem(shared.outer[i].get(), &f.key_, &inner, BPF_ANY) != 0)
            throw_errno(std::string("agent policy: network.egress: cgroup-bpf: add the container's ") +
                        kInnerMaps[i].outer);
        f.outer_.push_back(std::move(shared.outer[i]));
    }
    f.names4_ = std::move(shared.names4);
    f.names6_ = std::move(shared.names6);
    if (!egress.follow_dns) {
        // Nothing answers names for it.
        ResolverValue none{};
        none.no_names = 1;
        uint32_t zero = 0;
        if (bpf_map_update_elem(f.inner_[kResolver].get(), &zero, &none, BPF_ANY) != 0)
            throw_errno("agent policy: network.egress: cgroup-bpf: set the container's resolver slot");
    }
    Settings settings{f.key_, egress.open, egress.follow_dns, static_cast<uint8_t>(egress.report || egress.prompt), {}};
    if (bpf_map_update_elem(shared.settings.get(), &f.key_, &settings, BPF_ANY) != 0)
        throw_errno("agent policy: network.egress: cgroup-bpf: set the container's settings");
    return f;
}

EgressFilter::~EgressFilter() {
    if (kept_) return;
    for (auto& [program, type] : attached_)
        bpf_prog_detach2(program.get(), cgroup_.get(), static_cast<bpf_attach_type>(type));
    for (auto& outer : outer_) bpf_map_delete_elem(outer.get(), &key_);
    // A monitor started before the create failed may have answered names.
    auto own = [this](const auto& name) { return name.container == key_; };
    if (names4_) drop_keys<Name4Key>(names4_.get(), own);
    if (names6_) drop_keys<Name6Key>(names6_.get(), own);
}

MonitorMaps EgressFilter::monitor_maps() const {
    MonitorMaps m;
    m.container = key_;
    m.names4 = names4_.get();
    m.names6 = names6_.get();
    m.resolver = inner_[kResolver].get();
    m.allow4 = inner_[kAllow4].get();
    m.allow6 = inner_[kAllow6].get();
    m.denials = inner_[kDenials].get();
    m.lost = inner_[kLost].get();
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
    if (Name4Key k{container, protocol, 0, htons(port), {}}; ::inet_pton(AF_INET, address.c_str(), k.addr) == 1)
        return allow_key(names4, k, until, *names_held);
    Name6Key k6{container, protocol, 0, htons(port), {}, 0};
    return ::inet_pton(AF_INET6, address.c_str(), k6.addr) == 1 && allow_key(names6, k6, until, *names_held);
}

uint64_t MonitorMaps::take_lost() const {
    uint32_t zero = 0;
    uint64_t count = 0, none = 0;
    if (lost < 0 || bpf_map_lookup_elem(lost, &zero, &count) != 0 || count == 0) return 0;
    // Reports lost between the read and the reset are lost twice over: rare.
    bpf_map_update_elem(lost, &zero, &none, BPF_ANY);
    return count;
}

// Each is a walk of every container's entries: none when it holds none.
void MonitorMaps::expire() const {
    if (*names_held == 0) return;
    *names_held = expire_keys<Name4Key>(names4, container) + expire_keys<Name6Key>(names6, container);
}

void MonitorMaps::drop_names() const {
    if (*names_held) {
        auto own = [this](const auto& name) { return name.container == container; };
        drop_keys<Name4Key>(names4, own);
        drop_keys<Name6Key>(names6, own);
        *names_held = 0;
    }
    uint32_t zero = 0;
    ResolverValue v{};
    if (bpf_map_lookup_elem(resolver, &zero, &v) != 0) return;
    v.no_names = 1;
    bpf_map_update_elem(resolver, &zero, &v, BPF_ANY);
}

uint64_t egress_key(const std::string& cgroup_dir) {
    struct stat st;
    return ::stat(cgroup_dir.c_str(), &st) == 0 ? st.st_ino : 0;
}

void detach_egress(const std::string& cgroup_dir, uint64_t known_key) {
    UniqueFd cgroup(::open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    // A cgroup already gone took its programs with it.
    for (auto& h : kHooks)
        if (cgroup) detach_runac_programs(cgroup.get(), h.type);
    forget_egress(cgroup ? key_of(cgroup.get()) : known_key);
}

void forget_egress(uint64_t key) {
    // The container's maps are in the pins of the build that made it: this
    // one's, or an older runac's, whose outer map says so (a lookup, not a
    // walk of its maps).
    std::string own = std::string(kPinPrefix) + RUNAC_EGRESS_DIGEST;
    for (auto& name : subdirectories(kBpffs)) {
        if (name.rfind(kPinPrefix, 0) != 0) continue;
        std::string dir = std::string(kBpffs) + "/" + name;
        if (name == own || holds(dir, key)) forget(dir, key);
    }
}

}  // namespace runac::enforce
