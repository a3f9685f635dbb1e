// The container's filesystem view, built inside its new mount namespace:
// the rootfs becomes a mount, config mounts and device nodes go in (every
// target resolved inside the rootfs), then pivot_root and the path masks.
#pragma once
#include <functional>
#include <sys/types.h>
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
    // The rootfs directory create found (stat of root.path): the one the
    // init must mount, whatever the path leads to by then.
    dev_t root_dev = 0;
    ino_t root_ino = 0;
};

// The three stages, in this order, in the container's mount namespace and
// before the process is switched to the container's user:
// 1. the rootfs becomes a mount, the config's mounts and the devices go in
//    and process.cwd exists; runs in the bundle directory (where relative
//    sources are). The createContainer hooks' moment comes after it.
//    Returns the rootfs mount, refused if it is not the directory create
//    found (root.path swapped for a symlink meanwhile): from here on the
//    rootfs is reached through it (pinned_path), never through root.path.
UniqueFd mount_rootfs(const oci::Config& config, const RootfsOptions& options);
// "/proc/self/fd/N": a path that leads to `root` whatever root.path does.
std::string pinned_path(const UniqueFd& root);
// 2. pivot_root (or a move and chroot with no_pivot): "/" is the rootfs.
void enter_rootfs(const std::string& rootfs, bool no_pivot);
// 3. sysctls, readonlyPaths, maskedPaths, a read-only root and the
//    rootfsPropagation asked for; afterwards the filesystem is as the
//    program will see it.
void finish_rootfs(const oci::Config& config);

}  // namespace runac::linux
