// A container of another runtime (runc, crun) that carries an agent policy:
// what `runac hook` applies to it as an OCI hook (oci-hooks/). At
// createRuntime (its namespaces and cgroup made, its root not yet pivoted,
// its program not started) it applies what acts from outside the
// container: the egress programs on its cgroup, the monitor (resolver,
// session timeout, refusal reports) and the audit log. At poststop it
// removes them. What only a runtime can apply (mounts, Landlock, the
// seccomp baseline, capabilities, secrets) it cannot: a strict policy that
// needs any of it is refused, a best-effort one logs each rule left out.
// Its record of each container is a state.json under kHookRoot/ID.
#pragma once
#include <string>

#include "agent/settings.hpp"
#include "oci/state.hpp"

namespace runac::container {

inline constexpr const char* kHookRoot = "/run/runac-hooks";

// createRuntime; `state` is the runtime's, from the hook's stdin. Throws the
// refusal (the runtime then fails the create); leaves nothing when it does.
void hook_create_runtime(const oci::State& state, const agent::Settings& settings);

// poststop: ends the monitor and takes the programs and the record away.
// Nothing when createRuntime applied nothing.
void hook_poststop(const oci::State& state);

}  // namespace runac::container
