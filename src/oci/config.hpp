// The runtime-spec config.json as a validated C++ model. Only what runac acts
// on is modelled; unknown properties are ignored, as the spec requires.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "oci/resources.hpp"

namespace runac::oci {

// One line of a uid_map or gid_map: `size` ids from container_id on are
// host_id on outside.
struct IdMapping {
    uint32_t container_id = 0;
    uint32_t host_id = 0;
    uint32_t size = 0;
};

struct Mount {
    std::string destination;
    std::string type;
    std::string source;
    std::vector<std::string> options;
    // An idmapped mount: the source's ids seen through these mappings.
    std::vector<IdMapping> uid_mappings, gid_mappings;
};

struct Rlimit {
    std::string type;  // "RLIMIT_NOFILE"
    int resource = 0;  // RLIMIT_NOFILE
    uint64_t soft = 0;
    uint64_t hard = 0;
};

struct User {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::optional<uint32_t> umask;
    std::vector<uint32_t> additional_gids;
};

struct Capabilities {
    // Capability numbers (CAP_*), already checked against libcap's names.
    std::vector<int> bounding, effective, inheritable, permitted, ambient;
};

struct Scheduler {  // sched_setattr(2)
    uint32_t policy = 0;
    int32_t nice = 0;
    uint32_t priority = 0;
    uint64_t flags = 0;
    uint64_t runtime = 0, deadline = 0, period = 0;
};

struct Process {
    bool terminal = false;
    std::optional<std::pair<unsigned, unsigned>> console_size;  // rows (height), columns (width)
    User user;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string cwd = "/";
    std::optional<Capabilities> capabilities;
    std::vector<Rlimit> rlimits;
    bool no_new_privileges = false;
    std::string apparmor_profile;
    std::optional<int> oom_score_adj;
    std::optional<Scheduler> scheduler;
    std::optional<int> io_priority;  // ioprio_set(2) value: class << 13 | level
};

enum class NamespaceType { Pid, Network, Mount, Ipc, Uts, User, Cgroup, Time };

struct Namespace {
    NamespaceType type;
    std::string path;  // join this one instead of creating a new one
};

struct Device {
    std::string path;
    char type = 'c';  // c, b, u, p
    int64_t major = 0, minor = 0;
    std::optional<uint32_t> file_mode;
    std::optional<uint32_t> uid, gid;
};

struct SeccompArg {
    unsigned index = 0;
    uint64_t value = 0;
    uint64_t value_two = 0;
    std::string op;  // SCMP_CMP_EQ, ...
};

struct SeccompRule {
    std::vector<std::string> names;
    std::string action;  // SCMP_ACT_ERRNO, ...
    std::optional<uint32_t> errno_ret;
    std::vector<SeccompArg> args;
};

struct Seccomp {
    std::string default_action;
    std::optional<uint32_t> default_errno_ret;
    std::vector<std::string> architectures;  // SCMP_ARCH_X86_64, ...
    std::vector<std::string> flags;          // SECCOMP_FILTER_FLAG_LOG, ...
    std::string listener_path;               // where SCMP_ACT_NOTIFY's fd is sent
    std::string listener_metadata;
    std::vector<SeccompRule> syscalls;
    bool notifies() const;
};

// A time namespace's clock offset (linux.timeOffsets.monotonic / .boottime).
struct TimeOffset {
    int64_t secs = 0;
    uint32_t nanosecs = 0;
};

struct Linux {
    std::vector<Namespace> namespaces;
    std::vector<IdMapping> uid_mappings, gid_mappings;  // of a new user namespace
    std::optional<TimeOffset> monotonic_offset, boottime_offset;  // of a new time namespace
    std::vector<Device> devices;
    Resources resources;
    std::string cgroups_path;
    std::string rootfs_propagation;
    std::vector<std::string> masked_paths;
    std::vector<std::string> readonly_paths;
    std::map<std::string, std::string> sysctl;
    std::optional<Seccomp> seccomp;
    std::optional<unsigned long> personality;  // personality(2) persona: domain | flags

    bool has_namespace(NamespaceType t) const;
    const Namespace* find_namespace(NamespaceType t) const;
};

struct Hook {
    std::string path;
    std::vector<std::string> args;  // args[0] is the hook's argv[0]
    std::vector<std::string> env;
    std::optional<int> timeout;     // seconds
};

struct Hooks {
    std::vector<Hook> prestart, create_runtime, create_container, start_container, poststart, poststop;
};

struct Config {
    std::string oci_version;
    std::string root_path;  // absolute, resolved against the bundle
    bool root_readonly = false;
    Process process;
    std::string hostname;
    std::string domainname;
    std::vector<Mount> mounts;
    std::map<std::string, std::string> annotations;
    Hooks hooks;
    Linux linux;
};

// Parses and validates; throws Error naming the JSON path of the first fault.
// `bundle` is the absolute bundle directory (root.path is relative to it).
Config parse_config(const std::string& json, const std::string& bundle);
// A process object on its own (`exec --process FILE`); `origin` names it in errors.
Process parse_process_json(const std::string& json, const std::string& origin);
// Reads BUNDLE/config.json.
Config load_config(const std::string& bundle);

const char* namespace_name(NamespaceType t);
// The namespace whose sysctl KEY is ("net.*": network, ...); none for a
// key of the whole host.
std::optional<NamespaceType> sysctl_namespace(const std::string& key);

// What the parser accepts, for `runac features`.
std::vector<std::string> namespace_names();  // the types this build can create or join
std::vector<std::string> seccomp_action_names();
std::vector<std::string> seccomp_operator_names();
std::vector<std::string> seccomp_flag_names();

}  // namespace runac::oci
