#include "container/container.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <dirent.h>
#include <ctime>
#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit_log.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/log.hpp"
#include "cgroups/systemd.hpp"
#include "enforce/apparmor.hpp"
#include "enforce/egress.hpp"
#include "enforce/lsm.hpp"
#include "monitor/monitor.hpp"
#include "linux/process.hpp"

namespace runac::container {

namespace {

UniqueFd lock_dir(const std::string& dir, bool exclusive) {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return fd;
    while (::flock(fd.get(), exclusive ? LOCK_EX : LOCK_SH) != 0)
        if (errno != EINTR) throw_errno("lock " + dir);
    return fd;
}

void make_root(const std::string& root) {
    // 0711: others may reach a container's files they are told about, but
    // not list them. Engines name a root whose parents may not exist yet
    // (/run/docker/runtime-runc/moby).
    make_dirs(root, 0711, "state root");
}

}  // namespace

void Container::unlock() const {
    // LOCK_UN releases the lock of the open file, whoever else holds a copy of the fd.
    if (lock_) ::flock(lock_.get(), LOCK_UN);
}

void validate_id(const std::string& id) {
    bool ok = !id.empty() && id != "." && id != "..";
    for (char c : id)
        ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '-' || c == '.');
    if (!ok) throw Error("invalid id format: " + id);
}

Container Container::load(const std::string& root, const std::string& id, bool exclusive) {
    validate_id(id);
    std::string dir = root + "/" + id;
    UniqueFd lock = lock_dir(dir, exclusive);
    // A directory without state is a create in progress or one that failed
    // and is being removed: to everyone else it does not exist.
    std::optional<std::string> text;
    if (lock) text = read_file_if_exists(dir + "/state.json");
    if (!text) throw NoSuchContainer();
    Container c(dir, std::move(lock));
    try {
        c.state_ = deserialize(*text);
    } catch (const Error& e) {
        throw UnreadableState("container " + id + ": its state cannot be read (" + e.what() + ")");
    }
    c.end_expired_session();
    return c;
}

// A lost monitor must not extend a session: whichever runac command sees
// the container first after its deadline ends it (engines poll `state`).
void Container::end_expired_session() {
    if (!state_.session_deadline || ::time(nullptr) < state_.session_deadline) return;
    if (!linux::is_alive(state_.pid, state_.pid_start_time)) return;
    log::info("agent policy: policy.sessionTimeout: the session has ended; killing the container");
    kill_all();
    audit("session-end", [](JsonWriter& w) { w.key("reason").value("sessionTimeout, seen by a runac command"); });
}

void Container::kill_all() {
    if (linux::signal_process(state_.pid, state_.pid_start_time, SIGKILL)) {
        // Every process, and a paused container is thawed so the kill can act.
        cgroup().signal_all(SIGKILL);
        linux::wait_for_exit(state_.pid, state_.pid_start_time, 10000);
    }
}

Container Container::reserve(const std::string& root, const std::string& id) {
    validate_id(id);
    make_root(root);
    std::string dir = root + "/" + id;
    if (::mkdir(dir.c_str(), 0711) != 0) {
        if (errno == EEXIST) throw Error("container with given ID already exists");
        throw_errno("create state directory " + dir);
    }
    UniqueFd lock = lock_dir(dir, true);
    if (!lock) throw_errno("open state directory " + dir);
    Container c(dir, std::move(lock));
    c.committed_ = false;
    c.state_.id = id;
    return c;
}

std::vector<std::string> Container::list(const std::string& root) {
    std::vector<std::string> ids;
    DIR* d = ::opendir(root.c_str());
    if (!d) {
        if (errno == ENOENT) return ids;
        throw_errno("open state root " + root);
    }
    while (struct dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name != "." && name != ".." && e->d_type == DT_DIR) ids.push_back(name);
    }
    ::closedir(d);
    std::sort(ids.begin(), ids.end());
    return ids;
}

Container::Container(Container&& o) noexcept
    : dir_(std::move(o.dir_)), lock_(std::move(o.lock_)), state_(std::move(o.state_)), committed_(o.committed_) {
    o.committed_ = true;
}

Container::~Container() {
    if (committed_) return;
    try {
        remove_dir();
    } catch (const Error& e) {
        log::warn(e.what());
    }
}

Status Container::status() const {
    if (!linux::is_alive(state_.pid, state_.pid_start_time)) return Status::Stopped;
    struct stat st;
    if (::stat(fifo_path().c_str(), &st) == 0) return Status::Created;
    if (cgroup().frozen()) return Status::Paused;
    return Status::Running;
}

