// Idmapped mounts: a bind whose files' owners are seen through id mappings
// (the mount's own, or the user namespace's with a bare "idmap"). The kernel
// lets only a holder of CAP_SYS_ADMIN over the filesystem's user namespace
// (the host's, for a disk) set the mapping, so runac makes these trees in
// the host's namespaces before the init exists, as detached mounts
// (open_tree), and the init only attaches them inside its rootfs.
#pragma once
#include <string>
#include <vector>

#include "common/fd.hpp"
#include "oci/config.hpp"

namespace runac::linux {

// One entry per config mount: the detached idmapped tree, or no fd.
std::vector<UniqueFd> make_idmapped_trees(const oci::Config& config, const std::string& bundle);

}  // namespace runac::linux
