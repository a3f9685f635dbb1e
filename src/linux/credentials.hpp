// The process half of the container: limits, identity and privileges, in
// the order the kernel needs them.
#pragma once
#include <sys/types.h>
#include "oci/config.hpp"

namespace runac::linux {

// rlimits and oomScoreAdj, set on PID by runac's parent before the process
// takes a step (as runc): in a user namespace it could no longer raise a
// hard limit or lower its OOM score.
void apply_limits_to(pid_t pid, const oci::Process& process);
// Scheduling policy (sched_setattr) and I/O priority (ioprio_set), while
// runac still holds CAP_SYS_NICE for the real-time ones.
void apply_scheduling(const oci::Process& process);
void apply_personality(const oci::Linux& linux);
// Whether the host runs AppArmor. Read once, in runac before it clones
// (inside the container /sys may be masked or absent).
bool apparmor_enabled();
// process.apparmorProfile: the profile the program is confined by from its
// execve on (aa_change_onexec). Ignored on a host without AppArmor, as runc.
void apply_apparmor_profile(const oci::Process& process);
// Drops the bounding set, switches uid/gids, then sets the remaining
// capability sets; the user's program keeps exactly what the config grants.
void apply_user_and_capabilities(const oci::Process& process);
// PR_SET_NO_NEW_PRIVS when asked: setuid binaries and file capabilities can
// no longer raise privileges (and an unprivileged seccomp filter may load).
void apply_no_new_privileges(const oci::Process& process);

}  // namespace runac::linux
