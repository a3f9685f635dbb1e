#include "linux/seccomp.hpp"

#include <cerrno>
#include <cstring>
#include <map>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <memory>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/fd.hpp"
#include "common/files.hpp"
#include "common/json.hpp"
#include "common/log.hpp"
#include "linux/inroot.hpp"
#include "linux/seccomp_enosys.hpp"
#include "version.hpp"
#include "linux/sync.hpp"

namespace runac::linux {

namespace {

uint32_t action_of(const std::string& name, std::optional<uint32_t> errno_ret) {
    // runc's defaults: ERRNO and TRACE answer EPERM unless told otherwise.
    uint32_t ret = errno_ret.value_or(EPERM);
    if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
    if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
    if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
    if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(ret);
    if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(ret);
    if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
    if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
    if (name == "SCMP_ACT_NOTIFY") return SCMP_ACT_NOTIFY;
    throw Error("linux.seccomp: unknown action \"" + name + "\"");
}

scmp_compare op_of(const std::string& name) {
    static const std::map<std::string, scmp_compare> ops = {
        {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
        {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
        {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
    return ops.at(name);
}

// The flags runac can pass to seccomp(2), by name.
const std::pair<const char*, unsigned> kFlags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
};

void check(int rc, const std::string& what) {
    if (rc < 0) throw_errno("linux.seccomp: " + what, -rc);
}

// libseccomp's rule database for the profile, compiled to BPF. Load-time
// settings (flags, no_new_privs) are not part of the program: load() applies
// the flags, and never sets no_new_privs (process.noNewPrivileges decides).
std::string compile(const oci::Seccomp& config) {
    uint32_t default_action = action_of(config.default_action, config.default_errno_ret);
    scmp_filter_ctx ctx = seccomp_init(default_action);
    if (!ctx) throw Error("linux.seccomp: cannot initialise the filter");
    std::unique_ptr<void, void (*)(void*)> owner(ctx, [](void* c) { seccomp_release(c); });
    for (auto& arch : config.architectures) {
        uint32_t token = seccomp_arch_token(arch);
        if (token == 0) throw Error("linux.seccomp.architectures: \"" + arch + "\" is unknown to libseccomp");
        int rc = seccomp_arch_add(ctx, token);
        if (rc != -EEXIST) check(rc, "add architecture " + arch);
    }
    for (size_t i = 0; i < config.syscalls.size(); i++) {
        const auto& rule = config.syscalls[i];
        uint32_t action = action_of(rule.action, rule.errno_ret);
        if (action == default_action) continue;  // the kernel would do it anyway
        std::vector<scmp_arg_cmp> conds;
        bool repeated_index = false;
        for (auto& a : rule.args) {
            for (auto& c : conds) repeated_index = repeated_index || c.arg == a.index;
            conds.push_back({a.index, op_of(a.op), a.value, a.value_two});
        }
        for (auto& name : rule.names) {
            int nr = seccomp_syscall_resolve_name(name.c_str());
            if (nr == __NR_SCMP_ERROR) continue;  // unknown to this kernel/arch: as runc, skip it
            std::string what = "syscalls[" + std::to_string(i) + "] " + name;
            // libseccomp ANDs a rule's conditions and allows one per argument;
            // several on the same argument mean "any of them" (runc's reading).
            if (repeated_index) {
                for (auto& c : conds) check(seccomp_rule_add_array(ctx, action, nr, 1, &c), what);
            } else {
                check(seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(conds.size()), conds.data()), what);
            }
        }
    }
    UniqueFd mem(static_cast<int>(::syscall(SYS_memfd_create, "seccomp", MFD_CLOEXEC)));
    if (!mem) throw_errno("linux.seccomp: memfd_create");
    check(seccomp_export_bpf(ctx, mem.get()), "compile the filter");
    return enosys_stub(config) + read_file(fd_path(mem.get()));
}

std::string cache_key(const oci::Seccomp& c) {
    // Every field that shapes the program, in a fixed order.
    JsonWriter w;
    w.begin_array().value(RUNAC_VERSION).value("enosys-stub");
    const struct scmp_version* v = seccomp_version();
    w.value(static_cast<int64_t>(v->major)).value(static_cast<int64_t>(v->minor)).value(static_cast<int64_t>(v->micro));
    w.value(c.default_action).value(static_cast<int64_t>(c.default_errno_ret.value_or(UINT32_MAX)));
    w.strings(c.architectures).strings(c.flags);
    for (auto& r : c.syscalls) {
        w.begin_array().strings(r.names).value(r.action).value(static_cast<int64_t>(r.errno_ret.value_or(UINT32_MAX)));
        for (auto& a : r.args)
            w.value(static_cast<int64_t>(a.index)).value_uint(a.value).value_uint(a.value_two).value(a.op);
        w.end_array();
    }
    w.end_array();
    return sha256_hex(w.str());
}

}  // namespace

// "SCMP_ARCH_X86_64" -> libseccomp's token; 0 when it does not know it.
uint32_t seccomp_arch_token(const std::string& arch) {
    std::string name = arch.substr(std::strlen("SCMP_ARCH_"));
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return seccomp_arch_resolve_name(name.c_str());
}

SeccompFilter::SeccompFilter(const oci::Seccomp& config, const std::string& cache_dir) {
    for (auto& flag : config.flags) {
        unsigned bit = 0;
        for (auto& [name, value] : kFlags)
            if (flag == name) bit = value;
        if (!bit) throw Error("linux.seccomp.flags: " + flag + " is not supported by this version of runac");
        // TSYNC cannot go with a listener; the init has a single thread anyway.
        if (bit == SECCOMP_FILTER_FLAG_TSYNC && config.notifies()) bit = 0;
        flags_ |= bit;
    }
    if (config.notifies()) flags_ |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    std::string cached = cache_dir.empty() ? "" : cache_dir + "/" + cache_key(config) + ".bpf";
    if (!cached.empty()) {
        auto program = read_file_if_exists(cached);
        if (program && !program->empty() && program->size() % sizeof(struct sock_filter) == 0) {
            program_ = std::move(*program);
            from_cache_ = true;
            return;
        }
    }
    program_ = compile(config);
    if (cached.empty()) return;
    try {
        // Root-only: a writable cache would let anyone swap a container's filter.
        make_dirs(cache_dir, 0700, "seccomp cache");
        write_file_atomic(cached, program_, 0600);
    } catch (const Error& e) {
        log::debug(std::string("seccomp cache: ") + e.what());
    }
}

int SeccompFilter::load() const {
    struct sock_fprog prog;
    prog.len = static_cast<unsigned short>(program_.size() / sizeof(struct sock_filter));
    prog.filter = reinterpret_cast<struct sock_filter*>(const_cast<char*>(program_.data()));
    long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags_, &prog);
    if (rc < 0) throw_errno("linux.seccomp: load the filter");
    return (flags_ & SECCOMP_FILTER_FLAG_NEW_LISTENER) ? static_cast<int>(rc) : -1;
}

std::vector<std::string> seccomp_supported_flags() {
    std::vector<std::string> out;
    // The kernel checks the flags before it reads the program: EFAULT for a
    // null program means the flag is known, EINVAL that it is not. Nothing
    // is installed either way.
    for (auto& [name, value] : kFlags)
        if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, value, nullptr) < 0 && errno == EFAULT)
            out.push_back(name);
    return out;
}

