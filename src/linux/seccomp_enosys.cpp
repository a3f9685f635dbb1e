#include "linux/seccomp_enosys.hpp"

#include <cerrno>
#include <algorithm>
#include <cstddef>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <map>
#include <seccomp.h>
#include <vector>

#include "linux/seccomp.hpp"

namespace runac::linux {

namespace {

constexpr uint32_t kX32Bit = 0x40000000;  // __X32_SYSCALL_BIT
constexpr uint32_t kEnosys = SECCOMP_RET_ERRNO | ENOSYS;

bool lets_through(const oci::Seccomp& config) {
    const std::string& a = config.default_action;
    return a == "SCMP_ACT_ALLOW" || a == "SCMP_ACT_LOG" || a == "SCMP_ACT_TRACE" ||
           config.default_errno_ret == static_cast<uint32_t>(ENOSYS);
}

// The highest number the profile names on ARCH (a libseccomp token), or 0.
uint32_t highest_named(const oci::Seccomp& config, uint32_t arch) {
    int highest = 0;
    for (auto& rule : config.syscalls)
        for (auto& name : rule.names)
            highest = std::max(highest, seccomp_syscall_resolve_name_arch(arch, name.c_str()));  // < 0: not there
    return static_cast<uint32_t>(highest);
}

// Instructions with their jumps to "the profile's program" (just past the
// stub) resolved once the stub's length is known.
class Stub {
public:
    void load(uint32_t offset) { code_.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset)); }
    void jump_if(uint16_t op, uint32_t k, uint8_t jt, uint8_t jf) { code_.push_back(BPF_JUMP(BPF_JMP | op | BPF_K, k, jt, jf)); }
    void enosys() { code_.push_back(BPF_STMT(BPF_RET | BPF_K, kEnosys)); }
    void to_profile() {
        to_profile_.push_back(code_.size());
        code_.push_back(BPF_STMT(BPF_JMP | BPF_JA, 0));
    }
    // Above HIGHEST (0: no rule names one here): ENOSYS; else the profile.
    // Returns the instructions it took.
    size_t above(uint32_t highest) {
        if (highest) {
            jump_if(BPF_JGT, highest, 0, 1);
            enosys();
        }
        to_profile();
        return highest ? 3 : 1;
    }
    size_t size() const { return code_.size(); }
    struct sock_filter& at(size_t i) { return code_[i]; }
    std::string bytes() {
        for (size_t i : to_profile_) code_[i].k = static_cast<uint32_t>(code_.size() - i - 1);
        return {reinterpret_cast<const char*>(code_.data()), code_.size() * sizeof(struct sock_filter)};
    }

private:
    std::vector<struct sock_filter> code_;
    std::vector<size_t> to_profile_;
};

}  // namespace

std::string enosys_stub(const oci::Seccomp& config) {
    if (lets_through(config)) return {};
    // Per architecture the kernel reports (x32 is x86_64's with a bit set in
    // the number), the highest named number. The native architecture counts
    // even when the list omits it (an engine's profile may), as in runc.
    std::map<uint32_t, std::map<uint32_t, uint32_t>> highest;  // audit arch -> token -> number
    std::vector<uint32_t> tokens = {seccomp_arch_native()};
    for (auto& name : config.architectures)
        if (uint32_t token = seccomp_arch_token(name)) tokens.push_back(token);
    for (uint32_t token : tokens)
        highest[token == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : token][token] = highest_named(config, token);

    Stub stub;
    for (auto& [audit, numbers] : highest) {
        stub.load(offsetof(struct seccomp_data, arch));
        size_t skip_at = stub.size();
        stub.jump_if(BPF_JEQ, audit, 0, 0);  // jf: past this architecture, set below
        stub.load(offsetof(struct seccomp_data, nr));
        if (audit == AUDIT_ARCH_S390 || audit == AUDIT_ARCH_S390X) {
            // Numbers the kernel does not know arrive as 0 there (setup(2), unused).
            stub.jump_if(BPF_JEQ, 0, 0, 1);
            stub.enosys();
        }
        if (audit == AUDIT_ARCH_X86_64) {
            size_t jset = stub.size();
            stub.jump_if(BPF_JSET, kX32Bit, 0, 0);
            auto x86_64 = numbers.find(SCMP_ARCH_X86_64), x32 = numbers.find(SCMP_ARCH_X32);
            stub.at(jset).jt = static_cast<uint8_t>(stub.above(x86_64 == numbers.end() ? 0 : x86_64->second));
            stub.above(x32 == numbers.end() ? 0 : x32->second);
        } else {
            stub.above(numbers.begin()->second);
        }
        stub.at(skip_at).jf = static_cast<uint8_t>(stub.size() - skip_at - 1);
    }
    return stub.bytes();
}

}  // namespace runac::linux
