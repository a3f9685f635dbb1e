#include "linux/rootfs.hpp"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroups/cgroup.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/mountinfo.hpp"
#include "linux/copy_up.hpp"
#include "linux/devices.hpp"
#include "linux/inroot.hpp"
#include "linux/mount_options.hpp"

namespace runac::linux {

namespace {

void do_mount(const std::string& source, const std::string& target, const std::string& type, unsigned long flags,
              const std::string& data, const std::string& what) {
    if (::mount(source.empty() ? nullptr : source.c_str(), target.c_str(), type.empty() ? nullptr : type.c_str(),
                flags, data.empty() ? nullptr : data.c_str()) != 0)
        throw_errno("mount " + what);
}

// A bind remount sets all of a mount's flags at once, and in a user
// namespace the flags of a mount inherited from the host are locked: asked
// without them, the kernel says EPERM. Then, as runc, ask again with the
// flags the mount already has.
void remount(const std::string& target, unsigned long flags, const std::string& what) {
    if (::mount(nullptr, target.c_str(), nullptr, flags, nullptr) == 0) return;
    if (errno != EPERM) throw_errno("mount " + what);
    struct statvfs sv;
    if (::statvfs(target.c_str(), &sv) != 0) throw_errno("statvfs " + what);
    static const std::pair<unsigned long, unsigned long> kLockable[] = {
        {ST_RDONLY, MS_RDONLY},   {ST_NOSUID, MS_NOSUID},         {ST_NODEV, MS_NODEV},
        {ST_NOEXEC, MS_NOEXEC},   {ST_NOATIME, MS_NOATIME},       {ST_NODIRATIME, MS_NODIRATIME},
        {ST_RELATIME, MS_RELATIME}};
    for (auto& [st, ms] : kLockable)
        if (sv.f_flag & st) flags |= ms;
    do_mount("", target, "", flags, "", what);
}

// After a mount, an fd opened before it still names the directory beneath:
// remounts and propagation changes need the path resolved again.
void change_mount(int root, const std::string& dest, unsigned long flags, const std::string& what) {
    UniqueFd fd = must_open_in_root(root, dest, O_PATH);
    if (flags & MS_REMOUNT)
        remount(fd_path(fd.get()), flags, what);
    else
        do_mount("", fd_path(fd.get()), "", flags, "", what);
}

// The root of a user namespace may not mount a sysfs for a network
// namespace it does not own, nor an mqueue for such an IPC namespace: as
// runc, it gets the host's, bound (read-only when asked).
bool bind_host_instead(int root, const oci::Mount& m, const std::string& type, const MountOptions& opts,
                       const RootfsOptions& options) {
    if (!options.user_namespace || errno != EPERM || (type != "sysfs" && type != "mqueue")) return false;
    const char* host = type == "sysfs" ? "/sys" : "/dev/mqueue";
    UniqueFd target = must_open_in_root(root, m.destination, O_PATH | O_DIRECTORY | O_NOFOLLOW, RESOLVE_NO_SYMLINKS);
    do_mount(host, fd_path(target.get()), "", MS_BIND | MS_REC, "", m.destination + " (bind of the host's " + host + ")");
    unsigned long extra = opts.flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
    if (extra) change_mount(root, m.destination, MS_BIND | MS_REMOUNT | extra, m.destination + " (remount)");
    return true;
}

// pivot_root refuses a new root whose parent mount is shared, a shared
// parent would carry the rootfs bind (and every mount beneath it) to its
// peers (on a host whose "/" is shared, to the host itself), and an
// unbindable one (rootfsPropagation "unbindable") cannot be bound at all.
// So the mount holding the rootfs stops propagating before the rootfs is
// bound, as runc (1.2 on) does: a slave when "/" was made one (the default:
// host mounts below the rootfs still reach the container), else private.
// It is found by walking up from the rootfs: EINVAL means "not a mount
// point" (no mountinfo to read, and none of its races), on the resolved
// path (a symlinked component's parent is not the mount's).
void isolate_rootfs_parent(const std::string& rootfs, unsigned long root_propagation) {
    unsigned long flag = (root_propagation & MS_SLAVE) ? MS_SLAVE : MS_PRIVATE;
    char* resolved = ::realpath(rootfs.c_str(), nullptr);
    if (!resolved) throw_errno("root.path: " + rootfs);
    std::string path = resolved;
    std::free(resolved);
    while (::mount("", path.c_str(), nullptr, flag, nullptr) != 0) {
        if (errno != EINVAL || path == "/") throw_errno("the mount holding the rootfs (" + path + "): propagation");
        size_t slash = path.find_last_of('/');
        path = slash == 0 ? "/" : path.substr(0, slash);
    }
}

// "/dev", however the config spells it ("/dev/", "//dev").
bool is_dev(const std::string& destination) {
    size_t first = destination.find_first_not_of('/'), last = destination.find_last_not_of('/');
    return first != std::string::npos && destination.compare(first, last - first + 1, "dev") == 0;
}

bool is_dir(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// A v1 hierarchy appears in the container as /sys/fs/cgroup/<controllers>,
// a bind of the container's own cgroup directory (it sees only itself).
void mount_cgroup_v1(int root, const oci::Mount& m, const MountOptions& opts, const RootfsOptions& options,
                     const std::vector<cgroups::Hierarchy>& hierarchies) {
    UniqueFd target = ensure_in_root(root, m.destination, false);
    do_mount("tmpfs", fd_path(target.get()), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755",
             m.destination + " (cgroup tmpfs)");
    for (auto& h : hierarchies) {
        if (h.unified) continue;  // hybrid: runc shows only the v1 controllers
        std::string name = h.controllers;
        if (starts_with(name, "name=")) name = name.substr(5);
        std::string host_dir;
        for (auto& p : options.cgroup_paths)
            if (starts_with(p, h.mountpoint + "/") || p == h.mountpoint) host_dir = p;
        if (host_dir.empty()) continue;
        std::string dest = m.destination + "/" + name;
        UniqueFd t = ensure_in_root(root, dest, false);
        do_mount(host_dir, fd_path(t.get()), "", MS_BIND | MS_REC, "", dest);
        change_mount(root, dest, MS_BIND | MS_REMOUNT | (opts.flags & ~(MS_BIND | MS_REC | MS_REMOUNT)),
                     dest + " (remount)");
        // "cpu,cpuacct" is also reachable as "cpu" and "cpuacct".
        if (name.find(',') != std::string::npos) {
            UniqueFd dir = must_open_in_root(root, m.destination, O_PATH | O_DIRECTORY);
            size_t i = 0;
            while (i <= name.size()) {
                size_t j = name.find(',', i);
                if (j == std::string::npos) j = name.size();
                std::string alias = name.substr(i, j - i);
                if (::symlinkat(name.c_str(), dir.get(), alias.c_str()) != 0 && errno != EEXIST)
                    throw_errno(m.destination + "/" + alias + ": symlink to " + name);
                i = j + 1;
            }
        }
    }
}

// As runc: a tmpfs over a directory the image already has takes that
// directory's mode (an image's 1777 /tmp stays 1777); a mode= of the
// config's comes after it and wins, the kernel taking the last.
std::string tmpfs_data(int root, const std::string& destination, const std::string& data) {
    UniqueFd dir = open_in_root(root, destination, O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct stat st {};
    if (!dir || ::fstat(dir.get(), &st) != 0) return data;
    char mode[16];
    std::snprintf(mode, sizeof mode, "mode=%04o", st.st_mode & 07777);
    return data.empty() ? mode : std::string(mode) + "," + data;
}

// The bind source of config mount INDEX as the init reaches it: its path,
// or, when this user namespace's root cannot reach it, the fd runac opened
// as the host's root. Fills ST.
std::string reach_bind_source(const oci::Mount& m, size_t index, const RootfsOptions& options, UniqueFd& held,
                              struct stat& st) {
    // A relative source is relative to the bundle, the working directory.
    std::string source = starts_with(m.source, "/") ? m.source : "./" + m.source;
    if (::stat(source.c_str(), &st) == 0) return source;
    int err = errno;
    if (options.bind_source_from_host) held = options.bind_source_from_host(index);
    if (!held || ::fstat(held.get(), &st) != 0) throw_errno("mount source " + source, err);
    return fd_path(held.get());
}

void mount_entry(int root, const oci::Mount& m, size_t index, MountOptions& opts, const RootfsOptions& options,
                 int idmapped) {
    if (m.type == "bind") opts.flags |= MS_BIND;
    if (opts.bind()) {
        struct stat st;
        UniqueFd held;
        std::string source;
        if (idmapped >= 0) {
            if (::fstat(idmapped, &st) != 0) throw_errno("mount source " + m.source);
        } else {
            source = reach_bind_source(m, index, options, held, st);
        }
        UniqueFd target = ensure_in_root(root, m.destination, !S_ISDIR(st.st_mode));
        if (idmapped < 0)
            do_mount(source, fd_path(target.get()), "", opts.flags & (MS_BIND | MS_REC), "", m.destination);
        else if (::move_mount(idmapped, "", target.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
            throw_errno("mount " + m.destination + " (idmapped)");
        // A bind mount ignores other flags until remounted.
        unsigned long extra = opts.flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
        if (extra) change_mount(root, m.destination, MS_BIND | MS_REMOUNT | extra, m.destination + " (remount)");
        if (opts.propagation) change_mount(root, m.destination, opts.propagation, m.destination + " (propagation)");
        return;
    }
    if (m.type == "cgroup") {
        auto hierarchies = cgroups::discover();
        if (!hierarchies.empty() && !hierarchies[0].unified) {
            mount_cgroup_v1(root, m, opts, options, hierarchies);
            return;
        }
        if (!options.cgroup_namespace && !hierarchies.empty()) {
            // Without a cgroup namespace a new cgroup2 mount shows the host's
            // whole tree, exactly as the host's own mount does: bind that
            // instead, since a fresh cgroup2 superblock mount can stall for
            // an RCU grace period.
            UniqueFd target = ensure_in_root(root, m.destination, false);
            do_mount(hierarchies[0].mountpoint, fd_path(target.get()), "", MS_BIND, "", m.destination);
            change_mount(root, m.destination, MS_BIND | MS_REMOUNT | (opts.flags & ~(MS_BIND | MS_REC | MS_REMOUNT)),
                         m.destination + " (remount)");
            return;
        }
    }
    std::string type = m.type == "cgroup" ? "cgroup2" : m.type;
    std::string data = type == "tmpfs" ? tmpfs_data(root, m.destination, opts.data) : opts.data;
    UniqueFd target;
    if (type == "proc" || type == "sysfs") {
        // procfs and sysfs go only onto a real directory: a symlink here is
        // the classic trick to make the runtime mount over a host path.
        // Checked before anything is created: a symlink is refused, not followed.
        target = open_in_root(root, m.destination, O_PATH | O_DIRECTORY | O_NOFOLLOW, RESOLVE_NO_SYMLINKS);
        if (!target && errno == ENOENT) {
            ensure_in_root(root, m.destination, false);
            target = open_in_root(root, m.destination, O_PATH | O_DIRECTORY | O_NOFOLLOW, RESOLVE_NO_SYMLINKS);
        }
        if (!target) throw_errno(m.destination + ": " + type + " must be mounted on a directory, not through a symlink");
    } else {
        target = ensure_in_root(root, m.destination, false);
    }
    // The directory beneath, still reachable through an fd once it is covered.
    UniqueFd below;
    if (opts.copy_up && type == "tmpfs") {
        below.reset(::openat(target.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!below) throw_errno(m.destination + ": tmpcopyup");
    }
    std::string source = m.source.empty() ? type : m.source;
    // As runc: a read-only tmpfs is filled first (tmpcopyup, /dev's nodes
    // and mount points), then the mount (not the file system) made
    // read-only: here, or /dev once everything below it is in place.
    unsigned long flags = opts.flags & ~MS_REMOUNT;
    bool read_only_later = type == "tmpfs" && (flags & MS_RDONLY);
    if (read_only_later) flags &= ~MS_RDONLY;
    if (::mount(source.c_str(), fd_path(target.get()).c_str(), type.c_str(), flags,
                data.empty() ? nullptr : data.c_str()) != 0 &&
        !bind_host_instead(root, m, type, opts, options))
        throw_errno("mount " + m.destination);
    if (below) copy_tree(below.get(), must_open_in_root(root, m.destination, O_RDONLY | O_DIRECTORY).get());
    if (read_only_later && !is_dev(m.destination))
        change_mount(root, m.destination, flags | MS_BIND | MS_REMOUNT | MS_RDONLY, m.destination + " (read-only)");
    if (opts.propagation) change_mount(root, m.destination, opts.propagation, m.destination + " (propagation)");
}

// "rro" and the other recursive attributes: mount_setattr(2) on the tree.
void set_recursive_attributes(int root, const oci::Mount& m, const MountOptions& opts) {
    if (!opts.recursive_set && !opts.recursive_clear) return;
    UniqueFd fd = must_open_in_root(root, m.destination, O_PATH);
    struct mount_attr attr = {};
    attr.attr_set = opts.recursive_set;
    attr.attr_clr = opts.recursive_clear;
    if (::mount_setattr(fd.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0)
        throw_errno("mount " + m.destination + " (recursive attributes)");
}

void mount_one(int root, const oci::Mount& m, size_t index, const RootfsOptions& options, int idmapped) {
    MountOptions opts = parse_mount_options(m.options);
    mount_entry(root, m, index, opts, options, idmapped);
    set_recursive_attributes(root, m, opts);
}

void pivot_into(const std::string& rootfs) {
    UniqueFd oldroot(::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    UniqueFd newroot(::open(rootfs.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    if (!oldroot || !newroot) throw_errno("open rootfs " + rootfs);
    if (::fchdir(newroot.get()) != 0) throw_errno("chdir " + rootfs);
    // pivot_root(".", ".") stacks the old root under the new one; detach it
    // so no host path stays reachable from the container.
    if (::syscall(SYS_pivot_root, ".", ".") != 0) throw_errno("pivot_root " + rootfs);
    if (::fchdir(oldroot.get()) != 0) throw_errno("chdir to the old root");
    // Keep the unmount from propagating back to the host's mounts.
    do_mount("", ".", "", MS_SLAVE | MS_REC, "", "old root (slave)");
    if (::umount2(".", MNT_DETACH) != 0) throw_errno("unmount the old root");
    if (::chdir("/") != 0) throw_errno("chdir /");
}

// Without pivot_root the host's mounts stay in the container's mount
// namespace, below its chroot. A full procfs or sysfs among them lets a
// process with CAP_SYS_ADMIN mount a fresh, unmasked one in a user
// namespace of its own (the kernel allows it where a full one is visible):
// each is detached, or covered by a tmpfs where it cannot be, as runc does.
void hide_host_proc_and_sys(const std::string& rootfs_path) {
    // As mountinfo names it: symlinks resolved.
    char resolved[PATH_MAX];
    std::string rootfs = ::realpath(rootfs_path.c_str(), resolved) ? resolved : rootfs_path;
    for (auto& m : read_mountinfo()) {
        if (m.root != "/" || (m.fstype != "proc" && m.fstype != "sysfs")) continue;
        if (m.mountpoint == rootfs || starts_with(m.mountpoint, rootfs + "/")) continue;
        // Gone already with a mount above it that went first.
        if (::mount("", m.mountpoint.c_str(), nullptr, MS_SLAVE | MS_REC, nullptr) != 0) {
            if (errno == ENOENT) continue;
            throw_errno("--no-pivot: make " + m.mountpoint + " a slave mount");
        }
        if (::umount2(m.mountpoint.c_str(), MNT_DETACH) == 0) continue;
        if (errno != EINVAL && errno != EPERM) throw_errno("--no-pivot: unmount " + m.mountpoint);
        do_mount("tmpfs", m.mountpoint, "tmpfs", 0, "", "--no-pivot: cover " + m.mountpoint);
    }
}

void move_into(const std::string& rootfs) {
    // Into it first: `rootfs` may lead through the host's /proc
    // (pinned_path), which is hidden next.
    if (::chdir(rootfs.c_str()) != 0) throw_errno("chdir " + rootfs);
    hide_host_proc_and_sys(rootfs);
    do_mount(".", "/", "", MS_MOVE, "", "rootfs (move)");
    if (::chroot(".") != 0) throw_errno("chroot " + rootfs);
    if (::chdir("/") != 0) throw_errno("chdir /");
}

void mask_path(const std::string& path) {
    // A directory gets an empty read-only tmpfs, anything else /dev/null.
    if (::mount("/dev/null", path.c_str(), nullptr, MS_BIND, nullptr) == 0) return;
    if (errno == ENOENT) return;
    if (errno == ENOTDIR) {
        if (::mount("tmpfs", path.c_str(), "tmpfs", MS_RDONLY, nullptr) == 0) return;
    }
    throw_errno("mask " + path);
}

void readonly_path(const std::string& path) {
    if (::mount(path.c_str(), path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
        if (errno == ENOENT) return;
        throw_errno("bind " + path + " read-only");
    }
    // Read-only, and no less restricted than it was (as runc).
    struct statvfs sv;
    if (::statvfs(path.c_str(), &sv) != 0) throw_errno("statvfs " + path);
    unsigned long keep = ((sv.f_flag & ST_NOSUID) ? MS_NOSUID : 0) | ((sv.f_flag & ST_NODEV) ? MS_NODEV : 0) |
                         ((sv.f_flag & ST_NOEXEC) ? MS_NOEXEC : 0);
    remount(path, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | keep, path + " (read-only)");
}

unsigned long rootfs_propagation(const oci::Config& config) {
    return config.linux.rootfs_propagation.empty() ? (MS_SLAVE | MS_REC) : propagation_flag(config.linux.rootfs_propagation);
}

void write_sysctls(const oci::Config& config) {
    for (auto& [key, value] : config.linux.sysctl) {
        std::string path = "/proc/sys/" + key;
        for (size_t i = 10; i < path.size(); i++)
            if (path[i] == '.') path[i] = '/';
        try {
            write_file(path, value);
        } catch (const Error& e) {
            throw Error("linux.sysctl." + key + ": " + e.what());
        }
    }
}

}  // namespace

UniqueFd mount_rootfs(const oci::Config& config, const RootfsOptions& options) {
    const std::string& rootfs = config.root_path;
    // Mount events must not leak from the container to the host: everything
    // becomes a slave of the host (or what rootfsPropagation asks) first.
    unsigned long propagation = rootfs_propagation(config);
    do_mount("", "/", "", propagation, "", "/ (propagation)");
    if (!is_dir(rootfs)) throw Error("root.path: " + rootfs + " is not a directory");
    isolate_rootfs_parent(rootfs, propagation);
    // pivot_root needs the rootfs to be a mount point.
    do_mount(rootfs, rootfs, "", MS_BIND | MS_REC, "", "rootfs " + rootfs);
    UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) throw_errno("open rootfs " + rootfs);
    // A bind keeps the directory's identity: anything else means root.path
    // was swapped (for a symlink elsewhere) after create looked at it.
    struct stat st;
    if (::fstat(root.get(), &st) != 0) throw_errno("stat rootfs " + rootfs);
    if (st.st_dev != options.root_dev || st.st_ino != options.root_ino)
        throw Error("root.path: " + rootfs + " was replaced while the container was being created");

    for (size_t i = 0; i < config.mounts.size(); i++)
        mount_one(root.get(), config.mounts[i], i, options, i < options.idmapped_trees.size() ? options.idmapped_trees[i] : -1);
    if (!binds_dev(config)) create_devices(root.get(), config, options.user_namespace);
    // The working directory is created if the image lacks it, as runc does.
    if (!open_in_root(root.get(), config.process.cwd, O_PATH | O_DIRECTORY) && errno == ENOENT) {
        try {
            mkdir_all_in_root(root.get(), config.process.cwd, 0755);
        } catch (const Error& e) {
            throw Error("process.cwd: " + std::string(e.what()));
        }
    }
    return root;
}

std::string pinned_path(const UniqueFd& root) { return "/proc/self/fd/" + std::to_string(root.get()); }

void enter_rootfs(const std::string& rootfs, bool no_pivot) {
    if (no_pivot)
        move_into(rootfs);
    else
        pivot_into(rootfs);
}

void finish_rootfs(const oci::Config& config) {
    // /dev, populated and with every mount point below it made: read-only now.
    for (auto& m : config.mounts)
        if (m.type == "tmpfs" && is_dev(m.destination))
            if (MountOptions opts = parse_mount_options(m.options); opts.flags & MS_RDONLY)
                remount("/dev", opts.flags | MS_BIND | MS_REMOUNT, "/dev (read-only)");
    write_sysctls(config);
    for (auto& p : config.linux.readonly_paths) readonly_path(p);
    for (auto& p : config.linux.masked_paths) mask_path(p);
    if (config.root_readonly) remount("/", MS_BIND | MS_REMOUNT | MS_RDONLY, "/ read-only");
    if (!config.linux.rootfs_propagation.empty()) do_mount("", "/", "", rootfs_propagation(config), "", "/ (propagation)");
}

}  // namespace runac::linux
