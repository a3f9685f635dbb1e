// The container's cgroup: one directory in every mounted hierarchy, so the
// same code serves cgroup v1, v2 and the hybrid layout (v1 controllers plus
// the unified hierarchy, joined too, as runc does).
#pragma once
#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "oci/config.hpp"

namespace runac::cgroups {

struct Hierarchy {
    std::string mountpoint;   // /sys/fs/cgroup/memory
    std::string controllers;  // "memory", "cpu,cpuacct", "name=systemd"; "" for v2
    bool unified = false;     // cgroup2
    std::string own_path;     // this process's cgroup inside it ("/user.slice")
};

// Mounted hierarchies, read from /proc/self/mountinfo and /proc/self/cgroup.
std::vector<Hierarchy> discover();

// A process's cgroup-v2 path as /proc/PID/cgroup names it ("0::/path"); ""
// when it has none (or is gone).
std::string unified_cgroup_of(pid_t pid);
// ... and its directory: the mounted hierarchy's path to it.
std::string unified_dir_of(pid_t pid);

// Owns the container's cgroup directories; removes them on destruction
// unless released (the success path of `create`).
class Cgroup {
public:
    // The directories for config's cgroupsPath: an absolute path is taken
    // under each hierarchy's root, a relative one (or the container id when
    // empty) under runac's own cgroup, as runc does. `record_first` gets
    // the directories before any is made: a create killed half-way leaves
    // a record of all it may have made.
    static Cgroup create(const std::string& cgroups_path, const std::string& id,
                         const std::function<void(const std::vector<std::string>&)>& record_first = {});
    // The directories recorded in a container's state (not owned).
    static Cgroup from_paths(std::vector<std::string> paths);

    Cgroup(Cgroup&&) noexcept;
    Cgroup& operator=(Cgroup&&) = delete;
    Cgroup(const Cgroup&) = delete;
    ~Cgroup();

    const std::vector<std::string>& paths() const { return paths_; }
    // Moves PID into every directory but `except` (one it was born in).
    void add_process(pid_t pid, const std::string& except = "") const;
    // The cgroup v2 directory, "" when there is none.
    std::string unified_path() const;
    // Pure cgroup v2: the controllers are on the unified hierarchy. A hybrid
    // host (v1 controllers plus an empty unified hierarchy) is v1 here, as
    // it is to runc.
    bool v2() const { return paths_.size() == 1 && !unified_.empty(); }
    // The directory among the container's that has FILE ("memory.max"),
    // "" when no mounted controller provides it.
    std::string dir_with(const std::string& file) const;
    // Every pid in the cgroup (the first hierarchy that has any).
    std::vector<pid_t> pids() const;
    // Signals every process; a frozen cgroup is thawed for SIGKILL, which a
    // frozen v1 task would otherwise only receive once thawed.
    void signal_all(int sig) const;
    bool frozen() const;
    // Freezes every process and waits until the kernel reports it frozen.
    void freeze() const;
    void thaw() const;
    // cgroup v2 delegation: the directory and the files the kernel lists in
    // /sys/kernel/cgroup/delegate become UID:GID's (nothing on v1).
    void delegate(uid_t uid, gid_t gid) const;
    // Kills what is left, waits for it, removes the directories.
    void destroy();
    void release() { owned_ = false; }

private:
    explicit Cgroup(std::vector<std::string> paths, bool owned) : paths_(std::move(paths)), owned_(owned) {}
    std::vector<std::string> paths_;
    bool owned_;
    bool others_inside_ = false;  // create found processes in it already
    std::string unified_;  // the v2 directory among paths_, "" when none
};

}  // namespace runac::cgroups
