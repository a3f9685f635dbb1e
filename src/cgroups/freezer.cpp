// Freezing a container (pause/resume, and signalling every process without
// a fork slipping through): the v1 freezer controller or cgroup v2's
// cgroup.freeze. Both are asynchronous, so each waits for the kernel's word.
#include <chrono>
#include <thread>

#include "cgroups/cgroup.hpp"
#include "common/error.hpp"
#include "common/files.hpp"

namespace runac::cgroups {

namespace {

// v1: "FROZEN" once every task is stopped ("FREEZING" meanwhile).
// v2: the "frozen" line of cgroup.events.
bool reached(const std::string& dir, bool v1, bool frozen) {
    if (v1) return trim(read_file(dir + "/freezer.state")) == (frozen ? "FROZEN" : "THAWED");
    std::string events = read_file(dir + "/cgroup.events");
    return events.find(frozen ? "frozen 1" : "frozen 0") != std::string::npos;
}

void set_frozen(const Cgroup& cg, bool frozen) {
    bool v1 = true;
    std::string dir = cg.dir_with("freezer.state");
    if (dir.empty() && !cg.unified_path().empty() && cg.v2()) {
        v1 = false;
        dir = cg.dir_with("cgroup.freeze");
    }
    if (dir.empty()) throw Error("cgroup: no freezer (neither the v1 freezer controller nor cgroup.freeze)");
    const std::string file = dir + (v1 ? "/freezer.state" : "/cgroup.freeze");
    const std::string value = v1 ? (frozen ? "FROZEN" : "THAWED") : (frozen ? "1" : "0");
    using clock = std::chrono::steady_clock;
    auto deadline = clock::now() + std::chrono::seconds(10);
    for (int attempt = 0;; attempt++) {
        // The v1 freezer can stay FREEZING when a task was busy forking;
        // writing again retries, as runc does.
        if (attempt % 50 == 0) write_file(file, value);
        if (reached(dir, v1, frozen)) return;
        if (clock::now() > deadline)
            throw Error(std::string("cgroup: the container did not ") + (frozen ? "freeze" : "thaw") + " within 10 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(attempt < 20 ? 1 : 10));
    }
}

}  // namespace

void Cgroup::freeze() const { set_frozen(*this, true); }
void Cgroup::thaw() const { set_frozen(*this, false); }

bool Cgroup::frozen() const {
    std::string v1 = dir_with("freezer.state");
    if (!v1.empty()) return trim(read_file(v1 + "/freezer.state")) != "THAWED";
    if (!v2()) return false;
    auto v2 = read_file_if_exists(unified_ + "/cgroup.freeze");
    return v2 && trim(*v2) == "1";
}

}  // namespace runac::cgroups
