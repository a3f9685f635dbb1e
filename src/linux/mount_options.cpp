#include "linux/mount_options.hpp"

#include <algorithm>
#include <utility>
#include <sys/mount.h>

namespace runac::linux {

namespace {
struct Flag {
    const char* name;
    bool clear;
    unsigned long flag;
};
const Flag kFlags[] = {
    {"async", true, MS_SYNCHRONOUS},   {"atime", true, MS_NOATIME},       {"bind", false, MS_BIND},
    {"defaults", false, 0},            {"dev", true, MS_NODEV},           {"diratime", true, MS_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC},    {"exec", true, MS_NOEXEC},         {"iversion", false, MS_I_VERSION},
    {"lazytime", false, MS_LAZYTIME},  {"loud", true, MS_SILENT},         {"mand", false, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},    {"nodev", false, MS_NODEV},        {"nodiratime", false, MS_NODIRATIME},
    {"noexec", false, MS_NOEXEC},      {"noiversion", true, MS_I_VERSION}, {"nolazytime", true, MS_LAZYTIME},
    {"nomand", true, MS_MANDLOCK},     {"norelatime", true, MS_RELATIME}, {"nostrictatime", true, MS_STRICTATIME},
    {"nosuid", false, MS_NOSUID},      {"rbind", false, MS_BIND | MS_REC}, {"relatime", false, MS_RELATIME},
    {"remount", false, MS_REMOUNT},    {"ro", false, MS_RDONLY},          {"rw", true, MS_RDONLY},
    {"silent", false, MS_SILENT},      {"strictatime", false, MS_STRICTATIME}, {"suid", true, MS_NOSUID},
    {"sync", false, MS_SYNCHRONOUS},
};
const std::pair<const char*, unsigned long> kPropagation[] = {
    {"private", MS_PRIVATE},         {"rprivate", MS_PRIVATE | MS_REC}, {"shared", MS_SHARED},
    {"rshared", MS_SHARED | MS_REC}, {"slave", MS_SLAVE},               {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE},   {"runbindable", MS_UNBINDABLE | MS_REC},
};
}  // namespace

bool MountOptions::bind() const { return (flags & MS_BIND) != 0; }

unsigned long propagation_flag(const std::string& name) {
    for (auto& [n, flag] : kPropagation)
        if (name == n) return flag;
    return 0;
}

std::vector<std::string> mount_option_names() {
    std::vector<std::string> out;
    for (auto& f : kFlags) out.push_back(f.name);
    for (auto& p : kPropagation) out.push_back(p.first);
    out.push_back("tmpcopyup");
    std::sort(out.begin(), out.end());
    return out;
}

MountOptions parse_mount_options(const std::vector<std::string>& options) {
    MountOptions out;
    for (auto& opt : options) {
        if (opt == "tmpcopyup") {
            out.copy_up = true;
            continue;
        }
        if (unsigned long p = propagation_flag(opt)) {
            out.propagation = p;
            continue;
        }
        bool known = false;
        for (auto& f : kFlags) {
            if (opt != f.name) continue;
            known = true;
            if (f.clear)
                out.flags &= ~f.flag;
            else
                out.flags |= f.flag;
        }
        if (!known) out.data += (out.data.empty() ? "" : ",") + opt;
    }
    return out;
}

}  // namespace runac::linux
