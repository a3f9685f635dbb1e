// One container's directory under --root: its recorded state, the exec fifo
// that parks the init until `start`, and the lock that serialises runac
// commands on it.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cgroups/cgroup.hpp"
#include "common/error.hpp"
#include "common/fd.hpp"
#include "common/json.hpp"
#include "container/state.hpp"
#include "enforce/plan.hpp"
#include "oci/config.hpp"

namespace runac::container {

// What Container::load throws for an id it does not know: engines match the
// text, `delete --force` the type.
class NoSuchContainer : public Error {
public:
    NoSuchContainer() : Error("container does not exist") {}
};

// What Container::load throws for a state.json it cannot read (cut short,
// not JSON, another program's): `delete --force` still removes the container.
class UnreadableState : public Error {
public:
    using Error::Error;
};

// runc's rule for ids; anything else could escape the state root.
void validate_id(const std::string& id);

class Container {
public:
    // An existing container, locked (exclusive, or shared for read-only
    // commands). Throws "container does not exist".
    static Container load(const std::string& root, const std::string& id, bool exclusive = true);
    // A new container's directory, locked; removed again on destruction
    // unless commit() is called. Throws "... already exists".
    static Container reserve(const std::string& root, const std::string& id);
    // Ids of every container under root.
    static std::vector<std::string> list(const std::string& root);
    // `delete` of a directory without a readable state (a create killed on
    // the way, a state.json cut short): the processes and directories of
    // the cgroup its create recorded are killed and removed, then the
    // directory. Nothing when there is no directory.
    static void remove_remains(const std::string& root, const std::string& id);

    Container(Container&&) noexcept;
    Container& operator=(Container&&) = delete;
    ~Container();

    ContainerState& state() { return state_; }
    const ContainerState& state() const { return state_; }
    const std::string& dir() const { return dir_; }
    std::string fifo_path() const { return dir_ + "/exec.fifo"; }
    // The cgroup directories create made, one a line, recorded before the
    // init exists (the state, written last, has them too).
    std::string cgroup_record_path() const { return dir_ + "/cgroups"; }
    // With an agent policy: its enforcement plan (root-only), and the empty
    // mode-000 file its deny over-mounts bind.
    std::string plan_path() const { return dir_ + "/plan.json"; }
    std::string deny_file_path() const { return dir_ + "/deny"; }
    // Where its monitor says it is ready (monitor::await_monitor).
    std::string monitor_status_path() const { return dir_ + "/monitor.status"; }
    // Its monitor's pid and start time (create records them beside the
    // state once the monitor exists; a state of an older runac holds them);
    // nullopt when it has none.
    struct MonitorProcess {
        pid_t pid;
        uint64_t start_time;
    };
    std::optional<MonitorProcess> monitor() const;
    void record_monitor(pid_t pid, uint64_t start_time) const;
    // Waits for the monitor, if the container has one, to be ready; false
    // when names do not resolve. Throws an Error naming what failed.
    bool await_monitor() const;
    // The plan `runac exec` applies too; nullopt for a container without a policy.
    std::optional<enforce::Plan> plan() const;

    // Live status: the init's identity, the exec fifo and the freezer decide.
    Status status() const;
    // Owner of the state directory ("root"), as `list` shows it.
    std::string owner() const;
    cgroups::Cgroup cgroup() const { return cgroups::Cgroup::from_paths(state_.cgroup_paths); }
    // The config.json the container was created from (kept in its state directory).
    oci::Config config() const;

    // policy.auditLog: one record in the container's log, if it keeps one.
    // A log that cannot be written is logged, not fatal.
    void audit(const std::string& event, const std::function<void(JsonWriter&)>& fields = {}) const;

    void save() const;
    void commit() { committed_ = true; }
    // Lets other runac commands in before this one is done with the
    // container (a process that may wait on a frozen one must not hold it).
    void unlock() const;
    // Kills every process left, removes the cgroups and the state directory.
    void destroy();

private:
    Container(std::string dir, UniqueFd lock) : dir_(std::move(dir)), lock_(std::move(lock)) {}
    void remove_dir() const;
    void end_expired_session();
    // SIGKILL to the init and every process of its cgroups; waits for the init.
    void kill_all();
    std::string dir_;
    UniqueFd lock_;
    ContainerState state_;
    bool committed_ = true;
};

}  // namespace runac::container
