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
    {"nosymfollow", false, MS_NOSYMFOLLOW}, {"symfollow", true, MS_NOSYMFOLLOW},
    {"remount", false, MS_REMOUNT},    {"ro", false, MS_RDONLY},          {"rw", true, MS_RDONLY},
    {"silent", false, MS_SILENT},      {"strictatime", false, MS_STRICTATIME}, {"suid", true, MS_NOSUID},
    {"sync", false, MS_SYNCHRONOUS},
};
const std::pair<const char*, unsigned long> kPropagation[] = {
    {"private", MS_PRIVATE},         {"rprivate", MS_PRIVATE | MS_REC}, {"shared", MS_SHARED},
    {"rshared", MS_SHARED | MS_REC}, {"slave", MS_SLAVE},               {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE},   {"runbindable", MS_UNBINDABLE | MS_REC},
};
// The recursive forms (runc 1.2's): set or clear one attribute on every
// mount of the tree. An atime mode is a field, not a bit: setting one
// clears the field first; clearing one goes back to the default, relatime.
struct Attr {
    const char* name;
    bool clear;
    uint64_t attr;
};
const Attr kRecursive[] = {
    {"rro", false, MOUNT_ATTR_RDONLY},           {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},       {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rnodev", false, MOUNT_ATTR_NODEV},         {"rdev", true, MOUNT_ATTR_NODEV},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},       {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME}, {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rrelatime", false, MOUNT_ATTR_RELATIME},   {"rnorelatime", true, MOUNT_ATTR_RELATIME},
    {"rnoatime", false, MOUNT_ATTR_NOATIME},     {"ratime", true, MOUNT_ATTR_NOATIME},
    {"rstrictatime", false, MOUNT_ATTR_STRICTATIME}, {"rnostrictatime", true, MOUNT_ATTR_STRICTATIME},
    {"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW}, {"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
};
bool is_atime(const Attr& a) {
    return a.attr == MOUNT_ATTR_RELATIME || a.attr == MOUNT_ATTR_NOATIME || a.attr == MOUNT_ATTR_STRICTATIME;
}

bool parse_recursive(const std::string& opt, MountOptions& out) {
    for (auto& a : kRecursive) {
        if (opt != a.name) continue;
        if (is_atime(a)) {
            out.recursive_clear |= MOUNT_ATTR__ATIME;
            out.recursive_set = (out.recursive_set & ~static_cast<uint64_t>(MOUNT_ATTR__ATIME)) | (a.clear ? 0 : a.attr);
        } else if (a.clear) {
            out.recursive_clear |= a.attr;
            out.recursive_set &= ~a.attr;
        } else {
            out.recursive_set |= a.attr;
            out.recursive_clear &= ~a.attr;
        }
        return true;
    }
    return false;
}
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
    for (auto& a : kRecursive) out.push_back(a.name);
    for (const char* extra : {"tmpcopyup", "idmap", "ridmap"}) out.push_back(extra);
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
        if (parse_recursive(opt, out)) continue;
        if (opt == "idmap" || opt == "ridmap") {
            out.idmap = true;
            out.idmap_recursive = opt == "ridmap";
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
