#include "linux/kernel_features.hpp"

#include <algorithm>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <cerrno>
#include <cstring>
#include <linux/bpf.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <memory>
#include <sys/apparmor.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/fd.hpp"
#include "common/files.hpp"
#include "linux/kernel_audit.hpp"

namespace runac::linux {

namespace {

std::string error_text(int err) {
    if (err < 0) err = -err;
    const char* desc = strerrordesc_np(err);
    const char* name = strerrorname_np(err);
    return std::string(desc ? desc : "unknown error") + " (" + (name ? name : std::to_string(err)) + ")";
}

KernelFeature found(std::string detail) { return {true, std::move(detail)}; }
KernelFeature missing(std::string why) { return {false, std::move(why)}; }

void probe_landlock(KernelFeatures& f) {
    long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 0) {
        f.landlock = missing(errno == EOPNOTSUPP ? "disabled at boot (not in lsm=)" : error_text(errno));
        return;
    }
    f.landlock_abi = static_cast<int>(abi);
    f.landlock = found("ABI " + std::to_string(abi));
}

void probe_seccomp(KernelFeatures& f) {
    auto action_available = [](uint32_t action) {
        return ::syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
    };
    f.seccomp = action_available(SECCOMP_RET_KILL_PROCESS) ? found("filter mode") : missing(error_text(errno));
    f.seccomp_notify = action_available(SECCOMP_RET_USER_NOTIF) ? found("user notification")
                                                                : missing(error_text(errno));
}

void probe_cgroup2(KernelFeatures& f) {
    auto mounts = read_file_if_exists("/proc/self/mounts").value_or("");
    size_t i = 0;
    while (i < mounts.size()) {
        size_t end = mounts.find('\n', i);
        if (end == std::string::npos) end = mounts.size();
        std::string line = mounts.substr(i, end - i);
        i = end + 1;
        auto a = line.find(' '), b = line.find(' ', a + 1), c = line.find(' ', b + 1);
        if (a == std::string::npos || b == std::string::npos || c == std::string::npos) continue;
        if (line.substr(b + 1, c - b - 1) == "cgroup2") {
            f.cgroup2 = found("mounted at " + line.substr(a + 1, b - a - 1));
            return;
        }
    }
    f.cgroup2 = missing("no cgroup2 file system mounted");
}

// libbpf's own messages would land on runac's stderr, which engines read.
int quiet(enum libbpf_print_level, const char*, va_list) { return 0; }

// r0 = RET; exit
struct TinyProgram {
    bpf_insn insns[2];
    explicit TinyProgram(int ret)
        : insns{{BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, ret}, {BPF_JMP | BPF_EXIT, 0, 0, 0, 0}} {}
};

// Whether the kernel loads a cgroup socket program; cgroup2 mounts are a
// matter of the mount namespace, checked in probe().
void probe_cgroup_bpf(KernelFeatures& f) {
    TinyProgram allow(1);
    LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_CGROUP_INET4_CONNECT);
    UniqueFd prog(bpf_prog_load(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, "runac_probe", "GPL", allow.insns, 2, &opts));
    f.cgroup_bpf = prog ? found("cgroup/connect4 loads") : missing("load refused: " + error_text(errno));
}

struct BtfFree {
    void operator()(btf* b) const { btf__free(b); }
};

// An LSM program that allows everything, attached and detached at once: only
// a successful attach proves the kernel runs BPF LSM programs.
void probe_bpf_lsm(KernelFeatures& f) {
    std::unique_ptr<btf, BtfFree> vmlinux(btf__load_vmlinux_btf());
    if (!vmlinux) {
        f.bpf_lsm = missing("no kernel BTF: " + error_text(errno));
        return;
    }
    int id = btf__find_by_name_kind(vmlinux.get(), "bpf_lsm_file_open", BTF_KIND_FUNC);
    if (id < 0) {
        f.bpf_lsm = missing("kernel built without BPF LSM (no bpf_lsm_file_open)");
        return;
    }
    TinyProgram allow(0);
    LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_LSM_MAC,
                .attach_btf_id = static_cast<__u32>(id));
    UniqueFd prog(bpf_prog_load(BPF_PROG_TYPE_LSM, "runac_probe", "GPL", allow.insns, 2, &opts));
    if (!prog) {
        f.bpf_lsm = missing("load refused: " + error_text(errno));
        return;
    }
    UniqueFd link(bpf_link_create(prog.get(), 0, BPF_LSM_MAC, nullptr));
    if (!link) link.reset(bpf_raw_tracepoint_open(nullptr, prog.get()));
    if (!link) {
        f.bpf_lsm = missing("attach refused: " + error_text(errno));
        return;
    }
    // runac's programs are lsm_cgroup ones (Linux 6.0), which check a
    // container's processes only.
    TinyProgram allow_cgroup(1);
    opts.expected_attach_type = BPF_LSM_CGROUP;
    UniqueFd scoped(bpf_prog_load(BPF_PROG_TYPE_LSM, "runac_probe", "GPL", allow_cgroup.insns, 2, &opts));
    f.bpf_lsm = scoped ? found("lsm/file_open attaches, lsm_cgroup loads")
                       : missing("lsm_cgroup (Linux 6.0) load refused: " + error_text(errno));
}

