// The agent seccomp baseline: a second filter stacked on whatever the
// engine asked for (the kernel runs both and the strictest answer wins, so
// it can only narrow). Data in runtime-spec form, compiled and cached like
// the engine's filter (linux/seccomp.hpp).
#pragma once
#include "oci/config.hpp"

namespace runac::enforce {

// Two filters: the refusals, which the kernel's audit logs
// (SECCOMP_FILTER_FLAG_LOG), then the answers that are no refusal (clone3's
// ENOSYS, which every new thread meets) and stay out of the host's log.
// `refuse_memfd`: memfd_create is refused too, where no other layer keeps a
// memfd from being executed.
std::vector<oci::Seccomp> agent_seccomp(bool refuse_memfd);

}  // namespace runac::enforce
