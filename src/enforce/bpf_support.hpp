// What runac's BPF appliers (egress.cpp, lsm.cpp) share.
#pragma once
#include <bpf/libbpf.h>

namespace runac::enforce {

// libbpf's own account of a failed load (the verifier's log) goes to
// runac's debug log, not to the engine's stderr, while one of these lives.
class LibbpfToDebugLog {
public:
    LibbpfToDebugLog();
    ~LibbpfToDebugLog();
    LibbpfToDebugLog(const LibbpfToDebugLog&) = delete;
    LibbpfToDebugLog& operator=(const LibbpfToDebugLog&) = delete;

private:
    libbpf_print_fn_t previous_;
};

// Takes runac's programs (named runac_*) of attach type TYPE off the
// cgroup directory CGROUP (an fd), leaving anyone else's.
void detach_runac_programs(int cgroup, bpf_attach_type type);

}  // namespace runac::enforce
