// Mount sources runac opens as the host's root for the init, which by the
// time it mounts is a user namespace's root and could not.
#pragma once
#include <string>
#include <sys/types.h>
#include <vector>

#include "common/fd.hpp"
#include "oci/config.hpp"

namespace runac::linux {

// Idmapped mounts: a bind whose files' owners are seen through id mappings
// (the mount's own, or the user namespace's with a bare "idmap"). The kernel
// lets only a holder of CAP_SYS_ADMIN over the filesystem's user namespace
// (the host's, for a disk) set the mapping, so runac makes these trees in
// the host's namespaces before the init exists, as detached mounts
// (open_tree), and the init only attaches them inside its rootfs.
// One entry per config mount: the detached idmapped tree, or no fd.
std::vector<UniqueFd> make_idmapped_trees(const oci::Config& config, const std::string& bundle);

// A bind source the container's root cannot reach (under a directory only
// the host's root may enter), asked for by the init: opened O_PATH in the
// init's mount namespace (through /proc/PID/root, absolute symlinks taken
// in it), where the init can bind it from, as runc does. No fd if it
// cannot be opened: the init reports its own failure then.
UniqueFd open_bind_source(pid_t init, const std::string& source);

}  // namespace runac::linux
