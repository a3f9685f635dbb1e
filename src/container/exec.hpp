// `runac exec`: a new process in a created or running container, in every
// one of its namespaces and in its cgroup, confined as its init is.
#pragma once
#include <string>
#include <sys/types.h>
#include <vector>

#include "common/fd.hpp"
#include "container/container.hpp"
#include "oci/config.hpp"

namespace runac::container {

struct ExecOptions {
    oci::Process process;
    std::string console_socket;        // receives the pty master (process.terminal)
    UniqueFd* console_master = nullptr;  // or a foreground exec keeps it to relay
    std::vector<std::string> cgroups;  // --cgroup [CONTROLLER[,...]:]SUBPATH
    bool ignore_paused = false;
    int preserve_fds = 0;
};

// Returns the process's pid once it runs the program (our child). Every
// failure before that (the container's state, the process, a missing
// executable) throws, and no process is left behind.
pid_t exec(const Container& container, const ExecOptions& options);

}  // namespace runac::container
