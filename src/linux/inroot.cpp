#include "linux/inroot.hpp"

#include <cerrno>
#include <fcntl.h>
#include <linux/openat2.h>
#include <optional>
#include <string>
#include <vector>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/files.hpp"

namespace runac::linux {

UniqueFd open_in_root(int root, const std::string& path, int flags, unsigned long long extra_resolve) {
    struct open_how how = {};
    how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra_resolve;
    std::string rel = path;
    while (!rel.empty() && rel[0] == '/') rel.erase(0, 1);
    if (rel.empty()) rel = ".";
    for (;;) {
        long fd = ::syscall(SYS_openat2, root, rel.c_str(), &how, sizeof how);
        if (fd >= 0) return UniqueFd(static_cast<int>(fd));
        if (errno != EAGAIN && errno != EINTR) return UniqueFd();  // EAGAIN: a rename raced the lookup
    }
}

UniqueFd must_open_in_root(int root, const std::string& path, int flags, unsigned long long extra_resolve) {
    UniqueFd fd = open_in_root(root, path, flags, extra_resolve);
    if (!fd) throw_errno("open " + path + " in the container's rootfs");
    return fd;
}

namespace {

// The kernel's own limit on symlinks in one lookup.
constexpr int kMaxSymlinks = 40;

// PATH's components; "" and "." dropped, ".." kept: only the kernel knows
// where ".." leads once symlinks came before it.
std::vector<std::string> components(const std::string& path) {
    std::vector<std::string> out;
    for (auto& part : split(path, '/'))
        if (!part.empty() && part != ".") out.push_back(part);
    return out;
}

// Creates NAME in DIR (an empty regular file or a directory); an existing
// entry of any kind is left as it is.
void create_entry(int dir, const std::string& name, bool as_file, mode_t mode, const std::string& what) {
    if (as_file) {
        UniqueFd created(::openat(dir, name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644));
        if (!created && errno != EEXIST) throw_errno("create " + what + " in the container's rootfs");
    } else if (::mkdirat(dir, name.c_str(), mode) != 0 && errno != EEXIST) {
        throw_errno("mkdir " + what + " in the container's rootfs");
    }
}

// The target of the symlink NAME in DIR, or nullopt when NAME is no symlink.
std::optional<std::string> read_link_at(int dir, const std::string& name) {
    std::string target(4096, '\0');
    ssize_t n = ::readlinkat(dir, name.c_str(), target.data(), target.size());
    if (n < 0) return std::nullopt;
    target.resize(static_cast<size_t>(n));
    return target;
}

// Walks PATH from the root, creating each missing component in the
// directory resolved so far (never through a path string that could be
// re-resolved). A dangling symlink is followed inside the root, and what it
// names is created in turn, as runc does: an image whose /dev or mount
// destination points at a path it lacks still gets it, inside the rootfs.
UniqueFd create_in_root(int root, const std::string& path, bool as_file, mode_t mode) {
    std::string todo = path;
    for (int hops = 0; hops <= kMaxSymlinks; hops++) {
        std::vector<std::string> parts = components(todo);
        UniqueFd dir = must_open_in_root(root, "/", O_PATH | O_DIRECTORY);
        std::string sofar;
        std::optional<std::string> redirected;
        for (size_t k = 0; k < parts.size() && !redirected; k++) {
            bool file = as_file && k + 1 == parts.size();
            std::string next = sofar + "/" + parts[k];
            UniqueFd fd = open_in_root(root, next, O_PATH | (file ? 0 : O_DIRECTORY));
            if (!fd && errno == ENOENT) {
                create_entry(dir.get(), parts[k], file, mode, next);
                fd = open_in_root(root, next, O_PATH | (file ? 0 : O_DIRECTORY));
            }
            if (!fd && errno == ENOENT) {
                // Still missing once created: a symlink to a path that does not exist.
                auto target = read_link_at(dir.get(), parts[k]);
                if (!target) throw_errno("open " + next + " in the container's rootfs", ENOENT);
                std::string rest;
                for (size_t r = k + 1; r < parts.size(); r++) rest += "/" + parts[r];
                redirected = (starts_with(*target, "/") ? "" : sofar + "/") + *target + rest;
                break;
            }
            if (!fd) throw_errno("open " + next + " in the container's rootfs");
            dir = std::move(fd);
            sofar = next;
        }
        if (!redirected) return dir;
        todo = *redirected;
    }
    throw_errno("open " + path + " in the container's rootfs", ELOOP);
}

}  // namespace

UniqueFd mkdir_all_in_root(int root, const std::string& path, mode_t mode) {
    return create_in_root(root, absolute_path(path, "/"), false, mode);
}

UniqueFd ensure_in_root(int root, const std::string& path, bool as_file) {
    UniqueFd fd = open_in_root(root, path, O_PATH);
    if (fd) return fd;
    if (errno != ENOENT) throw_errno("open " + path + " in the container's rootfs");
    return create_in_root(root, absolute_path(path, "/"), as_file, 0755);
}

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

}  // namespace runac::linux
