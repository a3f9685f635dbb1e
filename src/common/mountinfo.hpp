// /proc/PID/mountinfo, parsed once for every reader (cgroup discovery,
// rootfs propagation).
#pragma once
#include <string>
#include <vector>

namespace runac {

struct MountInfo {
    int id = 0;
    int parent = 0;
    std::string root;        // the part of the filesystem the mount shows
    std::string mountpoint;  // octal escapes ("\040") undone
    std::string options;     // per-mount
    std::vector<std::string> optional;  // "shared:N", "master:N", ...
    std::string fstype;
    std::string source;
    std::string super_options;
};

// One entry per well-formed line: "id parent maj:min root mountpoint opts
// [optional...] - fstype source superopts".
std::vector<MountInfo> parse_mountinfo(const std::string& text);
std::vector<MountInfo> read_mountinfo();  // this process's

}  // namespace runac
