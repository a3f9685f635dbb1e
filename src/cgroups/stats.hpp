// A container's resource usage as `runc events` reports it: the "data"
// object of {"type":"stats",...}, with runc's keys, nesting and Go's
// omitempty rules (zero values of omitempty fields are left out), since
// containerd and Docker's `stats` decode it with runc's types.
#pragma once
#include <cstdint>

#include "cgroups/cgroup.hpp"

namespace runac {
class JsonWriter;
}

namespace runac::cgroups {

void write_stats(JsonWriter& w, const Cgroup& cg);

// OOM kills in the cgroup so far (v1 memory.oom_control, v2 memory.events).
uint64_t oom_kills(const Cgroup& cg);

}  // namespace runac::cgroups
