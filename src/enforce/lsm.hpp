// The BPF LSM layer: the programs of bpf/lsm.bpf.c, loaded by each create
// that needs them (the rules are the object's own maps), filled with the
// files the init found in the container's filesystem, and attached to the
// container's cgroup-v2 directory as lsm_cgroup programs with
// BPF_PROG_ATTACH: they check the container's processes only, live with the
// cgroup, and no runac process needs to stay alive. `delete` takes them off.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <utility>
#include <vector>

#include "common/fd.hpp"
#include "common/json.hpp"
#include "enforce/coverage.hpp"
#include "enforce/plan.hpp"

namespace runac::enforce {

// Inline, so that what only reads the rule table (the policy fuzzer) needs
// no libbpf.
inline const std::vector<Covers>& lsm_covers() {
    static const std::vector<Covers> covers = {
        {Rule::FilesystemDeny, Mechanism::BpfLsm},
        {Rule::Commands, Mechanism::BpfLsm},
        {Rule::MemfdExec, Mechanism::BpfLsm},
        {Rule::SecretTools, Mechanism::BpfLsm},
    };
    return covers;
}

// A file as the programs know it: its file system's device, in the
// kernel's encoding (major << 20 | minor), and its inode number.
struct FileId {
    uint32_t dev = 0;
    uint64_t ino = 0;
    bool operator==(const FileId&) const = default;
};
FileId file_id(const struct stat& st);

// What the init found for the programs' maps, in the filesystem the
// container's processes see (the denied files before their over-mounts).
struct LsmFiles {
    std::vector<FileId> deny;                                 // denied files and directories
    std::vector<std::pair<FileId, std::string>> deny_names;  // a directory, a denied name in it
    std::vector<FileId> exec;                                 // what execve may run
    struct Secret {
        FileId file;
        std::vector<FileId> tools;  // the executables that may open it
    };
    std::vector<Secret> secrets;
};
void write_lsm_files(JsonWriter& w, const LsmFiles& files);
LsmFiles parse_lsm_files(const JsonValue& v);

// The programs' maps the monitor works with (policy.escalation: prompt),
// by the fds its process inherits from create.
struct LsmMaps {
    int exec = -1;     // runac_exec: an approved executable goes in, live
    int refused = -1;  // runac_exec_refused: the refused executes, a ring buffer
    // Throws an Error.
    void allow_exec(const FileId& file) const;
    std::vector<int> fds() const { return {exec, refused}; }
};

// One record of runac_exec_refused (bpf/lsm.bpf.c's struct exec_refusal);
// nullopt for a record of another size.
struct ExecRefusal {
    uint32_t pid = 0;     // as the host sees it
    std::string command;  // the refused process's comm
    FileId file;          // what it tried to execute
    std::string name;     // ... by its file name
};
std::optional<ExecRefusal> exec_refusal(const void* data, size_t size);

// Attached until destroyed, unless kept: a create that fails on the way
// leaves no program on the cgroup.
class LsmPrograms {
public:
    // Loads, fills and attaches; throws an Error naming the layer.
    static LsmPrograms attach(const Lsm& lsm, const LsmFiles& files, const std::string& cgroup_dir);
    LsmPrograms(LsmPrograms&& other) noexcept = default;
    LsmPrograms& operator=(LsmPrograms&&) = delete;
    ~LsmPrograms();
    // From now on the programs live with the cgroup.
    void keep() { kept_ = true; }
    LsmMaps monitor_maps() const { return {exec_.get(), refused_.get()}; }

private:
    LsmPrograms() = default;
    UniqueFd cgroup_;
    std::vector<UniqueFd> attached_;
    UniqueFd exec_, refused_;
    bool kept_ = false;
};

// `delete`: takes runac's LSM programs off a cgroup directory (they would
// go with the cgroup, but a cgroup runac did not make outlives the
// container). A directory already gone took them with it.
void detach_lsm(const std::string& cgroup_dir);

}  // namespace runac::enforce