// The BPF probes cost every create: the LSM one parses the kernel's whole
// BTF (milliseconds), the cgroup one runs the verifier. Their answers cannot
// change before the next boot (the LSM list is a boot parameter; program
// types are the kernel's): root keeps them in runac's cache, keyed by boot id.
constexpr const char* kBpfCache = "/run/runac-cache/bpf-features";

std::string boot_id() { return trim(read_file_if_exists("/proc/sys/kernel/random/boot_id").value_or("")); }

// "BOOT_ID\n" then one "NAME 0|1 DETAIL" line per probe.
bool cached_bpf(KernelFeature& cgroup_bpf, KernelFeature& bpf_lsm) {
    auto text = read_file_if_exists(kBpfCache);
    std::string id = boot_id();
    if (!text || id.empty()) return false;
    auto rows = lines(*text);
    if (rows.empty() || rows[0] != id) return false;
    int seen = 0;
    for (size_t i = 1; i < rows.size(); i++) {
        auto fields = split(rows[i], ' ');
        if (fields.size() < 2) continue;
        KernelFeature value{fields[1] == "1", rows[i].substr(std::min(rows[i].size(), fields[0].size() + 3))};
        if (fields[0] == "cgroup-bpf") cgroup_bpf = value, seen |= 1;
        if (fields[0] == "bpf-lsm") bpf_lsm = value, seen |= 2;
    }
    return seen == 3;
}

void probe_bpf_once_per_boot(KernelFeatures& f) {
    auto previous = libbpf_set_print(quiet);
    struct Restore {
        libbpf_print_fn_t fn;
        ~Restore() { libbpf_set_print(fn); }
    } restore{previous};
    bool root = ::geteuid() == 0;
    if (root && cached_bpf(f.cgroup_bpf, f.bpf_lsm)) return;
    probe_cgroup_bpf(f);
    probe_bpf_lsm(f);
    std::string id = boot_id();
    if (!root || id.empty()) return;
    auto line = [](const char* name, const KernelFeature& v) {
        return std::string(name) + " " + (v.available ? "1" : "0") + " " + v.detail + "\n";
    };
    try {
        make_dirs("/run/runac-cache", 0700, "runac cache");
        write_file_atomic(kBpfCache, id + "\n" + line("cgroup-bpf", f.cgroup_bpf) + line("bpf-lsm", f.bpf_lsm), 0600);
    } catch (const std::exception&) {
        // A cache that cannot be written costs the probes next time, nothing else.
    }
}

void probe_apparmor(KernelFeatures& f) {
    if (aa_is_enabled()) {
        f.apparmor = found("enabled");
        return;
    }
    switch (errno) {
        case ENOSYS: f.apparmor = missing("not in this kernel or not in lsm="); break;
        case ECANCELED: f.apparmor = missing("disabled at boot"); break;
        case ENOENT: f.apparmor = missing("enabled, but securityfs is not mounted"); break;
        default: f.apparmor = missing(error_text(errno));
    }
}

void probe_memfd_noexec(KernelFeatures& f) {
    auto value = read_file_if_exists("/proc/sys/vm/memfd_noexec");
    f.memfd_noexec = value ? found("vm.memfd_noexec = " + trim(*value))
                           : missing("no vm.memfd_noexec sysctl (Linux < 6.3)");
}

void probe_kernel_audit(KernelFeatures& f) {
    int enabled = kernel_audit_enabled();
    f.kernel_audit = enabled > 0    ? found("enabled")
                     : enabled == 0 ? missing("the kernel's audit is off; runac leaves it so (auditctl -e 1 or audit=1 "
                                              "at boot turns it on)")
                                    : missing("the kernel does not say: " + error_text(enabled));
}

KernelFeatures probe() {
    KernelFeatures f;
    struct utsname u{};
    if (::uname(&u) == 0) f.release = u.release;
    probe_landlock(f);
    probe_seccomp(f);
    probe_cgroup2(f);
    probe_bpf_once_per_boot(f);
    if (!f.cgroup2.available) f.cgroup_bpf = missing("needs cgroup2");
    probe_apparmor(f);
    probe_memfd_noexec(f);
    probe_kernel_audit(f);
    // Loading BPF programs needs privileges: say so rather than blame the kernel.
    if (::geteuid() != 0) {
        for (KernelFeature* bpf : {&f.cgroup_bpf, &f.bpf_lsm})
            if (!bpf->available) bpf->detail += "; probed without root";
    }
    return f;
}

}  // namespace

const KernelFeatures& kernel_features() {
    static const KernelFeatures features = probe();
    return features;
}

}  // namespace runac::linux
