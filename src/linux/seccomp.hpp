// linux.seccomp through libseccomp: the filter is compiled in runac before
// the init exists (every fault is reported by `create`), loaded by the init
// as the last step before it reports ready, and a SCMP_ACT_NOTIFY listener
// fd is handed to the config's listenerPath.
#pragma once
#include <string>
#include <sys/types.h>

#include "oci/config.hpp"

namespace runac::linux {

class SeccompFilter {
public:
    explicit SeccompFilter(const oci::Seccomp& config);
    SeccompFilter(SeccompFilter&& o) noexcept : ctx_(o.ctx_) { o.ctx_ = nullptr; }
    SeccompFilter(const SeccompFilter&) = delete;
    SeccompFilter& operator=(const SeccompFilter&) = delete;
    ~SeccompFilter();

    // Installs the filter on the calling thread; returns the notify fd when
    // the filter has SCMP_ACT_NOTIFY rules, else -1.
    int load() const;

private:
    void* ctx_ = nullptr;
};

// Sends the notify fd with the container's process state (runtime-spec's
// ContainerProcessState) to the listener socket.
void send_to_seccomp_listener(const oci::Seccomp& config, int notify_fd, pid_t pid, const std::string& state_json);

}  // namespace runac::linux
