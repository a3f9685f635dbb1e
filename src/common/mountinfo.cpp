#include "common/mountinfo.hpp"

#include "common/files.hpp"

namespace runac {

namespace {

// The kernel escapes space, tab, newline and backslash as "\ooo".
std::string unescape(const std::string& field) {
    std::string out;
    for (size_t i = 0; i < field.size(); i++) {
        bool octal = field[i] == '\\' && i + 3 < field.size();
        for (size_t k = i + 1; octal && k <= i + 3; k++) octal = field[k] >= '0' && field[k] <= '7';
        if (octal) {
            out += static_cast<char>(std::stoi(field.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            out += field[i];
        }
    }
    return out;
}

}  // namespace

std::vector<MountInfo> parse_mountinfo(const std::string& text) {
    std::vector<MountInfo> out;
    for (auto& line : lines(text)) {
        // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS
        std::vector<std::string> f = words(line);
        size_t dash = 6;
        while (dash < f.size() && f[dash] != "-") dash++;
        if (dash + 3 >= f.size()) continue;  // no "-" with three fields after it
        auto id = parse_uint(f[0]), parent = parse_uint(f[1]);
        if (!id || !parent) continue;
        MountInfo m;
        m.id = static_cast<int>(*id);
        m.parent = static_cast<int>(*parent);
        m.root = unescape(f[3]);
        m.mountpoint = unescape(f[4]);
        m.options = f[5];
        m.optional.assign(f.begin() + 6, f.begin() + static_cast<long>(dash));
        m.fstype = f[dash + 1];
        m.source = unescape(f[dash + 2]);
        m.super_options = f[dash + 3];
        out.push_back(std::move(m));
    }
    return out;
}

std::vector<MountInfo> read_mountinfo() { return parse_mountinfo(read_file("/proc/self/mountinfo")); }

}  // namespace runac
