// runac pause / resume: freeze every process of the container (v1 freezer
// or cgroup v2's cgroup.freeze) and thaw it again.
#include "cli/command.hpp"
#include "common/error.hpp"
#include "container/container.hpp"

namespace runac::cli {

namespace {

int run_pause(const GlobalOptions& global, const Args& args) {
    auto c = container::Container::load(global.root, container_id(args, "pause"));
    auto s = c.status();
    // runc's words: a paused container is "not running" to pause again.
    if (s != container::Status::Running && s != container::Status::Created) throw Error("container not running");
    c.cgroup().freeze();
    c.audit("pause");
    return 0;
}

int run_resume(const GlobalOptions& global, const Args& args) {
    auto c = container::Container::load(global.root, container_id(args, "resume"));
    if (c.status() != container::Status::Paused) throw Error("container not paused");
    c.cgroup().thaw();
    c.audit("resume");
    return 0;
}

}  // namespace

Command pause_command() {
    return {"pause", "pause suspends all processes inside the container",
            "Usage: runac pause <container-id>\n\n"
            "Freezes every process of the container; `runac state` then shows \"paused\".\n",
            {}, run_pause};
}

Command resume_command() {
    return {"resume", "resumes all processes that have been previously paused",
            "Usage: runac resume <container-id>\n", {}, run_resume};
}

}  // namespace runac::cli
