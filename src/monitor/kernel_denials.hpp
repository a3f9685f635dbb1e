// The container's refusals that only the kernel's audit reports: Landlock's
// (type 1423, one per refused access, naming its domain; 1424, once per
// domain, naming the process that made it) and the agent seccomp filter's
// (1326, which it logs: SECCOMP_FILTER_FLAG_LOG). The audit's records are
// the host's, every container's: a Landlock domain is the container's when
// the process that made it (the init, or a `runac exec`) is, and a seccomp
// record when the refused process is. Pure: records come in as the
// kernel's text, membership as a function, so tests feed the kernel's own
// lines.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.hpp"

namespace runac::monitor {

struct KernelDenial {
    std::string rule;    // the policy's rule: "filesystem.write", "shell.commands", "baseline", ...
    std::string layer;   // "landlock" or "seccomp"
    std::string access;  // Landlock's blockers ("fs.make_dir"), or the refused system call
    std::string path;    // Landlock: the path, as the container sees it
    uint32_t pid = 0;    // the refused process (the host's pid); 0: not known
    std::string command, executable;
};
void kernel_denial_fields(JsonWriter& w, const KernelDenial& d);

struct ContainerView {
    std::function<bool(uint32_t pid)> member;  // a process of the container (or a zombie of one)
    std::vector<std::string> deny;             // filesystem.deny: a refusal below one is its rule's
    bool commands = false;                     // shell.commands: a refused execute is its rule's
};

class KernelDenials {
public:
    KernelDenials(ContainerView container, std::function<void(const KernelDenial&)> emit)
        : container_(std::move(container)), emit_(std::move(emit)) {}
    // One record of the audit's log group.
    void record(uint16_t type, std::string_view text);
    // Once a second: events no record completed since the last call.
    void flush();
    // At the end: every event still open.
    void finish_all();

private:
    // The records of one audit event (one serial): its Landlock refusals,
    // and the process, from its SYSCALL record.
    struct Event {
        std::vector<std::pair<std::string, KernelDenial>> refused;  // domain, denial
        uint32_t pid = 0;
        std::string command, executable;
        bool seen_at_flush = false;
    };
    void finish(uint64_t serial);

    ContainerView container_;
    std::function<void(const KernelDenial&)> emit_;
    std::map<uint64_t, Event> events_;
    std::set<std::string> domains_;  // the container's Landlock domains
};

}  // namespace runac::monitor
