// derive(): what a policy turns into, on made-up kernels, without root.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/derive.hpp"
#include "agent/parse.hpp"
#include "common/error.hpp"
#include "enforce/agent_seccomp.hpp"
#include "enforce/landlock.hpp"

using namespace runac;
using namespace runac::agent;
using enforce::PolicyMount;
namespace fs = enforce::fs;

namespace {

linux::KernelFeatures kernel(int landlock_abi, bool memfd_noexec = true) {
    linux::KernelFeatures k;
    k.landlock = {landlock_abi > 0, "ABI " + std::to_string(landlock_abi)};
    k.landlock_abi = landlock_abi;
    k.seccomp = {true, "filter mode"};
    k.memfd_noexec = {memfd_noexec, ""};
    k.cgroup_bpf = {true, "cgroup/connect4 loads"};
    return k;
}

oci::Mount mount(const std::string& dest, const std::string& type, std::vector<std::string> options,
                 const std::string& source = "") {
    oci::Mount m;
    m.destination = dest;
    m.type = type;
    m.source = source.empty() ? type : source;
    m.options = std::move(options);
    return m;
}

// Docker's mounts for a container with a /workspace volume, read-only /data.
oci::Config docker_like() {
    oci::Config c;
    c.root_path = "/nonexistent/rootfs";
    c.linux.namespaces = {{oci::NamespaceType::Pid, ""}, {oci::NamespaceType::Mount, ""}, {oci::NamespaceType::Network, ""}};
    c.process.capabilities = oci::Capabilities{{0, 1, 21}, {0, 1, 21}, {}, {0, 1, 21}, {}};
    c.mounts = {mount("/proc", "proc", {"nosuid", "noexec", "nodev"}),
                mount("/dev", "tmpfs", {"nosuid", "strictatime", "mode=755"}),
                mount("/dev/pts", "devpts", {"nosuid", "noexec", "newinstance"}),
                mount("/dev/shm", "tmpfs", {"nosuid", "noexec", "nodev"}),
                mount("/dev/mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
                mount("/etc/hosts", "bind", {"rbind", "rprivate"}, "/nonexistent/hosts"),
                mount("/workspace", "bind", {"rbind"}, "/nonexistent/ws"),
                mount("/data", "bind", {"rbind", "ro"}, "/nonexistent/data")};
    return c;
}

Policy policy(const std::string& json) { return parse_policy(json, "t"); }

const oci::Mount& at(const oci::Config& c, const std::string& dest) {
    return *std::find_if(c.mounts.begin(), c.mounts.end(), [&](auto& m) { return m.destination == dest; });
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

uint64_t rights(const enforce::Landlock& l, const std::string& path) {
    for (auto& r : l.rules)
        if (r.path == path) return r.access;
    return 0;
}

}  // namespace

TEST_CASE("the baseline: read-only root and unlisted mounts, no capabilities, noNewPrivileges, the /proc masks") {
    oci::Config c = docker_like();
    derive(policy(R"({"capabilities": {"filesystem": {"write": ["/workspace", "/tmp"]}}})"), c, kernel(7));
    CHECK(c.root_readonly);
    REQUIRE(c.process.capabilities);
    CHECK(c.process.capabilities->bounding.empty());
    CHECK(c.process.capabilities->effective.empty());
    CHECK(c.process.capabilities->permitted.empty());
    CHECK(c.process.no_new_privileges);
    CHECK(has(at(c, "/etc/hosts").options, "ro"));
    CHECK(has(at(c, "/etc/hosts").options, "nosuid"));
    // What the policy lists stays writable, without set-uid programs or devices.
    CHECK_FALSE(has(at(c, "/workspace").options, "ro"));
    CHECK(has(at(c, "/workspace").options, "nosuid"));
    CHECK(has(at(c, "/workspace").options, "nodev"));
    // The kernel interfaces stay writable; /dev keeps its devices and turns
    // read-only after setup.
    for (const char* dest : {"/proc", "/dev/pts", "/dev/shm", "/dev/mqueue", "/dev"}) {
        CAPTURE(dest);
        CHECK_FALSE(has(at(c, dest).options, "ro"));
    }
    CHECK_FALSE(has(at(c, "/dev").options, "nodev"));
    CHECK(has(c.linux.readonly_paths, "/dev"));
    CHECK(has(c.linux.readonly_paths, "/proc/sys"));
    CHECK(has(c.linux.masked_paths, "/proc/kcore"));
}

TEST_CASE("write paths become writable binds unless a mount already, and never over an engine's read-only mount") {
    oci::Config c = docker_like();
    enforce::Plan p = derive(
        policy(R"({"capabilities": {"filesystem": {"write": ["/workspace", "/tmp", "/workspace/sub", "/data/x"], "deny": ["/workspace/.env"]}}})"),
        c, kernel(7));
    CHECK(p.mounts == std::vector<PolicyMount>{{PolicyMount::Kind::WritableBind, "/tmp"},
                                               {PolicyMount::Kind::WritableBind, "/workspace/sub"},
                                               {PolicyMount::Kind::Deny, "/workspace/.env"}});
    CHECK(has(at(c, "/data").options, "ro"));
    oci::Config readonly_root = docker_like();
    readonly_root.root_readonly = true;
    CHECK(derive(policy(R"({"capabilities": {"filesystem": {"write": ["/tmp"]}}})"), readonly_root, kernel(7)).mounts.empty());
}

TEST_CASE("a policy needs a new pid namespace") {
    oci::Config c = docker_like();
    c.linux.namespaces = {{oci::NamespaceType::Mount, ""}};
    CHECK_THROWS_WITH(derive(policy("{}"), c, kernel(7)), "agent policy: linux.namespaces: a policy needs a new pid namespace");
    c.linux.namespaces.push_back({oci::NamespaceType::Pid, "/proc/1/ns/pid"});
    CHECK_THROWS_WITH(derive(policy("{}"), c, kernel(7)), "agent policy: linux.namespaces: a policy needs a new pid namespace");
}

TEST_CASE("a container runtime's socket is refused as a mount source, alone or in a directory") {
    auto dir = std::filesystem::temp_directory_path() / ("runac-derive-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir / "run" / "containerd");
    auto make_socket = [](const std::filesystem::path& p) {
        int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un a = {};
        a.sun_family = AF_UNIX;
        std::string path = p.string();
        std::copy(path.begin(), path.end(), a.sun_path);
        REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        ::close(s);
    };
    make_socket(dir / "docker.sock");
    make_socket(dir / "run" / "containerd" / "containerd.sock");
    oci::Config c = docker_like();
    c.mounts.push_back(mount("/var/run/docker.sock", "bind", {"rbind"}, (dir / "docker.sock").string()));
    CHECK_THROWS_WITH(derive(policy("{}"), c, kernel(7)),
                      ("agent policy: mounts[8]: " + (dir / "docker.sock").string() + " is a container runtime's socket").c_str());
    oci::Config d = docker_like();
    d.mounts.push_back(mount("/host-run", "bind", {"rbind"}, (dir / "run").string()));
    CHECK_THROWS_WITH(derive(policy("{}"), d, kernel(7)), doctest::Contains("holds a container runtime's socket (containerd/containerd.sock)"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("Landlock: every right the ABI has, read everywhere when read is absent, exec with read") {
    oci::Config c = docker_like();
    enforce::Plan p = derive(policy(R"({"capabilities": {"filesystem": {"write": ["/workspace"]}}})"), c, kernel(7));
    CHECK(p.landlock.abi == 7);
    CHECK(p.landlock.handled_fs == ((1ull << 16) - 1));
    CHECK(rights(p.landlock, "/") == (fs::kRead | fs::kExecute));
    CHECK(rights(p.landlock, "/workspace") == p.landlock.handled_fs);
    CHECK((rights(p.landlock, "/dev/null") & fs::kWriteFile));
    CHECK((rights(p.landlock, "/dev/pts") & fs::kIoctlDev));
    CHECK(p.landlock.scoped == enforce::kScopeAbstractUnixSocket);
    CHECK(p.landlock.restrict_flags == enforce::kRestrictLogNewExecOn);
}

TEST_CASE("Landlock degrades with the ABI: no REFER on 1, no TRUNCATE on 2, no IOCTL_DEV on 4, no scope on 5") {
    auto plan_on = [](int abi) {
        oci::Config c = docker_like();
        return derive(policy(R"({"capabilities": {"filesystem": {"read": ["/usr"], "write": ["/w"]}}})"), c, kernel(abi)).landlock;
    };
    CHECK(plan_on(1).handled_fs == ((1ull << 13) - 1));
    CHECK((plan_on(2).handled_fs & fs::kRefer));
    CHECK_FALSE((plan_on(2).handled_fs & fs::kTruncate));
    CHECK((plan_on(3).handled_fs & fs::kTruncate));
    CHECK_FALSE((plan_on(4).handled_fs & fs::kIoctlDev));
    CHECK((plan_on(5).handled_fs & fs::kIoctlDev));
    CHECK(plan_on(5).scoped == 0);
    CHECK(plan_on(6).scoped == enforce::kScopeAbstractUnixSocket);
    CHECK(plan_on(6).restrict_flags == 0);
    CHECK(plan_on(9).abi == 7);  // a newer kernel is used at the ABI runac knows
    // read listed: only those trees (and /proc), not "/"
    auto l = plan_on(7);
    CHECK(rights(l, "/") == 0);
    CHECK(rights(l, "/usr") == (fs::kRead | fs::kExecute));
    CHECK(rights(l, "/proc") == fs::kRead);
    // No Landlock on the kernel: no domain at all.
    oci::Config c = docker_like();
    CHECK(derive(policy("{}"), c, kernel(0)).landlock == enforce::Landlock{});
}

TEST_CASE("memfd: the sysctl where the kernel has it and no user namespace, else seccomp refuses memfd_create") {
    oci::Config c = docker_like();
    enforce::Plan p = derive(policy("{}"), c, kernel(7, true));
    CHECK(p.memfd_noexec);
    CHECK_FALSE(p.refuse_memfd);
    oci::Config old = docker_like();
    p = derive(policy("{}"), old, kernel(7, false));
    CHECK_FALSE(p.memfd_noexec);
    CHECK(p.refuse_memfd);
    oci::Config userns = docker_like();
    userns.linux.namespaces.push_back({oci::NamespaceType::User, ""});
    p = derive(policy("{}"), userns, kernel(7, true));
    CHECK_FALSE(p.memfd_noexec);
    CHECK(p.refuse_memfd);
}

TEST_CASE("BPF LSM: where the kernel runs it, deny paths, commands, tools and memfds without the sysctl") {
    linux::KernelFeatures lsm = kernel(7, true);
    lsm.bpf_lsm = {true, "attaches"};
    oci::Config c = docker_like();
    enforce::Plan p = derive(policy(R"({"capabilities": {"filesystem": {"write": ["/workspace"], "deny": ["/workspace/.env"]},
        "shell": {"commands": ["git"]}}, "secrets": {"T": {"provider": "env", "allowedTools": ["git", "gh"]}, "U": "env://U"}})"),
                             c, lsm);
    CHECK(p.lsm.attached);
    CHECK(p.lsm.deny);
    CHECK(p.lsm.exec);
    CHECK_FALSE(p.lsm.memfd);  // vm.memfd_noexec does it
    CHECK(p.lsm.secret_tools == std::vector<enforce::SecretTools>{{"T", {"git", "gh"}}});
    CHECK(enforce::parse_plan(enforce::plan_json(p)) == p);
    // Without the sysctl BPF LSM takes the memfds, and seccomp leaves memfd_create alone.
    oci::Config old = docker_like();
    enforce::Plan on61 = derive(policy("{}"), old, [&] { auto k = lsm; k.memfd_noexec = {false, "Linux < 6.3"}; return k; }());
    CHECK(on61.lsm.attached);
    CHECK(on61.lsm.memfd);
    CHECK_FALSE(on61.refuse_memfd);
    // enforcement.require: bpf-lsm applies it beside the sysctl.
    oci::Config req = docker_like();
    enforce::Plan required = derive(policy(R"({"enforcement": {"require": ["bpf-lsm"]}})"), req, lsm);
    CHECK(required.lsm.memfd);
    CHECK(required.memfd_noexec);
    // Nothing for it to check, or no BPF LSM: nothing attached.
    oci::Config e = docker_like();
    CHECK_FALSE(derive(policy("{}"), e, lsm).lsm.attached);
    oci::Config f = docker_like();
    enforce::Plan host = derive(policy(R"({"capabilities": {"filesystem": {"deny": ["/x"]}}})"), f, kernel(7, false));
    CHECK(host.lsm == enforce::Lsm{});
    CHECK(host.refuse_memfd);
}

TEST_CASE("egress: addresses and networks fill the programs' maps, names go to the resolver; deny alone leaves egress open") {
    oci::Config c = docker_like();
    enforce::Plan p = derive(policy(R"({"capabilities": {"network": {
        "egress": [{"host": "192.0.2.1", "port": 8080}, {"host": "10.0.0.0/8", "protocol": "udp", "port": 53},
                   {"host": "2001:db8::/32"}, {"host": "github.com", "port": 443}, {"host": "*.npmjs.org"}],
        "deny": ["169.254.169.254", "metadata.google.internal", "fd00::/8"]}}})"), c, kernel(7));
    CHECK(p.egress.filtered);
    CHECK_FALSE(p.egress.open);
    CHECK(p.egress.allow == std::vector<enforce::EgressNet>{{"192.0.2.1/32", 8080, IPPROTO_TCP},
                                                             {"10.0.0.0/8", 53, IPPROTO_UDP},
                                                             {"2001:db8::/32", 0, IPPROTO_TCP}});
    CHECK(p.egress.deny == std::vector<enforce::EgressNet>{{"169.254.169.254/32", 0, 0}, {"fd00::/8", 0, 0}});
    CHECK(p.egress.follow_dns);
    CHECK(p.egress.names ==
          std::vector<enforce::EgressName>{{"github.com", 443, IPPROTO_TCP}, {"*.npmjs.org", 0, IPPROTO_TCP}});
    CHECK(p.egress.deny_names == std::vector<std::string>{"metadata.google.internal"});
    // No egress list: only deny refuses.
    oci::Config d = docker_like();
    enforce::Plan deny_only = derive(policy(R"({"capabilities": {"network": {"deny": ["10.0.0.0/8"]}}})"), d, kernel(7));
    CHECK(deny_only.egress.filtered);
    CHECK(deny_only.egress.open);
    CHECK_FALSE(deny_only.egress.follow_dns);  // addresses only: DNS is not the resolver's
    // An empty list refuses everything but the container's own listeners.
    oci::Config e = docker_like();
    enforce::Plan none = derive(policy(R"({"capabilities": {"network": {"egress": []}}})"), e, kernel(7));
    CHECK(none.egress.filtered);
    CHECK_FALSE(none.egress.open);
    CHECK(none.egress.allow.empty());
    // No network rule, or no cgroup BPF (the rule table refuses a strict policy then): no programs.
    oci::Config f = docker_like();
    CHECK_FALSE(derive(policy("{}"), f, kernel(7)).egress.filtered);
    linux::KernelFeatures old = kernel(7);
    old.cgroup_bpf = {false, "needs cgroup2"};
    oci::Config g = docker_like();
    CHECK_FALSE(derive(policy(R"({"capabilities": {"network": {"egress": []}}})"), g, old).egress.filtered);
}

TEST_CASE("egress: an IPv4 address or network written in IPv6 form is kept as IPv4, as the programs decide it") {
    oci::Config c = docker_like();
    enforce::Plan p = derive(policy(R"({"capabilities": {"network": {
        "egress": [{"host": "::ffff:192.0.2.1", "port": 80}, {"host": "::ffff:10.0.0.0/104"}],
        "deny": ["::FFFF:192.0.2.9"]}}})"), c, kernel(7));
    CHECK(p.egress.allow ==
          std::vector<enforce::EgressNet>{{"192.0.2.1/32", 80, IPPROTO_TCP}, {"10.0.0.0/8", 0, IPPROTO_TCP}});
    CHECK(p.egress.deny == std::vector<enforce::EgressNet>{{"192.0.2.9/32", 0, 0}});
}

