// runac kill: send a signal to the container's init (or all its processes).
#include "cli/command.hpp"
#include "common/error.hpp"
#include "container/container.hpp"
#include "linux/process.hpp"

namespace runac::cli {

namespace {
int run_kill(const GlobalOptions& global, const Args& args) {
    if (args.positional.empty() || args.positional.size() > 2)
        throw Error("kill: requires a container id and an optional signal");
    // Signal 0 delivers nothing: the check engines use that the container is still there.
    std::string name = args.positional.size() == 2 ? args.positional[1] : "SIGTERM";
    int sig = name == "0" ? 0 : linux::parse_signal(name);
    auto c = container::Container::load(global.root, args.positional[0]);
    if (args.flag("all")) {
        // Every process in the cgroup, also after the init is gone (what is
        // left of a container without its own pid namespace), as runc does.
        c.cgroup().signal_all(sig);
        c.audit("kill", [&](JsonWriter& w) { w.key("signal").value(sig).key("all").value(true); });
        return 0;
    }
    if (c.status() == container::Status::Stopped) throw Error("container not running");
    if (!linux::signal_process(c.state().pid, c.state().pid_start_time, sig)) throw Error("container not running");
    c.audit("kill", [&](JsonWriter& w) { w.key("signal").value(sig); });
    return 0;
}
}  // namespace

Command kill_command() {
    return {"kill", "kill sends the specified signal (default: SIGTERM) to the container's init process",
            "Usage: runac kill [options] <container-id> [signal]\n\n"
            "The signal is a name (KILL), a SIG-name (SIGKILL) or a number (9).\n\n"
            "Options:\n"
            "  --all, -a  send the signal to every process in the container\n",
            {{{"all", "a"}, false}}, run_kill};
}

}  // namespace runac::cli
