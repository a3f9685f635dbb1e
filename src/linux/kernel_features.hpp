// What this kernel offers the agent policy's layers, found by using each
// feature (loading a program, asking for an ABI), never by reading a list:
// the LSM list names "bpf" on kernels that still refuse BPF LSM programs.
// Plain data, shared by create's admission, `policy explain` and
// `runac features`.
#pragma once
#include <string>

namespace runac::linux {

struct KernelFeature {
    bool available = false;
    std::string detail;  // what was found ("ABI 6"), or why it is missing
};

struct KernelFeatures {
    std::string release;  // uname -r
    KernelFeature landlock;
    int landlock_abi = 0;
    KernelFeature seccomp;
    KernelFeature seccomp_notify;  // SECCOMP_RET_USER_NOTIF
    KernelFeature cgroup2;         // detail: where it is mounted
    KernelFeature cgroup_bpf;      // a cgroup/connect4 program loads
    KernelFeature bpf_lsm;         // an lsm/file_open program attaches, an lsm_cgroup one loads
    KernelFeature apparmor;
    KernelFeature memfd_noexec;  // the vm.memfd_noexec sysctl exists (Linux >= 6.3)
    // The kernel's audit is enabled, so Landlock's and seccomp's refusals
    // reach its records (linux/kernel_audit.hpp). Not a layer: a source of
    // the audit log, asked anew by each process (the host may switch it).
    KernelFeature kernel_audit;
};

// Probes once per process (the BPF answers once per boot, cached by
// root); nothing it loads outlives the call.
const KernelFeatures& kernel_features();

}  // namespace runac::linux
