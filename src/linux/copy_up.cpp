#include "linux/copy_up.hpp"

#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <string>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/fd.hpp"

namespace runac::linux {

namespace {

void copy_file(int from, int to, const char* name, const struct stat& st) {
    UniqueFd in(::openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in) throw_errno(std::string("tmpcopyup: open ") + name);
    UniqueFd out(::openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out) throw_errno(std::string("tmpcopyup: create ") + name);
    for (off_t left = st.st_size; left > 0;) {
        ssize_t n = ::sendfile(out.get(), in.get(), nullptr, static_cast<size_t>(left));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno(std::string("tmpcopyup: copy ") + name);
        if (n == 0) break;  // the file shrank meanwhile
        left -= n;
    }
    if (::fchown(out.get(), st.st_uid, st.st_gid) != 0 || ::fchmod(out.get(), st.st_mode & 07777) != 0)
        throw_errno(std::string("tmpcopyup: set owner and mode of ") + name);
}

}  // namespace

void copy_tree(int from, int to) {
    DIR* d = ::fdopendir(::dup(from));
    if (!d) throw_errno("tmpcopyup: read directory");
    std::unique_ptr<DIR, int (*)(DIR*)> owner(d, ::closedir);
    while (struct dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        struct stat st;
        if (::fstatat(from, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_errno("tmpcopyup: stat " + name);
        if (S_ISDIR(st.st_mode)) {
            if (::mkdirat(to, name.c_str(), 0700) != 0) throw_errno("tmpcopyup: mkdir " + name);
            UniqueFd sub_from(::openat(from, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            UniqueFd sub_to(::openat(to, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!sub_from || !sub_to) throw_errno("tmpcopyup: open " + name);
            copy_tree(sub_from.get(), sub_to.get());
            if (::fchown(sub_to.get(), st.st_uid, st.st_gid) != 0 || ::fchmod(sub_to.get(), st.st_mode & 07777) != 0)
                throw_errno("tmpcopyup: set owner and mode of " + name);
        } else if (S_ISREG(st.st_mode)) {
            copy_file(from, to, name.c_str(), st);
        } else if (S_ISLNK(st.st_mode)) {
            std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
            ssize_t n = ::readlinkat(from, name.c_str(), target.data(), target.size());
            if (n < 0) throw_errno("tmpcopyup: readlink " + name);
            target.resize(static_cast<size_t>(n));
            if (::symlinkat(target.c_str(), to, name.c_str()) != 0 ||
                ::fchownat(to, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0)
                throw_errno("tmpcopyup: symlink " + name);
        } else if (S_ISFIFO(st.st_mode)) {
            if (::mkfifoat(to, name.c_str(), st.st_mode & 07777) != 0 ||
                ::fchownat(to, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0)
                throw_errno("tmpcopyup: mkfifo " + name);
        }
        // Device nodes and sockets stay behind: an image must not bring a
        // device into the container through a writable copy.
    }
}

}  // namespace runac::linux
