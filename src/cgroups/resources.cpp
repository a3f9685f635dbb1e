#include "cgroups/resources.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "cgroups/device_rules.hpp"
#include "common/error.hpp"
#include "common/fd.hpp"
#include "common/files.hpp"
#include "common/log.hpp"

namespace runac::cgroups {

namespace {

// The old values of the files an update has written, while one runs.
struct Journal {
    std::vector<std::pair<std::string, std::string>> saved;  // path, old value
};
Journal* active_journal = nullptr;

// Single-value knobs only: a multi-line file (io.max, blkio throttles) is
// not restored by writing its content back.
void remember(const std::string& path) {
    if (!active_journal) return;
    for (auto& [p, _] : active_journal->saved)
        if (p == path) return;
    auto old = read_file_if_exists(path);
    if (!old) return;
    std::string value = trim(*old);
    if (value.find('\n') != std::string::npos) return;
    active_journal->saved.emplace_back(path, value);
}

}  // namespace

void update_resources(const Cgroup& cg, const oci::Resources& r) {
    Journal journal;
    active_journal = &journal;
    try {
        apply_resources(cg, r, "");
    } catch (const Error&) {
        active_journal = nullptr;
        for (auto it = journal.saved.rbegin(); it != journal.saved.rend(); ++it) {
            try {
                write_file(it->first, it->second);
            } catch (const Error& e) {
                log::warn(std::string("update: could not restore the old value: ") + e.what());
            }
        }
        throw;
    }
    active_journal = nullptr;
}

void apply_resources(const Cgroup& cg, const oci::Resources& r, const std::string& field_prefix) {
    if (cg.v2())
        detail::apply_v2(cg, r, field_prefix);
    else
        detail::apply_v1(cg, r, field_prefix);
}

void apply_device_rules(const Cgroup& cg, const oci::Config& config) {
    auto rules = effective_device_rules(config);
    if (rules.empty()) return;
    if (cg.v2()) {
        attach_device_filter(cg.unified_path(), rules);
        return;
    }
    const std::string field = "linux.resources.devices";
    std::string dir = detail::dir_for(cg, "devices.allow", field, "needs the devices controller, which is not mounted");
    for (auto& r : rules) detail::write_knob(dir, r.allow ? "devices.allow" : "devices.deny", device_rule_text(r), field);
}

namespace detail {

void write_knob(const std::string& dir, const std::string& file, const std::string& value, const std::string& field) {
    std::string path = dir + "/" + file;
    remember(path);
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) throw Error(field + ": open " + path + ": " + std::strerror(errno));
    ssize_t n;
    do n = ::write(fd.get(), value.data(), value.size());
    while (n < 0 && errno == EINTR);
    if (n < 0) throw Error(field + ": write \"" + value + "\" to " + path + ": " + std::strerror(errno));
}

std::string dir_for(const Cgroup& cg, const std::string& file, const std::string& field, const std::string& what) {
    std::string dir = cg.dir_with(file);
    if (dir.empty()) throw Error(field + ": " + what);
    return dir;
}

std::string max_or(int64_t n) { return n < 0 ? "max" : std::to_string(n); }

}  // namespace detail

}  // namespace runac::cgroups
