// The container's first process, from clone(2) to execve(2).
#pragma once
#include <string>
#include <sys/types.h>
#include <vector>

#include "oci/config.hpp"

namespace runac::linux {

struct InitRequest {
    const oci::Config* config = nullptr;
    std::string id;
    std::string bundle;
    std::vector<std::string> cgroup_paths;
    int sync_fd = -1;  // the child's end of the parent <-> init channel
    int fifo_fd = -1;  // exec fifo, O_RDWR: one byte from `runac start` releases the init
    bool no_pivot = false;
    bool no_new_keyring = false;
    int preserve_fds = 0;
};

// Clones the init into the config's new namespaces (joining those given by
// path) and returns its pid. The child waits for "go" on the sync channel,
// builds the container, answers "ready" (or "error:MESSAGE"), then parks on
// the exec fifo until `start`.
pid_t spawn_init(const InitRequest& request);

}  // namespace runac::linux