TEST_CASE("the plan survives its state file") {
    oci::Config c = docker_like();
    enforce::Plan p = derive(policy(R"({"capabilities": {"filesystem": {"write": ["/tmp"], "deny": ["/etc/shadow"]},
        "network": {"egress": [{"host": "192.0.2.0/24", "port": 443}, {"host": "*.pypi.org", "protocol": "udp"}],
                    "deny": ["192.0.2.9", "evil.pypi.org"]}}, "policy": {"sessionTimeout": "1h30m"}})"), c, kernel(7));
    CHECK(p.session_timeout == 5400);
    CHECK(p.egress.allow.size() == 1);
    CHECK(p.egress.names.size() == 1);
    CHECK(p.egress.deny_names.size() == 1);
    CHECK(enforce::parse_plan(enforce::plan_json(p)) == p);
}

TEST_CASE("the agent seccomp baseline: the contract's list, clone3 ENOSYS, no new namespaces, no raw or packet sockets") {
    auto filters = enforce::agent_seccomp(false);
    REQUIRE(filters.size() == 2);
    const oci::Seccomp& s = filters[0];
    CHECK(s.default_action == "SCMP_ACT_ALLOW");
    // The refusals are logged by the kernel's audit; clone3's answer, in a filter of its own, is not.
    CHECK(s.flags == std::vector<std::string>{"SECCOMP_FILTER_FLAG_LOG"});
    CHECK(filters[1].flags.empty());
    REQUIRE(filters[1].syscalls.size() == 1);
    CHECK(filters[1].syscalls[0].names == std::vector<std::string>{"clone3"});
    CHECK(filters[1].syscalls[0].errno_ret == 38u);  // ENOSYS
    CHECK(s.architectures.empty());
    auto rule_for = [&](const std::string& name) -> const oci::SeccompRule* {
        for (auto& r : s.syscalls)
            if (has(r.names, name)) return &r;
        return nullptr;
    };
    for (const char* name : {"ptrace", "process_vm_readv", "pidfd_getfd", "bpf", "perf_event_open", "userfaultfd",
                             "io_uring_setup", "keyctl", "add_key", "mount", "umount2", "pivot_root", "fsopen",
                             "move_mount", "open_tree", "mount_setattr", "setns", "open_by_handle_at", "kexec_load",
                             "init_module", "finit_module", "delete_module"}) {
        CAPTURE(name);
        REQUIRE(rule_for(name));
        CHECK(rule_for(name)->args.empty());
        CHECK(rule_for(name)->errno_ret == 1u);
    }
    CHECK(rule_for("clone3") == nullptr);
    CHECK(rule_for("clone")->args.size() == 7);
    CHECK(rule_for("unshare")->args.size() == 8);
    CHECK(rule_for("memfd_create") == nullptr);
    CHECK(enforce::agent_seccomp(true)[0].syscalls.back().names == std::vector<std::string>{"memfd_create"});
    int sockets = 0;
    for (auto& r : s.syscalls) sockets += has(r.names, "socket");
    CHECK(sockets == 3);  // AF_PACKET, raw AF_INET, raw AF_INET6
}
