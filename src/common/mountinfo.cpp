#include "common/mountinfo.hpp"

#include <sstream>

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
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        std::istringstream f(line);
        MountInfo m;
        std::string dev, root, mountpoint, tok;
        if (!(f >> m.id >> m.parent >> dev >> root >> mountpoint >> m.options)) continue;
        bool separator = false;
        while (f >> tok) {
            if (tok == "-") {
                separator = true;
                break;
            }
            m.optional.push_back(tok);
        }
        std::string source;
        if (!separator || !(f >> m.fstype >> source >> m.super_options)) continue;
        m.root = unescape(root);
        m.mountpoint = unescape(mountpoint);
        m.source = unescape(source);
        out.push_back(std::move(m));
    }
    return out;
}

std::vector<MountInfo> read_mountinfo() { return parse_mountinfo(read_file("/proc/self/mountinfo")); }

}  // namespace runac
