// The container's first process, from clone(2) to execve(2).
#pragma once
#include <string>
#include <sys/types.h>
#include <vector>

#include "linux/namespaces.hpp"
#include "linux/seccomp.hpp"
#include "oci/config.hpp"

namespace runac::linux {

struct InitRequest {
    const oci::Config* config = nullptr;
    const SeccompFilter* seccomp = nullptr;  // compiled by the parent, loaded by the init
    std::string id;
    std::string bundle;
    std::vector<std::string> cgroup_paths;
    int sync_fd = -1;  // the child's end of the parent <-> init channel
    int fifo_fd = -1;  // exec fifo, O_RDWR: one byte from `runac start` releases the init
    bool no_pivot = false;
    bool no_new_keyring = false;
    int preserve_fds = 0;
    std::vector<int> idmapped_trees;  // per config mount: a detached idmapped tree, or -1
};

// Clones the init into the config's new namespaces (joining those given by
// path) and returns its pid. The child waits for "go" on the sync channel,
// builds the container, may pass a seccomp notify fd ("seccomp-notify"),
// answers "ready" (or "error:MESSAGE"), then parks on the exec fifo until
// `start`: after that only read(2) and execve(2) remain, so everything that
// can fail is reported by `create`, and the seccomp filter sees no syscall
// of runac's own but those two.
// With `cgroup_fd` (a cgroup v2 directory) the init is born in that cgroup.
Cloned spawn_init(const InitRequest& request, int cgroup_fd);

}  // namespace runac::linux
