// linux.seccomp through libseccomp: the filter is compiled to BPF in runac
// before the init exists (every fault is reported by `create`), loaded by
// the init as the last step before it reports ready, and a SCMP_ACT_NOTIFY
// listener fd is handed to the config's listenerPath.
//
// Compiling a profile the size of Docker's default takes libseccomp ~20 ms;
// engines send the same profile for every container, so compiled programs
// are cached by the SHA-256 of the profile (plus the libseccomp and runac
// versions) in a root-only directory.
#pragma once
#include <string>
#include <sys/types.h>
#include <vector>

#include "oci/config.hpp"
#include "oci/state.hpp"

namespace runac::linux {

// Where compiled filters are kept between containers.
inline constexpr const char* kSeccompCacheDir = "/run/runac-cache/seccomp";

class SeccompFilter {
public:
    // `cache_dir` empty: always compile.
    SeccompFilter(const oci::Seccomp& config, const std::string& cache_dir);

    // Installs the filter on the calling thread; returns the notify fd when
    // the filter has SCMP_ACT_NOTIFY rules, else -1.
    int load() const;
    bool from_cache() const { return from_cache_; }

private:
    std::string program_;  // struct sock_filter[], as the kernel takes it
    unsigned flags_ = 0;   // SECCOMP_FILTER_FLAG_*
    bool from_cache_ = false;
};

// "SCMP_ARCH_X86_64" -> libseccomp's token; 0 when it does not know it.
uint32_t seccomp_arch_token(const std::string& arch);

// For `runac features`: the filter flags runac passes that this kernel
// accepts, and the architectures libseccomp can build one filter for here.
std::vector<std::string> seccomp_supported_flags();
std::vector<std::string> seccomp_architectures();

// Sends the notify fd with the container's process state (runtime-spec's
// ContainerProcessState) to the listener socket.
void send_to_seccomp_listener(const oci::Seccomp& config, int notify_fd, pid_t pid, const oci::State& state);

}  // namespace runac::linux
