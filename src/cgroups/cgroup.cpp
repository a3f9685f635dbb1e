#include "cgroups/cgroup.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/log.hpp"

namespace runac::cgroups {

namespace {

std::set<std::string> split_set(const std::string& s) {
    std::set<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty()) out.insert(item);
    return out;
}

bool exists(const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0;
}

// A new v1 cpuset cgroup starts with no cpus and mems, and joining it then
// fails with ENOSPC: inherit the parent's, level by level.
void init_cpuset(const std::string& dir) {
    for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
        std::string mine = dir + "/" + f;
        if (!trim(read_file(mine)).empty()) continue;
        std::string parent = dir.substr(0, dir.rfind('/'));
        init_cpuset(parent);
        write_file(mine, trim(read_file(parent + "/" + f)));
    }
}

// cgroup v2 hands a controller to a child only when the parent lists it in
// cgroup.subtree_control: enable every controller the parent has, as runc
// does, so the container's cgroup can be limited. A cgroup that holds
// processes itself cannot delegate (EBUSY): it is left as it is.
void delegate_controllers(const std::string& parent) {
    auto available = read_file_if_exists(parent + "/cgroup.controllers");
    if (!available) return;
    std::istringstream in(*available);
    std::string enable;
    for (std::string c; in >> c;) enable += (enable.empty() ? "+" : " +") + c;
    if (enable.empty()) return;
    auto current = read_file_if_exists(parent + "/cgroup.subtree_control");
    if (current && trim(*current) == trim(*available)) return;
    try {
        write_file(parent + "/cgroup.subtree_control", enable);
    } catch (const Error& e) {
        log::debug(std::string("cgroup: ") + e.what());
    }
}

}  // namespace

