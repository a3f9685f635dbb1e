#include "linux/inroot.hpp"

#include <cerrno>
#include <fcntl.h>
#include <linux/openat2.h>
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

UniqueFd mkdir_all_in_root(int root, const std::string& path, mode_t mode) {
    std::string norm = absolute_path(path, "/");
    UniqueFd dir = must_open_in_root(root, "/", O_PATH | O_DIRECTORY);
    std::string sofar;
    size_t i = 1;
    while (i <= norm.size() && norm != "/") {
        size_t j = norm.find('/', i);
        if (j == std::string::npos) j = norm.size();
        std::string name = norm.substr(i, j - i);
        std::string next = sofar + "/" + name;
        UniqueFd fd = open_in_root(root, next, O_PATH | O_DIRECTORY);
        if (!fd && errno == ENOENT) {
            // Create the missing component in the directory we resolved so far
            // (never through a path string that could be re-resolved).
            if (::mkdirat(dir.get(), name.c_str(), mode) != 0 && errno != EEXIST)
                throw_errno("mkdir " + next + " in the container's rootfs");
            fd = open_in_root(root, next, O_PATH | O_DIRECTORY);
        }
        if (!fd) throw_errno("open " + next + " in the container's rootfs");
        dir = std::move(fd);
        sofar = next;
        i = j + 1;
    }
    return dir;
}

UniqueFd ensure_in_root(int root, const std::string& path, bool as_file) {
    UniqueFd fd = open_in_root(root, path, O_PATH);
    if (fd) return fd;
    if (errno != ENOENT) throw_errno("open " + path + " in the container's rootfs");
    if (!as_file) return mkdir_all_in_root(root, path, 0755);
    std::string norm = absolute_path(path, "/");
    auto slash = norm.rfind('/');
    UniqueFd parent = mkdir_all_in_root(root, norm.substr(0, slash), 0755);
    std::string name = norm.substr(slash + 1);
    UniqueFd created(::openat(parent.get(), name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!created && errno != EEXIST) throw_errno("create " + path + " in the container's rootfs");
    return must_open_in_root(root, path, O_PATH);
}

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

}  // namespace runac::linux
