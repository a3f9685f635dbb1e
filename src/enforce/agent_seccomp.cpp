#include "enforce/agent_seccomp.hpp"

#include <cerrno>

#include "enforce/coverage.hpp"

namespace runac::enforce {

namespace {

// What an agent never needs and an escape usually does. EPERM, as the
// kernel answers an unprivileged caller, so that programs take their
// ordinary fallback paths.
const char* const kRefused[] = {
    // other processes' memory and descriptors
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd",
    // kernel attack surface an agent has no use for
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "keyctl", "add_key", "request_key", "open_by_handle_at",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    // the filesystem view: no new mounts, no way out of the container's
    "mount", "umount2", "pivot_root", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
    "mount_setattr", "setns",
};

constexpr uint64_t kCloneNewFlags[] = {
    0x00020000,  // CLONE_NEWNS
    0x02000000,  // CLONE_NEWCGROUP
    0x04000000,  // CLONE_NEWUTS
    0x08000000,  // CLONE_NEWIPC
    0x10000000,  // CLONE_NEWUSER
    0x20000000,  // CLONE_NEWPID
    0x40000000,  // CLONE_NEWNET
};
constexpr uint64_t kCloneNewTime = 0x00000080;  // unshare only: clone(2) keeps its exit signal there

// personality(2) flags that weaken the process (READ_IMPLIES_EXEC makes
// every readable mapping executable; ADDR_NO_RANDOMIZE turns ASLR off...).
constexpr uint64_t kPersonalityFlags[] = {
    0x0040000,  // ADDR_NO_RANDOMIZE
    0x0080000,  // FDPIC_FUNCPTRS
    0x0100000,  // MMAP_PAGE_ZERO
    0x0200000,  // ADDR_COMPAT_LAYOUT
    0x0400000,  // READ_IMPLIES_EXEC
    0x0800000,  // ADDR_LIMIT_32BIT
    0x8000000,  // ADDR_LIMIT_3GB
};

oci::SeccompRule refuse(std::vector<std::string> names, int err = EPERM) {
    oci::SeccompRule r;
    r.names = std::move(names);
    r.action = "SCMP_ACT_ERRNO";
    r.errno_ret = static_cast<uint32_t>(err);
    return r;
}

// One rule, any of whose flags on argument `index` refuses the call
// (several conditions on one argument mean "any of them").
oci::SeccompRule refuse_flags(const std::string& name, std::vector<uint64_t> flags) {
    oci::SeccompRule r = refuse({name});
    for (uint64_t f : flags) r.args.push_back({0, f, f, "SCMP_CMP_MASKED_EQ"});
    return r;
}

oci::SeccompRule refuse_socket(uint64_t family, std::optional<uint64_t> type) {
    oci::SeccompRule r = refuse({"socket"});
    r.args.push_back({0, family, 0, "SCMP_CMP_EQ"});
    if (type) r.args.push_back({1, 0xf, *type, "SCMP_CMP_MASKED_EQ"});  // the low bits: SOCK_NONBLOCK and CLOEXEC aside
    return r;
}

}  // namespace

const std::vector<Covers>& agent_seccomp_covers() {
    static const std::vector<Covers> covers = {
        {Rule::Baseline, Mechanism::Seccomp},
        {Rule::MemfdExec, Mechanism::Seccomp},
    };
    return covers;
}

std::vector<oci::Seccomp> agent_seccomp(bool refuse_memfd) {
    oci::Seccomp s;
    s.default_action = "SCMP_ACT_ALLOW";
    // Its refusals reach the kernel's audit, when the host has it on (the
    // monitor puts them in the container's audit log).
    s.flags.push_back("SECCOMP_FILTER_FLAG_LOG");
    // No architectures listed: only the native one passes, a syscall of
    // another (i386, x32) kills the process.
    s.syscalls.push_back(refuse({std::begin(kRefused), std::end(kRefused)}));
    s.syscalls.push_back(refuse_flags("clone", {std::begin(kCloneNewFlags), std::end(kCloneNewFlags)}));
    std::vector<uint64_t> unshare_flags(std::begin(kCloneNewFlags), std::end(kCloneNewFlags));
    unshare_flags.push_back(kCloneNewTime);
    s.syscalls.push_back(refuse_flags("unshare", unshare_flags));
    s.syscalls.push_back(refuse_flags("personality", {std::begin(kPersonalityFlags), std::end(kPersonalityFlags)}));
    // Packet and raw sockets see and forge any traffic. AF_NETLINK stays:
    // glibc's getaddrinfo asks it for the host's addresses.
    s.syscalls.push_back(refuse_socket(17 /* AF_PACKET */, std::nullopt));
    s.syscalls.push_back(refuse_socket(2 /* AF_INET */, 3 /* SOCK_RAW */));
    s.syscalls.push_back(refuse_socket(10 /* AF_INET6 */, 3 /* SOCK_RAW */));
    if (refuse_memfd) s.syscalls.push_back(refuse({"memfd_create"}));
    oci::Seccomp answers;
    answers.default_action = "SCMP_ACT_ALLOW";
    // clone3 hides its flags in memory a filter cannot read: ENOSYS makes
    // the C library fall back to clone(2), whose flags it can.
    answers.syscalls.push_back(refuse({"clone3"}, ENOSYS));
    return {s, answers};
}

}  // namespace runac::enforce
