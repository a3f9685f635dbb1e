#include "linux/userns.hpp"

#include <cerrno>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <string>
#include <time.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/files.hpp"
#include "linux/namespaces.hpp"
#include "linux/process.hpp"

namespace runac::linux {

namespace {

std::string map_text(const std::vector<oci::IdMapping>& mappings) {
    std::string text;
    for (auto& m : mappings)
        text += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " + std::to_string(m.size) + "\n";
    return text;
}

// The kernel takes a map in one write(2) or not at all.
void write_map(pid_t pid, const char* file, const std::vector<oci::IdMapping>& mappings, const std::string& field) {
    if (mappings.empty()) return;
    std::string path = "/proc/" + std::to_string(pid) + "/" + file;
    try {
        write_file(path, map_text(mappings));
    } catch (const Error& e) {
        throw Error(field + ": " + e.what());
    }
}

}  // namespace

void write_id_mappings(pid_t pid, const std::vector<oci::IdMapping>& uids, const std::vector<oci::IdMapping>& gids,
                       const std::string& field) {
    write_map(pid, "uid_map", uids, field + "uidMappings");
    write_map(pid, "gid_map", gids, field + "gidMappings");
}

UniqueFd user_namespace_with(const std::vector<oci::IdMapping>& uids, const std::vector<oci::IdMapping>& gids,
                             const std::string& field) {
    Cloned holder = clone_process(CLONE_NEWUSER, -1);
    if (holder.pid == 0)
        for (;;) ::pause();
    ChildProcess killed_at_return(holder.pid);
    write_id_mappings(holder.pid, uids, gids, field);
    UniqueFd ns(::open(("/proc/" + std::to_string(holder.pid) + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) throw_errno(field + ": open the mapping's user namespace");
    return ns;
}

void become_namespace_root() {
    if (::setresgid(0, 0, 0) != 0) throw_errno("become gid 0 in the user namespace");
    if (::setgroups(0, nullptr) != 0) throw_errno("drop supplementary groups in the user namespace");
    if (::setresuid(0, 0, 0) != 0) throw_errno("become uid 0 in the user namespace");
    // A change of uid makes a process dumpable again: it would then be open
    // to ptrace from the container while it still holds host resources.
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) throw_errno("prctl(PR_SET_DUMPABLE) in the user namespace");
}

void unshare_time_namespace(const oci::Linux& linux) {
    if (::unshare(CLONE_NEWTIME) != 0) throw_errno("unshare the time namespace");
    std::string offsets;
    auto line = [&](clockid_t clock, const std::optional<oci::TimeOffset>& o) {
        if (o) offsets += std::to_string(clock) + " " + std::to_string(o->secs) + " " + std::to_string(o->nanosecs) + "\n";
    };
    line(CLOCK_MONOTONIC, linux.monotonic_offset);
    line(CLOCK_BOOTTIME, linux.boottime_offset);
    if (offsets.empty()) return;
    try {
        write_file("/proc/self/timens_offsets", offsets);
    } catch (const Error& e) {
        throw Error(std::string("linux.timeOffsets: ") + e.what());
    }
}

}  // namespace runac::linux
