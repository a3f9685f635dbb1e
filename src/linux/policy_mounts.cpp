#include "linux/policy_mounts.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "common/error.hpp"
#include "common/files.hpp"
#include "linux/inroot.hpp"

namespace runac::linux {

namespace {

constexpr unsigned long kLocked = MS_NOSUID | MS_NODEV | MS_NOEXEC;

void mount_or_throw(const std::string& source, const std::string& target, const char* type, unsigned long flags,
                    const char* data, const std::string& what) {
    if (::mount(source.empty() ? nullptr : source.c_str(), target.c_str(), type, flags, data) != 0)
        throw_errno("agent policy: " + what);
}

void writable_bind(int root, const std::string& path, bool noexec, bool exec_tree) {
    std::string what = std::string(exec_tree ? "filesystem.exec" : "filesystem.write") + ": " + path;
    // Bound from itself: a symlink would let the image choose what becomes
    // writable (the path below is resolved inside the rootfs, but a
    // symlink there can still name another of its directories).
    UniqueFd dir = open_in_root(root, path, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
    if (!dir && errno == ELOOP) throw Error("agent policy: " + what + ": a symlink in the image; name its target");
    // A write path not in this image: nothing to make writable, and nothing
    // can make it (what holds it is read-only), so a profile can name the
    // paths of several images (/workspace, /workspaces, /root/...,
    // /home/node/...). An exec tree must be there (filesystem.exec).
    if (!dir && errno == ENOENT && !exec_tree) return;
    if (!dir) throw_errno("agent policy: " + what);
    mount_or_throw(fd_path(dir.get()), fd_path(dir.get()), nullptr, MS_BIND | MS_REC, nullptr, what + " (bind)");
    UniqueFd mounted = must_open_in_root(root, path, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
    mount_or_throw("", fd_path(mounted.get()), nullptr, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | (noexec ? MS_NOEXEC : 0),
                   nullptr, what + (noexec ? " (writable, nosuid, nodev, noexec)" : " (writable, nosuid, nodev)"));
}

void deny(int root, const std::string& path, int deny_file) {  // deny_file: a detached tree
    std::string what = "filesystem.deny: " + path;
    UniqueFd target = open_in_root(root, path, O_PATH);
    if (!target && errno == ENOENT) return;  // nothing to hide (policy explain says so)
    if (!target) throw_errno("agent policy: " + what);
    struct stat st;
    if (::fstat(target.get(), &st) != 0) throw_errno("agent policy: " + what);
    // Mode 000 and no capabilities: reading fails with EACCES, where
    // /dev/null would read as an empty file and hide the refusal.
    if (S_ISDIR(st.st_mode))
        mount_or_throw("tmpfs", fd_path(target.get()), "tmpfs", MS_RDONLY | kLocked, "mode=000,size=4k,nr_inodes=1",
                       what + " (empty directory)");
    else
        if (::move_mount(deny_file, "", target.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
            throw_errno("agent policy: " + what + " (empty file)");
    if (S_ISDIR(st.st_mode)) return;
    UniqueFd mounted = must_open_in_root(root, path, O_PATH);
    mount_or_throw("", fd_path(mounted.get()), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | kLocked, nullptr,
                   what + " (read-only)");
}

// DIR below `parent`, made if missing; ELOOP for a symlink.
UniqueFd directory_below(int parent, const char* dir, const std::string& what) {
    UniqueFd fd = open_in_root(parent, dir, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
    if (!fd && errno == ENOENT) {
        if (::mkdirat(parent, dir, 0755) != 0 && errno != EEXIST) throw_errno(what + ": create it");
        fd = open_in_root(parent, dir, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
    }
    if (!fd && (errno == ELOOP || errno == ENOTDIR))
        throw Error(what + ": not a directory in the image (a symlink?); runac mounts secrets on no other path");
    if (!fd) throw_errno(what);
    return fd;
}

void fs_option(int fs, const char* key, const std::string& value, const std::string& what) {
    if (::fsconfig(fs, FSCONFIG_SET_STRING, key, value.c_str(), 0) != 0) throw_errno(what + ": tmpfs " + key);
}

}  // namespace

void mount_secrets(const std::string& rootfs, const std::vector<enforce::SecretFile>& secrets, uid_t uid, gid_t gid) {
    if (secrets.empty()) return;
    const std::string what = std::string("agent policy: secrets: ") + enforce::kSecretsDir;
    UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) throw_errno("open rootfs " + rootfs);
    UniqueFd run = directory_below(root.get(), "run", what);
    UniqueFd target = directory_below(run.get(), "secrets", what);
    // A tmpfs made here and filled before it is attached: nothing in the
    // container sees it half-written, and nothing of the image is followed.
    size_t bytes = 0;
    for (auto& s : secrets) bytes += s.value.size() + 4096;
    UniqueFd fs(::fsopen("tmpfs", FSOPEN_CLOEXEC));
    if (!fs) throw_errno(what + ": fsopen tmpfs");
    fs_option(fs.get(), "mode", "0700", what);
    fs_option(fs.get(), "uid", std::to_string(uid), what);
    fs_option(fs.get(), "gid", std::to_string(gid), what);
    fs_option(fs.get(), "size", std::to_string(bytes + 4096), what);
    fs_option(fs.get(), "nr_inodes", std::to_string(secrets.size() + 1), what);
    if (::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) throw_errno(what + ": create tmpfs");
    UniqueFd mnt(::fsmount(fs.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC));
    if (!mnt) throw_errno(what + ": fsmount");
    for (auto& s : secrets) {
        UniqueFd file(::openat(mnt.get(), s.name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400));
        if (!file) throw_errno(what + "/" + s.name);
        if (::fchown(file.get(), uid, gid) != 0) throw_errno(what + "/" + s.name + ": chown");
        write_all(file.get(), s.value, what + "/" + s.name);
    }
    mount_attr ro{};
    ro.attr_set = MOUNT_ATTR_RDONLY;
    if (::mount_setattr(mnt.get(), "", AT_EMPTY_PATH, &ro, sizeof ro) != 0) throw_errno(what + ": read-only");
    if (::move_mount(mnt.get(), "", target.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
        throw_errno(what + ": attach");
}

const std::vector<enforce::Covers>& policy_mount_covers() {
    using enforce::Mechanism;
    using enforce::Rule;
    static const std::vector<enforce::Covers> covers = {
        {Rule::FilesystemWrite, Mechanism::Mounts},
        {Rule::FilesystemDeny, Mechanism::Mounts},
        {Rule::MemfdExec, Mechanism::MemfdNoexec},
        {Rule::Secrets, Mechanism::Mounts},
    };
    return covers;
}

void mount_policy_paths(const std::string& rootfs, const std::vector<enforce::PolicyMount>& mounts,
                        const std::vector<int>& deny_files) {
    if (mounts.empty()) return;
    UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) throw_errno("open rootfs " + rootfs);
    for (auto& m : mounts) {
        if (m.kind == enforce::PolicyMount::Kind::WritableBind) writable_bind(root.get(), m.path, m.noexec, false);
        if (m.kind == enforce::PolicyMount::Kind::ExecBind) writable_bind(root.get(), m.path, false, true);
    }
    size_t next = 0;
    for (auto& m : mounts)
        if (m.kind == enforce::PolicyMount::Kind::Deny) deny(root.get(), m.path, deny_files.at(next++));
    for (int fd : deny_files) ::close(fd);  // attached, or not needed: nothing more to do with them
}

std::vector<UniqueFd> make_deny_files(const std::string& path, size_t count) {
    std::vector<UniqueFd> out;
    if (count == 0) return out;
    UniqueFd file(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0));
    if (!file) throw_errno("agent policy: create " + path);
    for (size_t i = 0; i < count; i++) {
        out.emplace_back(::open_tree(AT_FDCWD, path.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
        if (!out.back()) throw_errno("agent policy: open_tree " + path);
    }
    return out;
}

void forbid_executable_memfds() {
    try {
        write_file("/proc/sys/vm/memfd_noexec", "2");
    } catch (const Error& e) {
        throw Error(std::string("agent policy: vm.memfd_noexec: ") + e.what());
    }
}

}  // namespace runac::linux
