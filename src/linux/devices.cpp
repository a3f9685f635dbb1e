#include "linux/devices.hpp"

#include <cerrno>
#include <fcntl.h>
#include <optional>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/files.hpp"
#include "linux/inroot.hpp"
#include "linux/mount_options.hpp"

namespace runac::linux {

namespace {

// The directory a device node PATH goes in, made inside the root, with
// NAME set to the node's name. The name is runac's to fill: a symlink the
// image put there (to a host path, say) would only redirect the node, so
// it goes; anything else already there is left for the caller to judge.
UniqueFd device_dir(int root, const std::string& path, std::string& name) {
    std::string norm = absolute_path(path, "/");
    auto slash = norm.rfind('/');
    UniqueFd dir = mkdir_all_in_root(root, norm.substr(0, slash), 0755);
    name = norm.substr(slash + 1);
    struct stat st;
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode) &&
        ::unlinkat(dir.get(), name.c_str(), 0) != 0)
        throw_errno("replace the symlink " + path);
    return dir;
}

// In a user namespace mknod(2) of a device is refused: the host's node is
// bound onto an empty file instead, as runc does. Its mode and owner are the
// host's, never changed from inside (that would change the host's node).
void bind_device(int root, const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) throw_errno("device " + path + " (bound from the host)");
    if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) throw Error("device " + path + ": not a device on the host");
    std::string name;
    UniqueFd dir = device_dir(root, path, name);
    // O_EXCL: a node the image already has is bound over, never opened.
    UniqueFd created(::openat(dir.get(), name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!created && errno != EEXIST) throw_errno("create " + path);
    UniqueFd target(::openat(dir.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!target) throw_errno("open " + path);
    if (::mount(path.c_str(), fd_path(target.get()).c_str(), nullptr, MS_BIND, nullptr) != 0)
        throw_errno("mount " + path + " (bound from the host)");
}

// Creates the device node PATH with PERM (and owner, when given), in its
// directory, never through a symlink. Anything but a node of the same type
// already there is left untouched.
void make_node(int root, const std::string& path, mode_t type, mode_t perm, dev_t dev,
               std::optional<uid_t> uid = std::nullopt, std::optional<gid_t> gid = std::nullopt) {
    std::string name;
    UniqueFd dir = device_dir(root, path, name);
    if (::mknodat(dir.get(), name.c_str(), type | perm, dev) != 0 && errno != EEXIST)
        throw_errno("mknod " + path);
    UniqueFd node(::openat(dir.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!node) throw_errno("open " + path);
    struct stat st;
    if (::fstat(node.get(), &st) != 0) throw_errno("stat " + path);
    if ((st.st_mode & S_IFMT) != type) return;  // something else is there: leave it, touch nothing
    // mknod honours the umask; the mode must be what the config says.
    if (::fchmodat(AT_FDCWD, fd_path(node.get()).c_str(), perm, 0) != 0) throw_errno("chmod " + path);
    if ((uid || gid) && ::fchownat(node.get(), "", uid.value_or(0), gid.value_or(0), AT_EMPTY_PATH) != 0)
        throw_errno("chown " + path);
}

}  // namespace

bool binds_dev(const oci::Config& config) {
    for (auto& m : config.mounts)
        if (absolute_path(m.destination, "/") == "/dev" && (m.type == "bind" || parse_mount_options(m.options).bind()))
            return true;
    return false;
}

// The default device nodes and /dev links of runtime-spec's "Default Devices".
void create_devices(int root, const oci::Config& config, bool bind) {
    struct Node {
        const char* path;
        unsigned major, minor;
    };
    static const Node defaults[] = {{"/dev/null", 1, 3},    {"/dev/zero", 1, 5},   {"/dev/full", 1, 7},
                                    {"/dev/random", 1, 8},  {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0}};
    for (auto& n : defaults)
        if (bind)
            bind_device(root, n.path);
        else
            make_node(root, n.path, S_IFCHR, 0666, makedev(n.major, n.minor));
    for (auto& d : config.linux.devices) {
        mode_t type = d.type == 'b' ? S_IFBLK : d.type == 'p' ? S_IFIFO : S_IFCHR;
        mode_t perm = d.file_mode ? (*d.file_mode & 07777) : 0666;
        if (bind && type != S_IFIFO) {
            bind_device(root, d.path);
            continue;
        }
        make_node(root, d.path, type, perm, makedev(d.major, d.minor), d.uid, d.gid);
    }
    UniqueFd dev = must_open_in_root(root, "/dev", O_PATH | O_DIRECTORY);
    struct Link {
        const char* name;
        const char* target;
    };
    static const Link links[] = {{"fd", "/proc/self/fd"},
                                 {"stdin", "/proc/self/fd/0"},
                                 {"stdout", "/proc/self/fd/1"},
                                 {"stderr", "/proc/self/fd/2"},
                                 {"ptmx", "pts/ptmx"}};
    for (auto& l : links)
        if (::symlinkat(l.target, dev.get(), l.name) != 0 && errno != EEXIST) throw_errno(std::string("symlink /dev/") + l.name);
    if (::access("/proc/kcore", F_OK) == 0) ::symlinkat("/proc/kcore", dev.get(), "core");
}

}  // namespace runac::linux
