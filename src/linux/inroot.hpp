// Paths inside the container's rootfs, resolved by the kernel as if the
// rootfs were "/" (openat2 RESOLVE_IN_ROOT): a symlink in a hostile image --
// absolute, "../"-relative, or swapped during setup -- can never lead runac
// to mount, create or write anything outside the rootfs.
#pragma once
#include <string>
#include <sys/types.h>

#include "common/fd.hpp"

namespace runac::linux {

// openat2(root, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS [| extra]);
// returns an invalid fd with errno set on failure.
UniqueFd open_in_root(int root, const std::string& path, int flags, unsigned long long extra_resolve = 0);
// Same, but throws Error naming the path.
UniqueFd must_open_in_root(int root, const std::string& path, int flags, unsigned long long extra_resolve = 0);
// mkdir -p inside the root; returns an O_PATH fd of the final directory. A
// dangling symlink on the way is followed (inside the root) and what it
// names is created.
UniqueFd mkdir_all_in_root(int root, const std::string& path, mode_t mode);
// Makes sure PATH exists inside the root (a directory, or an empty regular
// file when `as_file`), as mkdir_all_in_root does, and returns an O_PATH fd
// to it, ready to mount on.
UniqueFd ensure_in_root(int root, const std::string& path, bool as_file);
// "/proc/self/fd/N": how mount(2) is pointed at an fd-resolved target.
std::string fd_path(int fd);

}  // namespace runac::linux
