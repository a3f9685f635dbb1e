// config.json mount options -> mount(2) flags, propagation and fs data.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace runac::linux {

struct MountOptions {
    unsigned long flags = 0;        // MS_RDONLY, MS_NOSUID, MS_BIND, MS_REC, ...
    unsigned long propagation = 0;  // MS_SHARED / MS_SLAVE / MS_PRIVATE / MS_UNBINDABLE (| MS_REC)
    std::string data;               // what the filesystem parses itself ("mode=755,size=65536k")
    bool copy_up = false;           // tmpcopyup: a tmpfs starts with the directory's contents
    // "rro", "rnosuid", ...: mount_setattr(2) attributes for the whole tree.
    uint64_t recursive_set = 0, recursive_clear = 0;
    // "idmap" / "ridmap": a bind seen through id mappings (of the tree for ridmap).
    bool idmap = false, idmap_recursive = false;
    bool bind() const;
};

// Unknown options are passed to the filesystem as data, as runc does.
MountOptions parse_mount_options(const std::vector<std::string>& options);
// The propagation flags of "rshared", "private", ...; 0 if not one.
unsigned long propagation_flag(const std::string& name);
// Every option runac itself interprets (flags and propagation), sorted.
std::vector<std::string> mount_option_names();

}  // namespace runac::linux
