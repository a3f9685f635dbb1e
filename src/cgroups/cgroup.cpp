#include "cgroups/cgroup.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <set>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <thread>
#include <unistd.h>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/mountinfo.hpp"
#include "common/log.hpp"

namespace runac::cgroups {

namespace {

std::set<std::string> split_set(const std::string& s) {
    std::set<std::string> out;
    for (auto& item : split(s, ','))
        if (!item.empty()) out.insert(item);
    return out;
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
    std::string enable;
    for (auto& c : words(trim(*available))) enable += (enable.empty() ? "+" : " +") + c;
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
    for (auto& line : lines(read_file("/proc/self/cgroup"))) {
        auto a = line.find(':'), b = line.find(':', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        own.emplace_back(split_set(line.substr(a + 1, b - a - 1)), line.substr(b + 1));
    }
    std::vector<Hierarchy> out;
    std::set<std::string> seen;
    for (const MountInfo& m : read_mountinfo()) {
        if (m.fstype != "cgroup" && m.fstype != "cgroup2") continue;
        Hierarchy h;
        h.mountpoint = m.mountpoint;
        h.unified = m.fstype == "cgroup2";
        std::set<std::string> ctrls;
        if (!h.unified) {
            for (auto& o : split_set(m.super_options))
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
                h.own_path = (m.root != "/" && starts_with(path, m.root)) ? path.substr(m.root.size()) : path;
                found = true;
            }
        }
        if (found) out.push_back(h);
    }
    return out;
}

std::string unified_cgroup_of(pid_t pid) {
    std::string text = read_file_if_exists("/proc/" + std::to_string(pid) + "/cgroup").value_or("");
    size_t at = text.rfind("0::");
    if (at == std::string::npos || (at != 0 && text[at - 1] != '\n')) return "";
    return text.substr(at + 3, text.find('\n', at) - at - 3);
}

std::string unified_dir_of(pid_t pid) {
    std::string path = unified_cgroup_of(pid);
    if (path.empty()) return "";
    for (auto& h : discover())
        if (h.unified) return h.mountpoint + (path == "/" ? "" : path);
    return "";
}

Cgroup Cgroup::create(const std::string& cgroups_path, const std::string& id,
                      const std::function<void(const std::vector<std::string>&)>& record_first) {
    std::string rel = cgroups_path.empty() ? id : cgroups_path;
    if (rel.find(':') != std::string::npos && rel[0] != '/')
        throw Error("linux.cgroupsPath: \"" + rel + "\" is a systemd slice path; the systemd cgroup driver is not supported");
    for (auto& part : {std::string("/../"), std::string("/..")})
        if (("/" + rel + "/").find(part + (part.size() == 3 ? "" : "/")) != std::string::npos)
            throw Error("linux.cgroupsPath: must not contain \"..\"");
    auto hierarchies = discover();
    // Where the container's directory lies in hierarchy h: below `base`.
    auto base_of = [&](const Hierarchy& h) {
        return rel[0] == '/' ? h.mountpoint : h.mountpoint + (h.own_path == "/" ? "" : h.own_path);
    };
    std::string below = absolute_path(rel, "/");
    if (below == "/") below = "";
    // As runc: a cgroup someone froze would hold the init in its first
    // step for good. Refused before anything is made (it is not ours).
    std::vector<std::string> existing;
    for (auto& h : hierarchies)
        if (path_exists(base_of(h) + below)) existing.push_back(base_of(h) + below);
    size_t others = 0;
    if (!existing.empty()) {
        Cgroup there = from_paths(existing);
        if (there.frozen()) throw Error("container's cgroup unexpectedly frozen");
        // runc 1.1 warns too: the container shares its limits, and its end, with them.
        if ((others = there.pids().size()))
            log::warn("container's cgroup is not empty: " + std::to_string(others) + " process(es) found");
    }
    Cgroup cg({}, true);
    cg.others_inside_ = others > 0;
    for (auto& h : hierarchies) {
        cg.paths_.push_back(base_of(h) + below);
        if (h.unified) cg.unified_ = cg.paths_.back();
    }
    if (cg.paths_.empty()) throw Error("cgroup: no cgroup hierarchy is mounted");
    if (record_first) record_first(cg.paths_);
    for (size_t i = 0; i < hierarchies.size(); i++) {
        const Hierarchy& h = hierarchies[i];
        std::string base = base_of(h), dir = cg.paths_[i];
        // mkdir -p, remembering only the leaf as ours to remove.
        for (size_t pos = base.size() + 1; pos <= dir.size(); pos++) {
            if (pos != dir.size() && dir[pos] != '/') continue;
            std::string sub = dir.substr(0, pos);
            if (h.unified) delegate_controllers(sub.substr(0, sub.rfind('/')));
            if (::mkdir(sub.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("cgroup: mkdir " + sub);
        }
        if (h.controllers.find("cpuset") != std::string::npos && h.controllers.find("name=") == std::string::npos)
            init_cpuset(dir);
    }
    return cg;
}

Cgroup Cgroup::from_paths(std::vector<std::string> paths) {
    Cgroup cg(std::move(paths), false);
    for (auto& p : cg.paths_) {
        struct statfs fs;
        if (::statfs(p.c_str(), &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC) cg.unified_ = p;
    }
    return cg;
}

Cgroup::Cgroup(Cgroup&& o) noexcept
    : paths_(std::move(o.paths_)), owned_(o.owned_), others_inside_(o.others_inside_), unified_(std::move(o.unified_)) {
    o.owned_ = false;
}

Cgroup::~Cgroup() {
    if (!owned_) return;
    // A failed create in a cgroup others already used: their processes are
    // not ours to kill. What can go (the directories it made) goes.
    if (others_inside_) {
        for (auto& p : paths_) ::rmdir(p.c_str());
        return;
    }
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

std::string Cgroup::dir_with(const std::string& file) const {
    for (auto& p : paths_)
        if (path_exists(p + "/" + file)) return p;
    return "";
}

namespace {
// Runs F, which reads or writes a file of the cgroup DIR. A cgroup whose
// last process died may be removed meanwhile (systemd removes an emptied
// scope at once): the kernel then answers ENODEV, and the cgroup held
// nothing; any other failure stands.
template <class F>
void unless_removed(const std::string& dir, F f) {
    try {
        f();
    } catch (const Error&) {
        if (path_exists(dir)) throw;
    }
}

// DIR's sub-cgroups (a delegated container makes its own), deepest first:
// the order they can be removed in.
std::vector<std::string> sub_cgroups(const std::string& dir) {
    std::vector<std::string> out;
    for (auto& name : subdirectories(dir)) {
        auto nested = sub_cgroups(dir + "/" + name);
        out.insert(out.end(), nested.begin(), nested.end());
        out.push_back(dir + "/" + name);
    }
    return out;
}
}  // namespace

std::vector<pid_t> Cgroup::pids() const {
    for (auto& p : paths_) {
        std::vector<pid_t> out;
        std::vector<std::string> dirs = sub_cgroups(p);
        dirs.push_back(p);
        for (auto& dir : dirs) {
            std::string procs;
            unless_removed(dir, [&] { procs = read_file_if_exists(dir + "/cgroup.procs").value_or(""); });
            for (auto& line : lines(procs))
                if (auto pid = parse_uint(line)) out.push_back(static_cast<pid_t>(*pid));
        }
        if (!out.empty()) return out;
    }
    return {};
}

void Cgroup::signal_all(int sig) const {
    // cgroup.kill (Linux 5.14) kills every process atomically, forks included.
    if (sig == SIGKILL && v2() && path_exists(unified_ + "/cgroup.kill")) {
        unless_removed(unified_, [&] { write_file(unified_ + "/cgroup.kill", "1"); });
        return;
    }
    // Otherwise freeze first, so that no process forks a child the list
    // below misses, as runc does; signals are delivered on thaw. A paused
    // container stays frozen, except for SIGKILL: a frozen v1 task acts on
    // it only once thawed (and dies before it returns to user space).
    bool was_frozen = frozen();
    bool can_freeze = !dir_with("freezer.state").empty() || (v2() && path_exists(unified_ + "/cgroup.freeze"));
    if (can_freeze && !was_frozen) freeze();
    for (pid_t pid : pids()) ::kill(pid, sig);
    if (can_freeze && (!was_frozen || sig == SIGKILL)) thaw();
}

void Cgroup::destroy() {
    owned_ = false;
    // Nothing may outlive the container: SIGKILL stragglers until empty.
    for (int attempt = 0; attempt < 200; attempt++) {
        auto left = pids();
        if (left.empty()) break;
        if (attempt == 0 || attempt % 20 == 0) signal_all(SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::string failed;
    for (auto& p : paths_) {
        std::vector<std::string> dirs = sub_cgroups(p);
        dirs.push_back(p);
        for (auto& dir : dirs) {
            int tries = 0;
            while (::rmdir(dir.c_str()) != 0 && errno != ENOENT) {
                // EBUSY while a killed task is still being torn down.
                if (errno != EBUSY || ++tries > 200) {
                    failed = dir + ": " + std::strerror(errno);
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        }
    }
    if (!failed.empty()) throw Error("cgroup: cannot remove " + failed);
}

void Cgroup::delegate(uid_t uid, gid_t gid) const {
    if (!v2()) return;
    std::string listed = read_file_if_exists("/sys/kernel/cgroup/delegate")
                             .value_or("cgroup.procs\ncgroup.subtree_control\ncgroup.threads\n");
    std::vector<std::string> paths = {unified_};
    for (auto& file : split(listed, '\n'))
        if (!trim(file).empty()) paths.push_back(unified_ + "/" + trim(file));
    for (auto& path : paths)
        if (::lchown(path.c_str(), uid, gid) != 0 && errno != ENOENT)
            throw_errno("chown " + path + " (delegating the cgroup to the container's root)");
}

}  // namespace runac::cgroups