std::vector<Hierarchy> discover() {
    // Own cgroup per hierarchy: "4:memory:/path", "0::/path".
    std::vector<std::pair<std::set<std::string>, std::string>> own;
    std::istringstream cg(read_file("/proc/self/cgroup"));
    for (std::string line; std::getline(cg, line);) {
        auto a = line.find(':'), b = line.find(':', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        own.emplace_back(split_set(line.substr(a + 1, b - a - 1)), line.substr(b + 1));
    }
    std::vector<Hierarchy> out;
    std::set<std::string> seen;
    std::istringstream mi(read_file("/proc/self/mountinfo"));
    for (std::string line; std::getline(mi, line);) {
        // id parent maj:min root mountpoint opts [optional...] - fstype source superopts
        std::istringstream f(line);
        std::string id, parent, dev, root, mountpoint, opts, tok;
        f >> id >> parent >> dev >> root >> mountpoint >> opts;
        while (f >> tok && tok != "-") {}
        std::string fstype, source, superopts;
        f >> fstype >> source >> superopts;
        if (fstype != "cgroup" && fstype != "cgroup2") continue;
        Hierarchy h;
        h.mountpoint = mountpoint;
        h.unified = fstype == "cgroup2";
        std::set<std::string> ctrls;
        if (!h.unified) {
            for (auto& o : split_set(superopts))
                if (o != "rw" && o != "ro" && o.rfind("release_agent", 0) != 0 && o != "xattr" &&
                    o != "noprefix" && o != "clone_children" && o != "cpuset_v2_mode")
                    ctrls.insert(o);
            for (auto& c : ctrls) h.controllers += (h.controllers.empty() ? "" : ",") + c;
        }
        if (!seen.insert(h.controllers + (h.unified ? "#v2" : "")).second) continue;  // bind-mounted twice
        bool found = false;
        for (auto& [set, path] : own) {
            if (h.unified ? set.empty() : set == ctrls) {
                // The mount may show only a subtree (its root field).
                h.own_path = (root != "/" && starts_with(path, root)) ? path.substr(root.size()) : path;
                found = true;
            }
        }
        if (found) out.push_back(h);
    }
    return out;
}

Cgroup Cgroup::create(const std::string& cgroups_path, const std::string& id) {
    std::string rel = cgroups_path.empty() ? id : cgroups_path;
    if (rel.find(':') != std::string::npos && rel[0] != '/')
        throw Error("linux.cgroupsPath: \"" + rel + "\" is a systemd slice path; the systemd cgroup driver is not supported");
    for (auto& part : {std::string("/../"), std::string("/..")})
        if (("/" + rel + "/").find(part + (part.size() == 3 ? "" : "/")) != std::string::npos)
            throw Error("linux.cgroupsPath: must not contain \"..\"");
    Cgroup cg({}, true);
    for (auto& h : discover()) {
        std::string base = rel[0] == '/' ? h.mountpoint : h.mountpoint + (h.own_path == "/" ? "" : h.own_path);
        std::string dir = absolute_path(rel, "/");
        dir = base + (dir == "/" ? "" : dir);
        // mkdir -p, remembering only the leaf as ours to remove.
        for (size_t pos = base.size() + 1; pos <= dir.size(); pos++) {
            if (pos != dir.size() && dir[pos] != '/') continue;
            std::string sub = dir.substr(0, pos);
            if (h.unified) delegate_controllers(sub.substr(0, sub.rfind('/')));
            if (::mkdir(sub.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("cgroup: mkdir " + sub);
        }
        if (h.controllers.find("cpuset") != std::string::npos && h.controllers.find("name=") == std::string::npos)
            init_cpuset(dir);
        cg.paths_.push_back(dir);
        if (h.unified) cg.unified_ = dir;
    }
    if (cg.paths_.empty()) throw Error("cgroup: no cgroup hierarchy is mounted");
    return cg;
}

Cgroup Cgroup::from_paths(std::vector<std::string> paths) { return Cgroup(std::move(paths), false); }

Cgroup::Cgroup(Cgroup&& o) noexcept
    : paths_(std::move(o.paths_)), owned_(o.owned_), unified_(std::move(o.unified_)) {
    o.owned_ = false;
}

Cgroup::~Cgroup() {
    if (!owned_) return;
    try {
        destroy();
    } catch (const Error& e) {
        log::warn("cgroup cleanup: " + std::string(e.what()));
    }
}

void Cgroup::add_process(pid_t pid, const std::string& except) const {
    for (auto& p : paths_)
        if (p != except) write_file(p + "/cgroup.procs", std::to_string(pid));
}

std::string Cgroup::unified_path() const { return unified_; }

std::string Cgroup::find(const std::string& file) const {
    for (auto& p : paths_)
        if (exists(p + "/" + file)) return p + "/" + file;
    return "";
}

void Cgroup::apply_device_rules(const oci::Config& config) const {
    const auto& rules = config.linux.device_rules;
    if (rules.empty()) return;
    std::string allow = find("devices.allow");
    if (allow.empty())
        throw Error("linux.resources.devices: needs the v1 devices controller; the cgroup v2 device filter is not supported by this version of runac");
    std::string deny = find("devices.deny");
    auto rule_text = [](const std::string& type, std::optional<int64_t> major, std::optional<int64_t> minor,
                        const std::string& access) {
        if (type == "a") return std::string("a");
        auto num = [](std::optional<int64_t> n) { return (n && *n >= 0) ? std::to_string(*n) : std::string("*"); };
        return type + " " + num(major) + ":" + num(minor) + " " + access;
    };
    for (auto& r : rules) write_file(r.allow ? allow : deny, rule_text(r.type, r.major, r.minor, r.access));
    // The devices every container needs, as runc allows them after the
    // config's own rules, then the config's explicit device nodes.
    struct Default { const char* type; int64_t major, minor; };
    static const Default defaults[] = {{"c", -1, -1}, {"b", -1, -1}};
    for (auto& d : defaults) write_file(allow, rule_text(d.type, d.major, d.minor, "m"));
    static const Default nodes[] = {{"c", 1, 3}, {"c", 1, 8}, {"c", 1, 7}, {"c", 5, 0}, {"c", 1, 5},
                                    {"c", 1, 9}, {"c", 136, -1}, {"c", 5, 2}, {"c", 10, 200}};
    for (auto& d : nodes) write_file(allow, rule_text(d.type, d.major, d.minor, "rwm"));
    for (auto& d : config.linux.devices)
        if (d.type == 'c' || d.type == 'b' || d.type == 'u')
            write_file(allow, rule_text(std::string(1, d.type == 'u' ? 'c' : d.type), d.major, d.minor, "rwm"));
}

std::vector<pid_t> Cgroup::pids() const {
    for (auto& p : paths_) {
        auto text = read_file_if_exists(p + "/cgroup.procs");
        if (!text || text->empty()) continue;
        std::vector<pid_t> out;
        std::istringstream in(*text);
        for (pid_t pid; in >> pid;) out.push_back(pid);
        return out;
    }
    return {};
}

void Cgroup::signal_all(int sig) const {
    for (pid_t pid : pids()) ::kill(pid, sig);
}

bool Cgroup::frozen() const {
    for (auto& p : paths_) {
        if (auto v1 = read_file_if_exists(p + "/freezer.state")) return trim(*v1) == "FROZEN";
        if (auto v2 = read_file_if_exists(p + "/cgroup.freeze")) return trim(*v2) == "1";
    }
    return false;
}

void Cgroup::destroy() {
    owned_ = false;
    // Nothing may outlive the container: SIGKILL stragglers until empty.
    for (int attempt = 0; attempt < 200; attempt++) {
        auto left = pids();
        if (left.empty()) break;
        if (attempt == 0 || attempt % 20 == 0)
            for (pid_t pid : left) ::kill(pid, SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::string failed;
    for (auto& p : paths_) {
        int tries = 0;
        while (::rmdir(p.c_str()) != 0 && errno != ENOENT) {
            // EBUSY while a killed task is still being torn down.
            if (errno != EBUSY || ++tries > 200) {
                failed = p + ": " + std::strerror(errno);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    if (!failed.empty()) throw Error("cgroup: cannot remove " + failed);
}

}  // namespace runac::cgroups
