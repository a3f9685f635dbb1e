// Processes as the kernel sees them: identity that survives pid reuse, and
// signals that cannot hit a recycled pid.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>

namespace runac::linux {

struct ProcStat {
    char state;           // R, S, D, Z, X, T, ...
    uint64_t start_time;  // clock ticks after boot: with the pid, a unique identity
};

// Our child: killed and reaped on destruction unless released (the success
// path), so no error leaves a half-built process behind.
class ChildProcess {
public:
    explicit ChildProcess(pid_t pid) : pid_(pid) {}
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess();
    pid_t release() { return std::exchange(pid_, 0); }

private:
    pid_t pid_;
};

// How our child PID ended ("killed by signal 9 (Killed)", "exited with
// status 1"), once it has: waits for it, but leaves it for its
// ChildProcess to reap, so that nothing can signal a recycled pid.
std::string how_child_ended(pid_t pid);

// /proc/PID/stat, or nullopt when the process is gone.
std::optional<ProcStat> read_proc_stat(pid_t pid);

// True while PID is still the process that started at `start_time` and has
// not exited (a zombie counts as exited).
bool is_alive(pid_t pid, uint64_t start_time);

// Sends `sig` to PID only if it is still the process that started at
// `start_time`: a pidfd pins the process, then the start time is checked.
// Returns false when the process is gone.
bool signal_process(pid_t pid, uint64_t start_time, int sig);

// Waits up to `timeout_ms` for the process to exit; true if it did.
bool wait_for_exit(pid_t pid, uint64_t start_time, int timeout_ms);

// "KILL", "SIGKILL" or "9" -> 9; throws Error on an unknown signal.
int parse_signal(const std::string& name);

}  // namespace runac::linux
