// The last steps from runac's code into the user's program, shared by the
// container's init and every `exec`: one sequence, so that a process that
// enters the container later never gets less confinement than its init.
#pragma once
#include <string>
#include <vector>

#include "enforce/plan.hpp"
#include "linux/seccomp.hpp"
#include "linux/sync.hpp"
#include "oci/config.hpp"

namespace runac::linux {

// Everything runac applies to a process on its way into the container: the
// init's and every exec'd process's are built from the same fields, so that
// a later process never gets less confinement than the init. What a policy
// adds joins here.
struct Confinement {
    const oci::Process* process = nullptr;
    const oci::Linux* linux = nullptr;       // the container's (personality)
    const SeccompFilter* seccomp = nullptr;  // compiled by the parent
    int preserve_fds = 0;                    // fds 3 .. 3+N-1 cross into the program
    // The agent policy's, when there is one:
    const enforce::Landlock* landlock = nullptr;
    const std::vector<SeccompFilter>* agent_seccomp = nullptr;  // stacked on `seccomp`, loaded last
};

// What execve(2) receives, with its pointer arrays built in advance: once
// the seccomp filter is loaded runac allocates nothing more.
struct Program {
    std::string path;
    std::vector<std::string> argv;
    std::vector<std::string> env;
    std::vector<char*> c_argv, c_env;  // point into argv and env

    Program() = default;
    Program(Program&&) = default;  // the strings stay where they are
    Program(const Program&) = delete;
};

// The program starts with default signal handling and nothing blocked,
// whatever runac (a foreground `run`, an engine) had set.
void reset_signal_handling();

// Closes every descriptor from 3 on except the caller's preserved ones
// (3 .. 3+preserve_fds-1) and `keep`: a clone copies all of runac's fds (a
// state lock, log files), and O_CLOEXEC would only drop them at execve.
// Throws when it cannot: a leaked host fd is the CVE-2024-21626 class.
void close_fds_except(int preserve_fds, std::vector<int> keep);

// Inside the container (its root in place): enters process.cwd, finds the
// executable with the container's PATH (the error text is the one Docker
// maps to 127) and completes the environment (HOME from /etc/passwd).
Program prepare_program(const oci::Process& process);

// Scheduling, personality, AppArmor, seccomp, user, capabilities, umask,
// noNewPrivileges, then the policy's Landlock domain and its seccomp
// filter, in the order the kernel needs them. A seccomp notify
// fd goes to the parent (SeccompNotify). Afterwards only the handshake with
// runac and execve(2) remain, so whatever can fail has failed, and the
// seccomp filter sees almost none of runac's own syscalls.
void confine(const Confinement& c, const Channel& parent);

// execve(2); returns only on failure, with the error text.
std::string exec_program(const Program& program);

}  // namespace runac::linux