std::string Container::owner() const {
    struct stat st;
    if (::stat(dir_.c_str(), &st) != 0) return "";
    struct passwd* pw = ::getpwuid(st.st_uid);
    return pw ? pw->pw_name : std::to_string(st.st_uid);
}

oci::Config Container::config() const {
    return oci::parse_config(read_file(dir_ + "/config.json"), state_.bundle);
}

std::optional<enforce::Plan> Container::plan() const {
    auto text = read_file_if_exists(plan_path());
    if (!text) return std::nullopt;
    return enforce::parse_plan(*text);
}

void Container::audit(const std::string& event, const std::function<void(JsonWriter&)>& fields) const {
    if (state_.audit_log.empty()) return;
    try {
        audit::AuditLog::open(state_.audit_log, state_.id).append(event, fields);
    } catch (const Error& e) {
        log::warn(e.what());
    }
}

void Container::save() const { write_file_atomic(dir_ + "/state.json", serialize(state_), 0600); }

// Every file in it is runac's (a write cut short leaves a temporary).
void Container::remove_dir() const {
    for (auto& f : files_in(dir_))
        if (::unlink((dir_ + "/" + f).c_str()) != 0 && errno != ENOENT) throw_errno("remove " + dir_ + "/" + f);
    if (::rmdir(dir_.c_str()) != 0 && errno != ENOENT) throw_errno("remove " + dir_);
}

void Container::remove_remains(const std::string& root, const std::string& id) {
    validate_id(id);
    std::string dir = root + "/" + id;
    UniqueFd lock = lock_dir(dir, true);
    if (!lock) return;
    Container c(dir, std::move(lock));
    if (auto text = read_file_if_exists(c.cgroup_record_path())) {
        auto cg = cgroups::Cgroup::from_paths(lines(*text));
        // The init (parked, or waiting for a word that never comes) and
        // whatever it started; its monitor ends with it.
        if (!cg.unified_path().empty()) {
            enforce::detach_egress(cg.unified_path());
            enforce::detach_lsm(cg.unified_path());
        }
        cg.destroy();
    }
    // A profile runac generated has the container's name (and only one it did).
    enforce::remove_apparmor_profile(enforce::apparmor_profile_name(id));
    c.remove_dir();
}

namespace {
constexpr int kMonitorGraceMs = 300;
}

// "PID START_TIME", in a file of its own: create forks the monitor after
// the state is saved.
std::optional<Container::MonitorProcess> Container::monitor() const {
    if (state_.monitor_pid > 0) return MonitorProcess{state_.monitor_pid, state_.monitor_start_time};
    auto fields = words(trim(read_file_if_exists(dir_ + "/monitor").value_or("")));
    if (fields.size() != 2) return std::nullopt;
    auto pid = parse_uint(fields[0]), start = parse_uint(fields[1]);
    if (!pid || !start || *pid == 0) return std::nullopt;
    return MonitorProcess{static_cast<pid_t>(*pid), *start};
}

void Container::record_monitor(pid_t pid, uint64_t start_time) const {
    write_file_atomic(dir_ + "/monitor", std::to_string(pid) + " " + std::to_string(start_time), 0600);
}

bool Container::await_monitor() const {
    auto m = monitor();
    return !m || monitor::await_monitor(monitor_status_path(), m->pid, m->start_time);
}

void Container::destroy() {
    kill_all();
    // The monitor writes the container's last refusals, then the delete.
    if (auto m = monitor()) monitor::stop_monitor(m->pid, m->start_time, kMonitorGraceMs);
    audit("delete");
    auto cg = cgroup();
    auto p = plan();
    bool egress = p && p->egress.filtered && !cg.unified_path().empty();
    if (p && p->lsm.attached && !cg.unified_path().empty()) enforce::detach_lsm(cg.unified_path());
    // The container's egress maps go while its cgroup still names them: a
    // delete killed after this finds the cgroup, and its key, again. The
    // programs go with the cgroup (taking them off first cost 40 `bpf`
    // calls); one that would not go keeps them until a delete removes it.
    if (egress) enforce::forget_egress(enforce::egress_key(cg.unified_path()));
    if (p && !p->apparmor_profile.empty()) enforce::remove_apparmor_profile(p->apparmor_profile);
    // Its processes are gone: the scope stops at once, and systemd removes
    // its cgroup. Unreachable, systemd stops it by itself once it is empty.
    if (!state_.systemd_unit.empty()) {
        try {
            cgroups::Systemd::connect().stop(state_.systemd_unit);
        } catch (const Error& e) {
            log::warn(e.what());
        }
    }
    try {
        cg.destroy();
    } catch (const Error&) {
        if (egress) enforce::detach_egress(cg.unified_path());
        throw;
    }
    remove_dir();
}

}  // namespace runac::container
