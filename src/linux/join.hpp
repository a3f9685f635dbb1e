// A new process in an existing container (`runac exec`): it joins the
// container's namespaces and cgroup, then becomes its program through the
// same steps as the container's init (linux/program.hpp), so it is confined
// exactly as the init is (capabilities, noNewPrivileges, AppArmor, seccomp).
#pragma once
#include <utility>
#include <vector>

#include "linux/namespaces.hpp"
#include "linux/seccomp.hpp"
#include "oci/config.hpp"

namespace runac::linux {

struct JoinRequest {
    const oci::Config* config = nullptr;     // the container's (personality)
    const oci::Process* process = nullptr;   // what to run
    const SeccompFilter* seccomp = nullptr;  // the container's filter, compiled by the parent
    // The init's namespaces, opened by the parent (all but pid, which the
    // parent itself enters so that the clone lands in it).
    std::vector<std::pair<oci::NamespaceType, int>> namespaces;
    int sync_fd = -1;  // the child's end of the parent <-> process channel
    int preserve_fds = 0;
};

// Clones the process. It waits for "go" (the parent placed it in its
// cgroups), joins the namespaces, may pass its pty master ("console") and a
// seccomp notify fd ("seccomp-notify"), reports "ready" and execs; a
// failure comes back as "error:MESSAGE", and EOF after "ready" means the
// program runs.
Cloned spawn_joined(const JoinRequest& request, int cgroup_fd);

}  // namespace runac::linux
