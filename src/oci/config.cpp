#include "oci/config.hpp"

#include <algorithm>
#include <iterator>
#include <sys/capability.h>
#include <sys/resource.h>
#include <utility>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/json.hpp"

namespace runac::oci {

namespace {

const std::pair<const char*, int> kRlimits[] = {
    {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},       {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},       {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},     {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

const std::pair<const char*, NamespaceType> kNamespaces[] = {
    {"pid", NamespaceType::Pid},       {"network", NamespaceType::Network},
    {"mount", NamespaceType::Mount},   {"ipc", NamespaceType::Ipc},
    {"uts", NamespaceType::Uts},       {"user", NamespaceType::User},
    {"cgroup", NamespaceType::Cgroup}, {"time", NamespaceType::Time},
};

// Fields of runtime-spec 1.2 that this build does not implement yet. A config
// using one is refused naming it, rather than run with the setting silently
// dropped. Each later feature deletes its line here.
const char* const kNotYetSupported[] = {
    "process.selinuxLabel", "process.execCPUAffinity", "linux.intelRdt", "linux.memoryPolicy", "linux.netDevices",
};
// Resource sections for controllers runac does not drive (net_cls/net_prio
// and rdma, which neither this machine nor its test VM has).
const char* const kResources[] = {"network", "rdma"};

bool present(const JsonValue& root, const std::string& dotted) {
    std::optional<JsonValue> v = root;
    size_t i = 0;
    while (v && i <= dotted.size()) {
        size_t j = dotted.find('.', i);
        if (j == std::string::npos) j = dotted.size();
        v = v->is_object() ? v->get(dotted.substr(i, j - i)) : std::nullopt;
        i = j + 1;
    }
    if (!v) return false;
    if (v->is_array()) return !v->items().empty();
    if (v->is_object()) {
        bool any = false;
        v->for_each([&](const std::string&, const JsonValue& m) { any = any || !m.is_null(); });
        return any;
    }
    return true;
}

void refuse_unsupported(const JsonValue& root) {
    for (const char* field : kNotYetSupported)
        if (present(root, field)) throw Error(std::string(field) + ": not supported by this version of runac");
    for (const char* res : kResources) {
        std::string field = std::string("linux.resources.") + res;
        if (present(root, field)) throw Error(field + ": not supported by this version of runac");
    }
}

uint32_t as_u32(const JsonValue& v) {
    uint64_t n = v.as_uint();
    if (n > UINT32_MAX) v.fail("value out of range");
    return static_cast<uint32_t>(n);
}

std::vector<int> parse_cap_list(const JsonValue& v) {
    std::vector<int> out;
    for (auto& item : v.items()) {
        std::string name = item.as_string();
        cap_value_t cap;
        if (cap_from_name(name.c_str(), &cap) != 0 || name.rfind("CAP_", 0) != 0)
            item.fail("unknown capability \"" + name + "\"");
        out.push_back(cap);
    }
    return out;
}

template <typename T, size_t N>
T lookup(const JsonValue& v, const std::pair<const char*, T> (&table)[N], const char* what) {
    std::string s = v.as_string();
    for (auto& [name, value] : table)
        if (s == name) return value;
    v.fail("unknown " + std::string(what) + " \"" + s + "\"");
}

const std::pair<const char*, uint32_t> kSchedPolicies[] = {
    {"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2}, {"SCHED_BATCH", 3},
    {"SCHED_ISO", 4},   {"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6}};
const std::pair<const char*, uint64_t> kSchedFlags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01}, {"SCHED_FLAG_RECLAIM", 0x02},      {"SCHED_FLAG_DL_OVERRUN", 0x04},
    {"SCHED_FLAG_KEEP_POLICY", 0x08},   {"SCHED_FLAG_KEEP_PARAMS", 0x10},  {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40}};
const std::pair<const char*, int> kIoClasses[] = {
    {"IOPRIO_CLASS_RT", 1}, {"IOPRIO_CLASS_BE", 2}, {"IOPRIO_CLASS_IDLE", 3}};
const std::pair<const char*, unsigned long> kPersonaDomains[] = {{"LINUX", 0x0000}, {"LINUX32", 0x0008}};
const std::pair<const char*, unsigned long> kPersonaFlags[] = {
    {"UNAME26", 0x0020000},          {"ADDR_NO_RANDOMIZE", 0x0040000}, {"FDPIC_FUNCPTRS", 0x0080000},
    {"MMAP_PAGE_ZERO", 0x0100000},   {"ADDR_COMPAT_LAYOUT", 0x0200000}, {"READ_IMPLIES_EXEC", 0x0400000},
    {"ADDR_LIMIT_32BIT", 0x0800000}, {"SHORT_INODE", 0x1000000},       {"WHOLE_SECONDS", 0x2000000},
    {"STICKY_TIMEOUTS", 0x4000000},  {"ADDR_LIMIT_3GB", 0x8000000}};

Scheduler parse_scheduler(const JsonValue& v) {
    Scheduler s;
    s.policy = lookup(v.required("policy"), kSchedPolicies, "scheduler policy");
    if (auto n = v.get("nice")) {
        int64_t nice = n->as_int();
        if (nice < -20 || nice > 19) n->fail("must be between -20 and 19");
        s.nice = static_cast<int32_t>(nice);
    }
    if (auto n = v.get("priority")) s.priority = static_cast<uint32_t>(n->as_uint());
    if (auto f = v.get("flags"))
        for (auto& item : f->items()) s.flags |= lookup(item, kSchedFlags, "scheduler flag");
    if (auto n = v.get("runtime")) s.runtime = n->as_uint();
    if (auto n = v.get("deadline")) s.deadline = n->as_uint();
    if (auto n = v.get("period")) s.period = n->as_uint();
    return s;
}

Process parse_process(const JsonValue& p) {
    Process proc;
    if (auto v = p.get("terminal")) proc.terminal = v->as_bool();
    if (auto v = p.get("consoleSize"))
        proc.console_size = std::make_pair(as_u32(v->required("height")), as_u32(v->required("width")));
    if (auto u = p.get("user")) {
        if (auto v = u->get("uid")) proc.user.uid = as_u32(*v);
        if (auto v = u->get("gid")) proc.user.gid = as_u32(*v);
        if (auto v = u->get("umask")) proc.user.umask = as_u32(*v);
        if (auto v = u->get("additionalGids"))
            for (auto& g : v->items()) proc.user.additional_gids.push_back(as_u32(g));
        if (auto v = u->get("username")) v->fail("not supported on Linux");
    }
    auto args = p.required("args");
    proc.args = args.string_list();
    if (proc.args.empty() || proc.args[0].empty()) args.fail("must name the program to run");
    if (auto v = p.get("env")) proc.env = v->string_list();
    auto cwd = p.required("cwd");
    proc.cwd = cwd.as_string();
    if (proc.cwd.empty() || proc.cwd[0] != '/') cwd.fail("must be an absolute path");
    if (auto c = p.get("capabilities")) {
        Capabilities caps;
        if (auto v = c->get("bounding")) caps.bounding = parse_cap_list(*v);
        if (auto v = c->get("effective")) caps.effective = parse_cap_list(*v);
        if (auto v = c->get("inheritable")) caps.inheritable = parse_cap_list(*v);
        if (auto v = c->get("permitted")) caps.permitted = parse_cap_list(*v);
        if (auto v = c->get("ambient")) caps.ambient = parse_cap_list(*v);
        proc.capabilities = caps;
    }
    if (auto rl = p.get("rlimits")) {
        for (auto& item : rl->items()) {
            Rlimit r;
            auto type = item.required("type");
            r.type = type.as_string();
            bool known = false;
            for (auto& [name, res] : kRlimits)
                if (r.type == name) known = true, r.resource = res;
            if (!known) type.fail("unknown rlimit \"" + r.type + "\"");
            auto soft = item.get("soft");
            auto hard = item.get("hard");
            if (!soft || !hard) item.fail("soft and hard must be set");
            r.soft = soft->as_uint();
            r.hard = hard->as_uint();
            if (r.soft > r.hard) soft->fail("soft limit is above the hard limit");
            proc.rlimits.push_back(r);
        }
    }
    if (auto v = p.get("noNewPrivileges")) proc.no_new_privileges = v->as_bool();
    if (auto v = p.get("apparmorProfile")) proc.apparmor_profile = v->as_string();
    if (auto v = p.get("scheduler")) proc.scheduler = parse_scheduler(*v);
    if (auto v = p.get("ioPriority")) {
        int cls = lookup(v->required("class"), kIoClasses, "I/O priority class");
        int64_t level = 0;
        if (auto l = v->get("priority")) {
            level = l->as_int();
            if (level < 0 || level > 7) l->fail("must be between 0 and 7");
        }
        proc.io_priority = cls << 13 | static_cast<int>(level);
    }
    if (auto v = p.get("oomScoreAdj")) {
        int64_t n = v->as_int();
        if (n < -1000 || n > 1000) v->fail("must be between -1000 and 1000");
        proc.oom_score_adj = static_cast<int>(n);
    }
    return proc;
}

const char* const kSeccompActions[] = {"SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                                       "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
                                       "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY"};
const char* const kSeccompOps[] = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
                                   "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
const char* const kSeccompFlags[] = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                     "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};

template <size_t N>
std::vector<std::string> names_of(const char* const (&list)[N]) {
    return std::vector<std::string>(std::begin(list), std::end(list));
}

template <size_t N>
std::string one_of(const JsonValue& v, const char* const (&allowed)[N], const char* what) {
    std::string s = v.as_string();
    for (const char* a : allowed)
        if (s == a) return s;
    v.fail("unknown " + std::string(what) + " \"" + s + "\"");
}

Seccomp parse_seccomp(const JsonValue& v) {
    Seccomp sc;
    sc.default_action = one_of(v.required("defaultAction"), kSeccompActions, "seccomp action");
    // Every call of the init itself would wait for a listener it has not reached yet (runc refuses it too).
    if (sc.default_action == "SCMP_ACT_NOTIFY")
        v.required("defaultAction").fail("SCMP_ACT_NOTIFY cannot be used as default action");
    if (auto e = v.get("defaultErrnoRet")) sc.default_errno_ret = as_u32(*e);
    if (auto a = v.get("architectures")) {
        for (auto& item : a->items()) {
            std::string arch = item.as_string();
            if (!starts_with(arch, "SCMP_ARCH_")) item.fail("unknown architecture \"" + arch + "\"");
            sc.architectures.push_back(arch);
        }
    }
    if (auto f = v.get("flags"))
        for (auto& item : f->items()) sc.flags.push_back(one_of(item, kSeccompFlags, "seccomp flag"));
    if (auto p = v.get("listenerPath")) {
        sc.listener_path = p->as_string();
        if (!sc.listener_path.empty() && sc.listener_path[0] != '/') p->fail("must be an absolute path");
    }
    if (auto m = v.get("listenerMetadata")) sc.listener_metadata = m->as_string();
    if (auto calls = v.get("syscalls")) {
        for (auto& item : calls->items()) {
            SeccompRule r;
            r.names = item.required("names").string_list();
            if (r.names.empty()) item.fail("names: must list at least one syscall");
            r.action = one_of(item.required("action"), kSeccompActions, "seccomp action");
            // The runtime writes to the listener's socket and its own pipes: it would wait on itself.
            if (r.action == "SCMP_ACT_NOTIFY" && std::find(r.names.begin(), r.names.end(), "write") != r.names.end())
                item.required("names").fail("SCMP_ACT_NOTIFY cannot be used for the write syscall");
            if (auto e = item.get("errnoRet")) r.errno_ret = as_u32(*e);
            if (auto args = item.get("args")) {
                for (auto& a : args->items()) {
                    SeccompArg arg;
                    uint64_t index = a.required("index").as_uint();
                    if (index > 5) a.required("index").fail("must be between 0 and 5");
                    arg.index = static_cast<unsigned>(index);
                    arg.value = a.required("value").as_uint();
                    if (auto two = a.get("valueTwo")) arg.value_two = two->as_uint();
                    arg.op = one_of(a.required("op"), kSeccompOps, "seccomp operator");
                    r.args.push_back(arg);
                }
            }
            sc.syscalls.push_back(r);
        }
    }
    if (sc.notifies() && sc.listener_path.empty())
        throw Error(v.path() + ".listenerPath: must be set when a rule uses SCMP_ACT_NOTIFY");
    return sc;
}

std::vector<Hook> parse_hook_list(const JsonValue& list) {
    std::vector<Hook> out;
    for (auto& item : list.items()) {
        Hook h;
        auto path = item.required("path");
        h.path = path.as_string();
        if (h.path.empty() || h.path[0] != '/') path.fail("must be an absolute path");
        if (auto v = item.get("args")) h.args = v->string_list();
        if (auto v = item.get("env")) h.env = v->string_list();
        if (auto v = item.get("timeout")) {
            int64_t t = v->as_int();
            if (t <= 0) v->fail("must be a positive number of seconds");
            h.timeout = static_cast<int>(t);
        }
        out.push_back(h);
    }
    return out;
}

Hooks parse_hooks(const JsonValue& v) {
    Hooks h;
    if (auto l = v.get("prestart")) h.prestart = parse_hook_list(*l);
    if (auto l = v.get("createRuntime")) h.create_runtime = parse_hook_list(*l);
    if (auto l = v.get("createContainer")) h.create_container = parse_hook_list(*l);
    if (auto l = v.get("startContainer")) h.start_container = parse_hook_list(*l);
    if (auto l = v.get("poststart")) h.poststart = parse_hook_list(*l);
    if (auto l = v.get("poststop")) h.poststop = parse_hook_list(*l);
    return h;
}

std::vector<IdMapping> parse_id_mappings(const JsonValue& v) {
    std::vector<IdMapping> out;
    for (auto& item : v.items()) {
        IdMapping m;
        m.container_id = as_u32(item.required("containerID"));
        m.host_id = as_u32(item.required("hostID"));
        auto size = item.required("size");
        m.size = as_u32(size);
        if (m.size == 0) size.fail("must be at least 1");
        out.push_back(m);
    }
    return out;
}

bool maps_root(const std::vector<IdMapping>& mappings) {
    for (auto& m : mappings)
        if (m.container_id == 0) return true;
    return false;
}

// runc's rules: a new user namespace has mappings that give the container a
// root (runac becomes it to build the container), and mappings or offsets
// are only given for a namespace the container creates.
void check_user_and_time(const Linux& l) {
    const Namespace* user = l.find_namespace(NamespaceType::User);
    bool mapped = !l.uid_mappings.empty() || !l.gid_mappings.empty();
    if (!user && mapped) throw Error("linux.uidMappings: mappings need a user namespace in linux.namespaces");
    if (user && user->path.empty()) {
        if (!maps_root(l.uid_mappings)) throw Error("linux.uidMappings: a new user namespace needs uid 0 mapped");
        if (!maps_root(l.gid_mappings)) throw Error("linux.gidMappings: a new user namespace needs gid 0 mapped");
    }
    const Namespace* time = l.find_namespace(NamespaceType::Time);
    bool offsets = l.monotonic_offset || l.boottime_offset;
    if (offsets && (!time || !time->path.empty()))
        throw Error("linux.timeOffsets: offsets need a new time namespace in linux.namespaces");
}

void parse_linux(const JsonValue& l, Linux& out) {
    if (auto ns = l.get("namespaces")) {
        for (auto& item : ns->items()) {
            auto type = item.required("type");
            std::string t = type.as_string();
            Namespace n{};
            bool known = false;
            for (auto& [name, nt] : kNamespaces)
                if (t == name) known = true, n.type = nt;
            if (!known) type.fail("unknown namespace type \"" + t + "\"");
            if (out.has_namespace(n.type)) type.fail("namespace \"" + t + "\" given twice");
            if (auto p = item.get("path")) {
                n.path = p->as_string();
                if (!n.path.empty() && n.path[0] != '/') p->fail("must be an absolute path");
            }
            out.namespaces.push_back(n);
        }
    }
    if (auto v = l.get("uidMappings")) out.uid_mappings = parse_id_mappings(*v);
    if (auto v = l.get("gidMappings")) out.gid_mappings = parse_id_mappings(*v);
    if (auto t = l.get("timeOffsets")) {
        t->for_each([&](const std::string& clock, const JsonValue& v) {
            TimeOffset o;
            if (auto s = v.get("secs")) o.secs = s->as_int();
            if (auto n = v.get("nanosecs")) {
                o.nanosecs = as_u32(*n);
                if (o.nanosecs >= 1000000000) n->fail("must be below 1000000000");
            }
            if (clock == "monotonic")
                out.monotonic_offset = o;
            else if (clock == "boottime")
                out.boottime_offset = o;
            else
                v.fail("unknown clock \"" + clock + "\" (monotonic or boottime)");
        });
    }
    if (auto devs = l.get("devices")) {
        for (auto& item : devs->items()) {
            Device d;
            auto path = item.required("path");
            d.path = path.as_string();
            if (d.path.empty() || d.path[0] != '/') path.fail("must be an absolute path");
            auto type = item.required("type");
            std::string t = type.as_string();
            if (t != "c" && t != "b" && t != "u" && t != "p") type.fail("must be one of c, b, u, p");
            d.type = t[0];
            if (d.type != 'p') {
                auto major = item.get("major"), minor = item.get("minor");
                if (!major || !minor) item.fail("major and minor must be set for a " + t + " device");
                d.major = major->as_int();
                d.minor = minor->as_int();
            }
            if (auto v = item.get("fileMode")) d.file_mode = as_u32(*v);
            if (auto v = item.get("uid")) d.uid = as_u32(*v);
            if (auto v = item.get("gid")) d.gid = as_u32(*v);
            out.devices.push_back(d);
        }
    }
    if (auto res = l.get("resources")) out.resources = parse_resources(*res);
    if (auto v = l.get("cgroupsPath")) out.cgroups_path = v->as_string();
    if (auto v = l.get("rootfsPropagation")) {
        out.rootfs_propagation = v->as_string();
        static const char* const ok[] = {"", "shared", "slave", "private", "unbindable",
                                         "rshared", "rslave", "rprivate", "runbindable"};
        bool known = false;
        for (auto* o : ok) known = known || out.rootfs_propagation == o;
        if (!known) v->fail("unknown propagation \"" + out.rootfs_propagation + "\"");
    }
    if (auto v = l.get("maskedPaths")) out.masked_paths = v->string_list();
    if (auto v = l.get("readonlyPaths")) out.readonly_paths = v->string_list();
    if (auto v = l.get("sysctl"))
        v->for_each([&](const std::string& k, const JsonValue& val) { out.sysctl[k] = val.as_string(); });
    if (auto v = l.get("seccomp")) out.seccomp = parse_seccomp(*v);
    if (auto v = l.get("personality")) {
        unsigned long persona = lookup(v->required("domain"), kPersonaDomains, "personality domain");
        if (auto f = v->get("flags"))
            for (auto& item : f->items()) persona |= lookup(item, kPersonaFlags, "personality flag");
        out.personality = persona;
    }
    if (auto v = l.get("mountLabel")) (void)v->as_string();  // SELinux: no effect without SELinux
}

// A sysctl is only the container's to set when it belongs to a namespace
// the container has; anything else would change the host.
void check_sysctls(const Config& c) {
    for (auto& [key, value] : c.linux.sysctl) {
        auto needed = sysctl_namespace(key);
        if (!needed || !c.linux.has_namespace(*needed))
            throw Error("linux.sysctl." + key + ": not in a separate kernel namespace of the container");
    }
}

}  // namespace

std::optional<NamespaceType> sysctl_namespace(const std::string& key) {
    static const char* const ipc_keys[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                                           "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};
    if (starts_with(key, "fs.mqueue.") || std::find(std::begin(ipc_keys), std::end(ipc_keys), key) != std::end(ipc_keys))
        return NamespaceType::Ipc;
    if (starts_with(key, "net.")) return NamespaceType::Network;
    if (key == "kernel.hostname" || key == "kernel.domainname") return NamespaceType::Uts;
    return std::nullopt;
}

bool Seccomp::notifies() const {
    if (default_action == "SCMP_ACT_NOTIFY") return true;
    for (auto& r : syscalls)
        if (r.action == "SCMP_ACT_NOTIFY") return true;
    return false;
}

bool Linux::has_namespace(NamespaceType t) const { return find_namespace(t) != nullptr; }

const Namespace* Linux::find_namespace(NamespaceType t) const {
    for (auto& n : namespaces)
        if (n.type == t) return &n;
    return nullptr;
}

const char* namespace_name(NamespaceType t) {
    for (auto& [name, nt] : kNamespaces)
        if (nt == t) return name;
    return "?";
}

Config parse_config(const std::string& json, const std::string& bundle) {
    // runc reads config.json with Go's decoder: keys match in any case.
    JsonDocument doc = JsonDocument::parse(json, "config.json", KeyMatch::AnyCase);
    JsonValue root = doc.root();
    if (!root.is_object()) root.fail("config.json must hold a JSON object");
    Config c;
    auto version = root.required("ociVersion");
    c.oci_version = version.as_string();
    auto r = root.required("root");
    auto path = r.required("path");
    std::string p = path.as_string();
    if (p.empty()) path.fail("must not be empty");
    c.root_path = absolute_path(p, bundle);
    if (auto v = r.get("readonly")) c.root_readonly = v->as_bool();
    c.process = parse_process(root.required("process"));
    if (auto v = root.get("hostname")) c.hostname = v->as_string();
    if (auto v = root.get("domainname")) c.domainname = v->as_string();
    if (auto ms = root.get("mounts")) {
        for (auto& item : ms->items()) {
            Mount m;
            auto dest = item.required("destination");
            m.destination = dest.as_string();
            if (m.destination.empty() || m.destination[0] != '/')
                dest.fail("must be an absolute path");
            if (auto v = item.get("type")) m.type = v->as_string();
            if (auto v = item.get("source")) m.source = v->as_string();
            if (auto v = item.get("options")) m.options = v->string_list();
            if (auto v = item.get("uidMappings")) m.uid_mappings = parse_id_mappings(*v);
            if (auto v = item.get("gidMappings")) m.gid_mappings = parse_id_mappings(*v);
            if (m.uid_mappings.empty() != m.gid_mappings.empty())
                item.fail("an idmapped mount needs both uidMappings and gidMappings");
            c.mounts.push_back(m);
        }
    }
    if (auto a = root.get("annotations"))
        a->for_each([&](const std::string& k, const JsonValue& v) { c.annotations[k] = v.as_string(); });
    if (auto h = root.get("hooks")) c.hooks = parse_hooks(*h);
    if (auto l = root.get("linux")) parse_linux(*l, c.linux);
    if ((!c.hostname.empty() || !c.domainname.empty()) && !c.linux.has_namespace(NamespaceType::Uts))
        throw Error("hostname: setting it needs a new uts namespace");
    check_sysctls(c);
    check_user_and_time(c.linux);
    refuse_unsupported(root);
    return c;
}

std::vector<std::string> seccomp_action_names() { return names_of(kSeccompActions); }
std::vector<std::string> seccomp_operator_names() { return names_of(kSeccompOps); }
std::vector<std::string> seccomp_flag_names() { return names_of(kSeccompFlags); }

std::vector<std::string> namespace_names() {
    std::vector<std::string> out;
    for (auto& [name, type] : kNamespaces)
        out.push_back(name);
    return out;
}

Process parse_process_json(const std::string& json, const std::string& origin) {
    JsonDocument doc = JsonDocument::parse(json, origin, KeyMatch::AnyCase);
    JsonValue root = doc.root();
    if (!root.is_object()) root.fail(origin + " must hold a JSON process object");
    for (const char* field : {"selinuxLabel", "execCPUAffinity"})
        if (present(root, field)) throw Error(std::string(field) + ": not supported by this version of runac");
    return parse_process(root);
}

Config load_config(const std::string& bundle) {
    auto text = read_file_if_exists(bundle + "/config.json");
    if (!text) throw Error("config.json: no such file in bundle " + bundle);
    return parse_config(*text, bundle);
}

}  // namespace runac::oci