std::vector<std::string> seccomp_architectures() {
    static const char* const candidates[] = {
        "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",    "SCMP_ARCH_X32",      "SCMP_ARCH_ARM",
        "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",      "SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",
        "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64",  "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
        "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",   "SCMP_ARCH_S390",     "SCMP_ARCH_S390X",
        "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64",  "SCMP_ARCH_RISCV64"};
    // Only those libseccomp can put into one filter with the native one
    // (a big-endian architecture cannot join a little-endian filter).
    std::vector<std::string> out;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) return out;
    for (const char* arch : candidates) {
        uint32_t token = seccomp_arch_token(arch);
        int rc = token ? seccomp_arch_add(ctx, token) : -EINVAL;
        if (rc == 0 || rc == -EEXIST) out.push_back(arch);
    }
    seccomp_release(ctx);
    return out;
}

void send_to_seccomp_listener(const oci::Seccomp& config, int notify_fd, pid_t pid, const oci::State& state) {
    UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock) throw_errno("linux.seccomp.listenerPath: socket");
    struct sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    if (config.listener_path.size() >= sizeof addr.sun_path) throw Error("linux.seccomp.listenerPath: path too long");
    std::memcpy(addr.sun_path, config.listener_path.c_str(), config.listener_path.size());
    if (::connect(sock.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0)
        throw_errno("linux.seccomp.listenerPath: failed to connect with seccomp agent: connect " + config.listener_path);
    // runtime-spec's containerProcessState.
    JsonWriter w;
    w.begin_object();
    w.key("ociVersion").value(RUNAC_SPEC_VERSION);
    w.key("fds").strings({"seccompFd"});
    w.key("pid").value(static_cast<int64_t>(pid));
    w.key("metadata").value(config.listener_metadata);
    w.key("state");
    oci::write_state(w, state);
    w.end_object();
    send_with_fd(sock.get(), w.str(), notify_fd);
}

}  // namespace runac::linux
