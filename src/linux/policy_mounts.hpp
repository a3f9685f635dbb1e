// The agent policy's steps in the container's init that the runtime's own
// setup has no equivalent for: the write binds and deny over-mounts, and
// vm.memfd_noexec. What they cover is listed beside them.
#pragma once
#include <string>
#include <sys/types.h>
#include <vector>

#include "common/fd.hpp"
#include "enforce/coverage.hpp"
#include "enforce/plan.hpp"

namespace runac::linux {

// After the config's mounts, before the hooks, in the bundle directory
// (the host's "/" still above): each write path bound onto itself
// (writable, nosuid, nodev), then each deny path that exists covered by an
// empty mode-000 directory (a tmpfs) or by an empty mode-000 file, read-only.
// Every path is resolved inside the rootfs; a write path that is a symlink
// is refused. The files come as `deny_files`, one per Deny mount in order:
// detached trees (open_tree) of an empty file the parent made, since a bind
// cannot take its source from another mount namespace (the host's, for the
// init), and a user namespace's root could not reach the state directory.
void mount_policy_paths(const std::string& rootfs, const std::vector<enforce::PolicyMount>& mounts,
                        const std::vector<int>& deny_files);

// After the policy paths, the host's "/" still above: a fresh tmpfs at
// /run/secrets (0700, owned by the process's user), one 0400 file per
// secret, then read-only; nosuid, nodev, noexec. /run and /run/secrets are
// made if missing, and never entered through a symlink the image put there.
void mount_secrets(const std::string& rootfs, const std::vector<enforce::SecretFile>& secrets, uid_t uid, gid_t gid);

// The parent's half: `count` detached trees of the empty file at `path`.
std::vector<UniqueFd> make_deny_files(const std::string& path, size_t count);

// vm.memfd_noexec=2 for the init's pid namespace, written while "/" is
// still the host's (its /proc/sys answers for the caller's pid namespace):
// no memfd of the container is ever executable, and no process in it can
// lower the setting.
void forbid_executable_memfds();

const std::vector<enforce::Covers>& policy_mount_covers();

}  // namespace runac::linux
