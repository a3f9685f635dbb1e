#include "common/files.hpp"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "common/error.hpp"
#include "common/fd.hpp"

namespace runac {

void throw_errno(const std::string& what, int err) { throw Error(what + ": " + std::strerror(err)); }
void throw_errno(const std::string& what) { throw_errno(what, errno); }

std::optional<std::string> read_file_if_exists(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return std::nullopt;
        throw_errno("open " + path);
    }
    return read_all(fd.get(), path);
}

std::string read_all(int fd, const std::string& what) {
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("read " + what);
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

void make_dirs(const std::string& path, mode_t mode, const std::string& what) {
    if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) return;
    if (errno != ENOENT) throw_errno(what + ": create " + path);
    for (size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1))
        if (::mkdir(path.substr(0, slash).c_str(), 0700) != 0 && errno != EEXIST) throw_errno(what + ": create " + path);
    if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) throw_errno(what + ": create " + path);
}

bool path_exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

std::string read_file(const std::string& path) {
    auto content = read_file_if_exists(path);
    if (!content) throw_errno("open " + path, ENOENT);
    return *content;
}

void write_all(int fd, const std::string& data, const std::string& path) {
    size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("write " + path);
        }
        off += static_cast<size_t>(n);
    }
}

void write_file_atomic(const std::string& path, const std::string& data, mode_t mode) {
    std::string tmp = path + ".tmp." + std::to_string(::getpid());
    {
        UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
        if (!fd) throw_errno("open " + tmp);
        try {
            write_all(fd.get(), data, tmp);
        } catch (...) {
            ::unlink(tmp.c_str());
            throw;
        }
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw_errno("rename " + tmp + " to " + path, err);
    }
}

void write_file(const std::string& path, const std::string& data) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) throw_errno("open " + path);
    for (;;) {
        ssize_t n = ::write(fd.get(), data.data(), data.size());
        if (n >= 0) return;
        if (errno != EINTR) throw_errno("write " + path);
    }
}

std::string trim(const std::string& s) {
    const char* ws = " \t\r\n";
    auto b = s.find_first_not_of(ws);
    if (b == std::string::npos) return "";
    auto e = s.find_last_not_of(ws);
    return s.substr(b, e - b + 1);
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

std::string absolute_path(const std::string& path, const std::string& base) {
    std::string full = (!path.empty() && path[0] == '/') ? path : base + "/" + path;
    std::vector<std::string> parts;
    size_t i = 0;
    while (i <= full.size()) {
        size_t j = full.find('/', i);
        if (j == std::string::npos) j = full.size();
        std::string part = full.substr(i, j - i);
        if (part == "..") {
            if (!parts.empty()) parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        i = j + 1;
    }
    std::string out;
    for (auto& p : parts) out += "/" + p;
    return out.empty() ? "/" : out;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    size_t i = 0;
    for (;;) {
        size_t j = s.find(sep, i);
        out.push_back(s.substr(i, j == std::string::npos ? std::string::npos : j - i));
        if (j == std::string::npos) return out;
        i = j + 1;
    }
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    for (size_t i = 0; i < text.size();) {
        size_t j = text.find('\n', i);
        if (j == std::string::npos) j = text.size();
        out.push_back(text.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

std::vector<std::string> words(const std::string& line) {
    std::vector<std::string> out;
    for (size_t i = line.find_first_not_of(" \t"); i != std::string::npos; i = line.find_first_not_of(" \t", i)) {
        size_t j = line.find_first_of(" \t", i);
        out.push_back(line.substr(i, j == std::string::npos ? std::string::npos : j - i));
        i = j;
    }
    return out;
}

std::optional<uint64_t> parse_uint(const std::string& s) {
    if (s.empty() || s.size() > 20) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        uint64_t next = v * 10 + static_cast<uint64_t>(c - '0');
        if (next / 10 != v) return std::nullopt;  // overflow
        v = next;
    }
    return v;
}

std::string current_dir() {
    char buf[4096];
    if (!::getcwd(buf, sizeof buf)) throw_errno("getcwd");
    return buf;
}

namespace {
// DIR's entries that are directories (or those that are not), without
// "." and "..".
std::vector<std::string> entries(const std::string& dir, bool directories) {
    std::vector<std::string> out;
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
    if (!d) return out;
    while (struct dirent* e = ::readdir(d.get())) {
        std::string name = e->d_name;
        if ((e->d_type == DT_DIR) == directories && name != "." && name != "..") out.push_back(name);
    }
    return out;
}
}  // namespace

std::vector<std::string> subdirectories(const std::string& dir) { return entries(dir, true); }

std::vector<std::string> files_in(const std::string& dir) { return entries(dir, false); }

}  // namespace runac
