#include "enforce/landlock.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "enforce/coverage.hpp"

namespace runac::enforce {

namespace {

struct RulesetAttr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;  // ABI 4
    uint64_t scoped;              // ABI 6
};

struct __attribute__((packed)) PathBeneathAttr {
    uint64_t allowed_access;
    int32_t parent_fd;
};

constexpr int kRulePathBeneath = 1;

}  // namespace

const std::vector<Covers>& landlock_covers() {
    static const std::vector<Covers> covers = {
        {Rule::FilesystemRead, Mechanism::Landlock},
        {Rule::FilesystemWrite, Mechanism::Landlock},
        {Rule::FilesystemDeny, Mechanism::Landlock},
    };
    return covers;
}

uint64_t fs_rights_of_abi(int abi) {
    if (abi <= 0) return 0;
    uint64_t rights = (fs::kMakeSym << 1) - 1;  // ABI 1: EXECUTE .. MAKE_SYM
    if (abi >= 2) rights |= fs::kRefer;
    if (abi >= 3) rights |= fs::kTruncate;
    if (abi >= 5) rights |= fs::kIoctlDev;
    return rights;
}

void apply_landlock(const Landlock& plan) {
    if (plan.abi <= 0) return;
    RulesetAttr attr = {plan.handled_fs, 0, plan.scoped};
    size_t size = plan.abi >= 6 ? sizeof attr : plan.abi >= 4 ? 2 * sizeof(uint64_t) : sizeof(uint64_t);
    UniqueFd ruleset(static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attr, size, 0)));
    if (!ruleset) throw_errno("agent policy: landlock: create the ruleset");
    for (auto& rule : plan.rules) {
        UniqueFd path(::open(rule.path.c_str(), O_PATH | O_CLOEXEC));
        if (!path && (errno == ENOENT || errno == ENOTDIR)) continue;  // nothing there to grant
        if (!path) throw_errno("agent policy: landlock: open " + rule.path);
        struct stat st;
        if (::fstat(path.get(), &st) != 0) throw_errno("agent policy: landlock: stat " + rule.path);
        PathBeneathAttr beneath = {rule.access & plan.handled_fs, path.get()};
        if (!S_ISDIR(st.st_mode)) beneath.allowed_access &= fs::kOnFiles;
        if (beneath.allowed_access == 0) continue;
        if (::syscall(SYS_landlock_add_rule, ruleset.get(), kRulePathBeneath, &beneath, 0) != 0)
            throw_errno("agent policy: landlock: a rule for " + rule.path);
    }
    if (::syscall(SYS_landlock_restrict_self, ruleset.get(), plan.restrict_flags) != 0)
        throw_errno("agent policy: landlock: restrict the container's processes");
}

}  // namespace runac::enforce
