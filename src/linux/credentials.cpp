#include "linux/credentials.hpp"

#include <algorithm>
#include <cerrno>
#include <grp.h>
#include <sys/apparmor.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/files.hpp"

namespace runac::linux {

void apply_limits_to(pid_t pid, const oci::Process& process) {
    if (process.oom_score_adj)
        write_file("/proc/" + std::to_string(pid) + "/oom_score_adj", std::to_string(*process.oom_score_adj));
    for (auto& r : process.rlimits) {
        struct rlimit lim = {static_cast<rlim_t>(r.soft), static_cast<rlim_t>(r.hard)};
        if (::prlimit(pid, static_cast<__rlimit_resource>(r.resource), &lim, nullptr) != 0) {
            if (errno == EPERM)
                throw Error("process.rlimits: setting " + r.type +
                            " above the current hard limit needs CAP_SYS_RESOURCE, which runac does not hold here");
            throw_errno("process.rlimits: setrlimit " + r.type);
        }
    }
}

void apply_scheduling(const oci::Process& process) {
    if (process.scheduler) {
        const auto& s = *process.scheduler;
        struct {
            uint32_t size, policy;
            uint64_t flags;
            int32_t nice;
            uint32_t priority;
            uint64_t runtime, deadline, period;
        } attr = {48, s.policy, s.flags, s.nice, s.priority, s.runtime, s.deadline, s.period};
        if (::syscall(SYS_sched_setattr, 0, &attr, 0) != 0) throw_errno("process.scheduler: sched_setattr");
    }
    if (process.io_priority && ::syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, *process.io_priority) != 0)
        throw_errno("process.ioPriority: ioprio_set");
}

void apply_personality(const oci::Linux& linux) {
    if (linux.personality && ::personality(*linux.personality) < 0) throw_errno("linux.personality");
}

bool apparmor_enabled() {
    static const bool enabled = [] {
        auto v = read_file_if_exists("/sys/module/apparmor/parameters/enabled");
        return v && trim(*v) == "Y";
    }();
    return enabled;
}

void apply_apparmor_profile(const oci::Process& process) {
    if (process.apparmor_profile.empty() || !apparmor_enabled()) return;
    if (::aa_change_onexec(process.apparmor_profile.c_str()) != 0)
        throw_errno("process.apparmorProfile: change to profile \"" + process.apparmor_profile + "\" at exec");
}

namespace {
bool has(const std::vector<int>& set, int cap) { return std::find(set.begin(), set.end(), cap) != set.end(); }

// As runc: stdin, stdout and stderr (a terminal above all) become the
// user's before the switch, so that a non-root process can use its own
// terminal. Only the owner changes (devpts' gid= stays); /dev/null is left
// alone, and so is a file whose owner this namespace cannot see (EPERM) or
// on a read-only mount (EROFS).
void give_stdio_to(uid_t uid) {
    for (int fd = 0; fd <= 2; fd++) {
        struct stat st;
        if (::fstat(fd, &st) != 0) continue;
        if (st.st_uid == uid || (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))) continue;
        if (::fchown(fd, uid, static_cast<gid_t>(-1)) != 0 && errno != EPERM && errno != EROFS)
            throw_errno("chown stdio fd " + std::to_string(fd) + " to the process's user");
    }
}
}  // namespace

void apply_user_and_capabilities(const oci::Process& process) {
    oci::Capabilities caps = process.capabilities.value_or(oci::Capabilities{});
    int last = static_cast<int>(cap_max_bits());
    // The bounding set caps every later exec: drop what the config does not list.
    for (int cap = 0; cap < last; cap++)
        if (!has(caps.bounding, cap) && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
            throw_errno("drop capability " + std::to_string(cap) + " from the bounding set");

    // Keep the permitted set across setuid so the config's sets can be applied after it.
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) throw_errno("prctl(PR_SET_KEEPCAPS)");
    const auto& user = process.user;
    give_stdio_to(user.uid);
    std::vector<gid_t> groups(user.additional_gids.begin(), user.additional_gids.end());
    if (::setgroups(groups.size(), groups.data()) != 0) throw_errno("setgroups");
    if (::setresgid(user.gid, user.gid, user.gid) != 0) throw_errno("setgid " + std::to_string(user.gid));
    if (::setresuid(user.uid, user.uid, user.uid) != 0) throw_errno("setuid " + std::to_string(user.uid));
    if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) throw_errno("prctl(PR_SET_KEEPCAPS)");

    cap_t state = cap_init();
    if (!state) throw_errno("cap_init");
    auto set_flag = [&](cap_flag_t flag, const std::vector<int>& list) {
        std::vector<cap_value_t> values(list.begin(), list.end());
        std::erase_if(values, [&](cap_value_t v) { return v >= last; });  // unknown to this kernel
        if (!values.empty() && cap_set_flag(state, flag, static_cast<int>(values.size()), values.data(), CAP_SET) != 0)
            throw_errno("cap_set_flag");
    };
    set_flag(CAP_EFFECTIVE, caps.effective);
    set_flag(CAP_PERMITTED, caps.permitted);
    set_flag(CAP_INHERITABLE, caps.inheritable);
    int rc = cap_set_proc(state);
    int err = errno;
    cap_free(state);
    if (rc != 0) throw_errno("process.capabilities: set capabilities", err);

    // The kernel only raises an ambient capability that is both permitted and
    // inheritable; like runc, others are skipped rather than failing.
    for (int cap : caps.ambient)
        if (cap < last) ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
}

void apply_no_new_privileges(const oci::Process& process) {
    if (process.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        throw_errno("prctl(PR_SET_NO_NEW_PRIVS)");
}

}  // namespace runac::linux
