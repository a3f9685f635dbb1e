// A new process in an existing container (`runac exec`): it joins the
// container's namespaces and cgroup, then becomes its program through the
// same steps as the container's init (linux/program.hpp), so it is confined
// exactly as the init is (capabilities, noNewPrivileges, AppArmor, seccomp).
#pragma once
#include <utility>
#include <vector>

#include "linux/namespaces.hpp"
#include "linux/program.hpp"
#include "oci/config.hpp"

namespace runac::linux {

struct JoinRequest {
    Confinement confinement;  // what to run, confined as the container's init
    // The init's namespaces, opened by the parent (all but pid, which the
    // parent itself enters so that the clone lands in it).
    std::vector<std::pair<oci::NamespaceType, int>> namespaces;
    int sync_fd = -1;  // the child's end of the parent <-> process channel
};

// Clones the process. It waits for Go (the parent placed it in its
// cgroups), joins the namespaces, may send its pty master (Console) and a
// seccomp notify fd (SeccompNotify), sends Ready and execs; a failure
// comes back as Failed (after Ready too: the exec failed), and EOF after
// Ready means the program runs.
Cloned spawn_joined(const JoinRequest& request, int cgroup_fd);

}  // namespace runac::linux
