// The container's filesystem view, built inside its new mount namespace:
// the rootfs becomes a mount, config mounts and device nodes go in (every
// target resolved inside the rootfs), then pivot_root and the path masks.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "common/fd.hpp"
#include "oci/config.hpp"

namespace runac::linux {

struct RootfsOptions {
    bool cgroup_namespace = false;  // the container has its own
    bool user_namespace = false;    // runac runs as the root of the container's user namespace
    std::vector<std::string> cgroup_paths;  // the container's cgroups, for "cgroup" mounts
    std::vector<int> idmapped_trees;        // per config mount: a detached idmapped tree, or -1
    // In a user namespace: config mount N's bind source, opened by runac as
    // the host's root (open_bind_source), for a source the init cannot reach.
    std::function<UniqueFd(size_t)> bind_source_from_host;
};

// The three stages, in this order, in the container's mount namespace and
// before the process is switched to the container's user:
// 1. the rootfs becomes a mount, the config's mounts and the devices go in
//    and process.cwd exists; runs in the bundle directory (where relative
//    sources are). The createContainer hooks' moment comes after it.
void mount_rootfs(const oci::Config& config, const RootfsOptions& options);
// 2. pivot_root (or a move and chroot with no_pivot): "/" is the rootfs.
void enter_rootfs(const oci::Config& config, bool no_pivot);
// 3. sysctls, readonlyPaths, maskedPaths, a read-only root and the
//    rootfsPropagation asked for; afterwards the filesystem is as the
//    program will see it.
void finish_rootfs(const oci::Config& config);

}  // namespace runac::linux
