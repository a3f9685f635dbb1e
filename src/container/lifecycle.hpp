// The container lifecycle shared by the commands: create parks an init,
// start releases it, remove tears everything down.
#pragma once
#include <string>

#include "agent/settings.hpp"
#include "common/fd.hpp"
#include "container/container.hpp"

namespace runac::container {

struct CreateOptions {
    std::string id;
    std::string bundle;    // as given; made absolute against the cwd
    std::string pid_file;  // written atomically once the init is parked
    std::string console_socket;  // receives the pty master (process.terminal)
    // A foreground `run` keeps the pty master itself to relay it; null when
    // runac detaches (then process.terminal needs console_socket).
    UniqueFd* console_master = nullptr;
    bool no_pivot = false;
    bool no_new_keyring = false;
    int preserve_fds = 0;
    bool systemd_cgroup = false;  // --systemd-cgroup
    // `runac create`: the process exits as soon as create returns, so the
    // policy's monitor may share its memory (monitor::MonitorStart).
    bool exits_after = false;
    agent::Settings agent;  // the host's floor profile, require-agent-policy, directories
};

// Everything up to the parked init: on any failure nothing is left behind
// (state directory, cgroups, init process).
Container create(const std::string& root, const CreateOptions& options);

// Releases a created container's init into the user's program.
void start(Container& container);

// `delete`: a running container needs `force` (then it is killed first).
void remove(Container& container, bool force);

}  // namespace runac::container
