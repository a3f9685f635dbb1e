// The container's filesystem view, built inside its new mount namespace:
// the rootfs becomes a mount, config mounts and device nodes go in (every
// target resolved inside the rootfs), then pivot_root and the path masks.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "oci/config.hpp"

namespace runac::linux {

struct RootfsOptions {
    bool no_pivot = false;
    bool cgroup_namespace = false;  // the container has its own
    bool user_namespace = false;    // runac runs as the root of the container's user namespace
    std::vector<std::string> cgroup_paths;  // the container's cgroups, for "cgroup" mounts
    std::vector<int> idmapped_trees;        // per config mount: a detached idmapped tree, or -1
    // Runs once the mounts are in place, before pivot_root (the hooks' moment).
    std::function<void()> before_pivot;
    // Runs right after pivot_root, while /dev is still writable (the console).
    std::function<void()> after_pivot;
};

// Runs in the container's mount namespace, in the bundle directory (where
// relative sources are), before the process is switched to the container's
// user. Afterwards "/" is the container's rootfs.
void setup_rootfs(const oci::Config& config, const RootfsOptions& options);

}  // namespace runac::linux
