// The cgroup v2 device filter: cgroup v2 has no devices.allow; the kernel
// asks a BPF_PROG_TYPE_CGROUP_DEVICE program instead. The program is a
// hand-assembled instruction array (as runc and crun build theirs), so no
// compiler is needed at build time: the rules are checked last to first and
// the first that matches decides, which is cgroup v1's "later rules
// override earlier ones"; nothing matching means deny.
#include <bpf/bpf.h>
#include <cerrno>
#include <fcntl.h>
#include <linux/bpf.h>
#include <vector>

#include "cgroups/device_rules.hpp"
#include "common/error.hpp"
#include "common/fd.hpp"

namespace runac::cgroups {

namespace {

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}
bpf_insn load_u32(uint8_t dst, uint8_t src, int16_t off) { return insn(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0); }
bpf_insn alu32_imm(uint8_t op, uint8_t dst, int32_t imm) { return insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm); }
bpf_insn mov32_reg(uint8_t dst, uint8_t src) { return insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0); }
bpf_insn jump_imm(uint8_t op, uint8_t dst, int32_t imm, int16_t off) { return insn(BPF_JMP | op | BPF_K, dst, 0, off, imm); }
bpf_insn return_value(int32_t v) { return insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, v); }
bpf_insn exit_insn() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

int32_t access_bits(const std::string& access) {
    int32_t bits = 0;
    for (char c : access) bits |= c == 'r' ? BPF_DEVCG_ACC_READ : c == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
    return bits;
}

// Registers once the context is read: r2 device type, r3 access wanted,
// r4 major, r5 minor; r1 is scratch.
std::vector<bpf_insn> program(const std::vector<oci::DeviceRule>& rules) {
    std::vector<bpf_insn> p = {
        load_u32(BPF_REG_2, BPF_REG_1, offsetof(bpf_cgroup_dev_ctx, access_type)),
        alu32_imm(BPF_AND, BPF_REG_2, 0xffff),
        load_u32(BPF_REG_3, BPF_REG_1, offsetof(bpf_cgroup_dev_ctx, access_type)),
        alu32_imm(BPF_RSH, BPF_REG_3, 16),
        load_u32(BPF_REG_4, BPF_REG_1, offsetof(bpf_cgroup_dev_ctx, major)),
        load_u32(BPF_REG_5, BPF_REG_1, offsetof(bpf_cgroup_dev_ctx, minor)),
    };
    for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
        const auto& r = *it;
        // Each test jumps to the next rule's block on a mismatch: the
        // offset is patched once the block's length is known.
        std::vector<bpf_insn> block;
        std::vector<size_t> to_next;
        if (r.type != "a") {
            to_next.push_back(block.size());
            block.push_back(jump_imm(BPF_JNE, BPF_REG_2, r.type == "b" ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0));
            int32_t bits = access_bits(r.access);
            if (bits != (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)) {
                block.push_back(mov32_reg(BPF_REG_1, BPF_REG_3));
                to_next.push_back(block.size() + 1);
                if (r.allow) {
                    // An allow rule covers a request whose every bit it grants.
                    block.push_back(alu32_imm(BPF_AND, BPF_REG_1, ~bits));
                    block.push_back(jump_imm(BPF_JNE, BPF_REG_1, 0, 0));
                } else {
                    // A deny rule refuses a request that wants any bit it names.
                    block.push_back(alu32_imm(BPF_AND, BPF_REG_1, bits));
                    block.push_back(jump_imm(BPF_JEQ, BPF_REG_1, 0, 0));
                }
            }
            if (r.major && *r.major >= 0) {
                to_next.push_back(block.size());
                block.push_back(jump_imm(BPF_JNE, BPF_REG_4, static_cast<int32_t>(*r.major), 0));
            }
            if (r.minor && *r.minor >= 0) {
                to_next.push_back(block.size());
                block.push_back(jump_imm(BPF_JNE, BPF_REG_5, static_cast<int32_t>(*r.minor), 0));
            }
        }
        block.push_back(return_value(r.allow ? 1 : 0));
        block.push_back(exit_insn());
        for (size_t at : to_next) block[at].off = static_cast<int16_t>(block.size() - at - 1);
        p.insert(p.end(), block.begin(), block.end());
        // "a" matches every device: the rules before it can never decide
        // (and the verifier refuses unreachable instructions).
        if (r.type == "a") return p;
    }
    p.push_back(return_value(0));
    p.push_back(exit_insn());
    return p;
}

}  // namespace

void attach_device_filter(const std::string& cgroup_dir, const std::vector<oci::DeviceRule>& rules) {
    const std::string field = "linux.resources.devices";
    auto insns = program(rules);
    char log[4096] = "";
    LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_level = 0, .log_size = sizeof log, .log_buf = log);
    UniqueFd prog(bpf_prog_load(BPF_PROG_TYPE_CGROUP_DEVICE, "runac_devices", "Apache-2.0", insns.data(),
                                insns.size(), &opts));
    if (!prog) {
        int err = errno;
        // Only a verifier rejection fills the log; ask for it then.
        opts.log_level = 1;
        UniqueFd retry(bpf_prog_load(BPF_PROG_TYPE_CGROUP_DEVICE, "runac_devices", "Apache-2.0", insns.data(),
                                     insns.size(), &opts));
        throw_errno(field + ": load the cgroup v2 device filter" + (log[0] ? std::string(" (") + log + ")" : ""), err);
    }
    UniqueFd dir(::open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) throw_errno(field + ": open " + cgroup_dir);
    // Attached, the program belongs to the cgroup: closing our fd does not
    // detach it, and removing the cgroup at delete frees it. ALLOW_MULTI
    // keeps the filters of the parents (an engine's or the host's) in force.
    if (bpf_prog_attach(prog.get(), dir.get(), BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI) != 0)
        throw_errno(field + ": attach the device filter to " + cgroup_dir);
}

}  // namespace runac::cgroups
