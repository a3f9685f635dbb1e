// The container's first process, from clone(2) to execve(2).
#pragma once
#include <string>
#include <sys/types.h>
#include <vector>

#include "linux/namespaces.hpp"
#include "linux/program.hpp"
#include "oci/config.hpp"

namespace runac::linux {

struct InitRequest {
    const oci::Config* config = nullptr;
    Confinement confinement;  // of config.process
    std::string id;
    std::string bundle;
    std::vector<std::string> cgroup_paths;
    int sync_fd = -1;  // the child's end of the parent <-> init channel
    int fifo_fd = -1;  // exec fifo, O_RDWR: one byte from `runac start` releases the init
    bool no_pivot = false;
    bool no_new_keyring = false;
    dev_t root_dev = 0;  // root.path as create found it (linux/rootfs.hpp)
    ino_t root_ino = 0;
    std::vector<int> idmapped_trees;  // per config mount: a detached idmapped tree, or -1
    const enforce::Plan* plan = nullptr;  // the agent policy's, or none
    std::vector<int> deny_files;          // with a plan: one per deny path (linux/policy_mounts.hpp)
    const std::vector<enforce::SecretFile>* secrets = nullptr;  // with a plan: the values, in memory only
};

// Clones the init into the config's new namespaces (joining those given by
// path) and returns its pid. The conversation on the sync channel, from the
// init's side: receive Go (the state), send RunHooks and receive HooksDone
// when there are prestart or createRuntime hooks, send Console and
// SeccompNotify when there is a terminal or a listener, then Ready (or
// Failed at any point). It then parks on the exec fifo until `start`:
// after that only read(2), the startContainer hooks and execve(2) remain,
// so everything that can fail is reported by `create`.
// With `cgroup_fd` (a cgroup v2 directory) the init is born in that cgroup.
Cloned spawn_init(const InitRequest& request, int cgroup_fd);

}  // namespace runac::linux
