#include "linux/program.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/files.hpp"
#include "enforce/landlock.hpp"
#include "linux/credentials.hpp"
#include "linux/sync.hpp"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace runac::linux {

namespace {

std::string env_value(const std::vector<std::string>& env, const std::string& name) {
    for (auto& e : env)
        if (starts_with(e, name + "=")) return e.substr(name.size() + 1);
    return "";
}

bool executable_file(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

std::string resolve_executable(const oci::Process& process) {
    const std::string& name = process.args[0];
    if (name.find('/') != std::string::npos) {
        struct stat st;
        if (::stat(name.c_str(), &st) != 0)
            throw Error("exec: \"" + name + "\": stat " + name + ": " + std::strerror(errno));
        if (!executable_file(name)) throw Error("exec: \"" + name + "\": permission denied");
        return name;
    }
    std::string path = env_value(process.env, "PATH");
    if (path.empty()) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    size_t i = 0;
    while (i <= path.size()) {
        size_t j = path.find(':', i);
        if (j == std::string::npos) j = path.size();
        std::string dir = path.substr(i, j - i);
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (executable_file(candidate)) return candidate;
        i = j + 1;
    }
    throw Error("exec: \"" + name + "\": executable file not found in $PATH");
}

// HOME from the container's /etc/passwd when the process does not set it (as runc).
std::vector<std::string> process_env(const oci::Process& process) {
    std::vector<std::string> env = process.env;
    if (!env_value(env, "HOME").empty()) return env;
    std::string home = "/";
    for (auto& line : lines(read_file_if_exists("/etc/passwd").value_or(""))) {
        std::vector<std::string> f = split(line, ':');  // name:x:uid:gid:gecos:home:shell
        if (f.size() >= 6 && f[2] == std::to_string(process.user.uid)) {
            home = f[5];
            break;
        }
    }
    env.push_back("HOME=" + home);
    return env;
}

// A cwd reached through a leaked fd (a "/proc/self/fd/N" cwd, the
// CVE-2024-21626 class) can be a host directory beneath the container's
// root: the kernel's getcwd then says the directory is unreachable (a path
// not starting with "/", or ENOENT). Such a process must never start.
void check_cwd_inside_root(const std::string& cwd) {
    std::string buf(PATH_MAX, '\0');
    long n = ::syscall(SYS_getcwd, buf.data(), buf.size());
    if ((n < 0 && errno == ENOENT) || (n > 0 && buf[0] != '/'))
        throw Error("process.cwd: " + cwd + " is outside the container's root");
    if (n < 0) throw_errno("process.cwd: getcwd");
}

void load_seccomp(const SeccompFilter& filter, const Channel& parent) {
    UniqueFd notify(filter.load());
    if (notify) parent.send(Msg::SeccompNotify, "", notify.get());
}

// close_range(2) over [first, last], or (for the kernel that refuses it)
// the same through /proc/self/fd, as crun does; `cloexec` marks the fds
// instead of closing them.
void close_range_or_each(unsigned first, unsigned last, bool cloexec) {
    if (first > last) return;
    if (::syscall(SYS_close_range, first, last, cloexec ? CLOSE_RANGE_CLOEXEC : 0) == 0) return;
    std::vector<int> open;
    try {
        for (auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
            open.push_back(std::stoi(entry.path().filename().string()));
    } catch (const std::exception& e) {
        throw Error(std::string("close runac's file descriptors: close_range failed and /proc/self/fd: ") + e.what());
    }
    for (int fd : open) {
        if (fd < 0 || static_cast<unsigned>(fd) < first || static_cast<unsigned>(fd) > last) continue;
        if (cloexec ? ::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 && errno != EBADF : ::close(fd) != 0 && errno != EBADF)
            throw_errno("close runac's file descriptor " + std::to_string(fd));
    }
}

}  // namespace

void reset_signal_handling() {
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

void close_fds_except(int preserve_fds, std::vector<int> keep) {
    unsigned next = 3 + static_cast<unsigned>(preserve_fds);
    std::sort(keep.begin(), keep.end());
    for (int fd : keep) {
        if (fd < 0 || static_cast<unsigned>(fd) < next) continue;
        if (static_cast<unsigned>(fd) > next) close_range_or_each(next, static_cast<unsigned>(fd) - 1, false);
        next = static_cast<unsigned>(fd) + 1;
    }
    close_range_or_each(next, ~0U, false);
}

Program prepare_program(const oci::Process& process) {
    if (::chdir(process.cwd.c_str()) != 0) throw_errno("process.cwd: chdir " + process.cwd);
    check_cwd_inside_root(process.cwd);
    Program p;
    p.path = resolve_executable(process);
    p.argv = process.args;
    p.env = process_env(process);
    for (auto& a : p.argv) p.c_argv.push_back(a.data());
    p.c_argv.push_back(nullptr);
    for (auto& e : p.env) p.c_env.push_back(e.data());
    p.c_env.push_back(nullptr);
    return p;
}

void confine(const Confinement& c, const Channel& parent) {
    const oci::Process& process = *c.process;
    apply_scheduling(process);
    apply_personality(*c.linux);
    apply_apparmor_profile(process);
    // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it
    // while runac still holds it (the filter then sees the steps below).
    if (c.seccomp && !process.no_new_privileges) load_seccomp(*c.seccomp, parent);
    apply_user_and_capabilities(process);
    ::umask(process.user.umask.value_or(022));
    apply_no_new_privileges(process);
    // Only the fds asked for cross into the program (3 .. 3+preserve-1);
    // whatever else is still open is closed by the exec. A preserved fd the
    // caller did not open is simply not there.
    for (int fd = 3; fd < 3 + c.preserve_fds; fd++)
        if (::fcntl(fd, F_SETFD, 0) != 0 && errno != EBADF) throw_errno("--preserve-fds: fd " + std::to_string(fd));
    close_range_or_each(3 + static_cast<unsigned>(c.preserve_fds), ~0U, true);
    // Landlock before any filter: an engine's profile may not know its
    // syscalls. noNewPrivileges makes it possible without CAP_SYS_ADMIN.
    if (c.landlock) enforce::apply_landlock(*c.landlock);
    if (c.seccomp && process.no_new_privileges) load_seccomp(*c.seccomp, parent);
    // Last: the agent filter refuses what the steps above still needed.
    if (c.agent_seccomp)
        for (auto& filter : *c.agent_seccomp) load_seccomp(filter, parent);
}

std::string exec_program(const Program& program) {
    ::execve(program.path.c_str(), program.c_argv.data(), program.c_env.data());
    return "exec " + program.path + ": " + std::strerror(errno);
}

}  // namespace runac::linux
