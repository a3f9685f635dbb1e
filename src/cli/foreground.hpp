// A foreground `run` or `exec`: runac stays with the process, relays the
// signals it receives (and, with a terminal, the pty) to it, and exits with
// its status.
#pragma once
#include <csignal>
#include <sys/types.h>

#include "common/fd.hpp"

namespace runac::cli {

// The signals relayed, as runc relays them. Block them before the process
// exists, so that none meant for it is lost or kills runac in between; the
// process unblocks them for itself.
sigset_t relayed_signals();

// Waits for PID (our child), relaying signals and the pty `console` (if
// any) to our stdio. Returns its exit status as a shell would (128+N when
// killed by signal N).
int wait_relaying(pid_t pid, const sigset_t& set, UniqueFd console);

}  // namespace runac::cli
