// User and time namespaces: what only exists once the namespace does (its
// id mappings, its clock offsets), and becoming the container's root in it.
#pragma once
#include <sys/types.h>
#include <vector>

#include "common/fd.hpp"
#include "oci/config.hpp"

namespace runac::linux {

// Writes /proc/PID/uid_map and gid_map from the host side, before the
// process in the new user namespace does anything that needs an id.
void write_id_mappings(pid_t pid, const std::vector<oci::IdMapping>& uids, const std::vector<oci::IdMapping>& gids,
                       const std::string& field);

// A new user namespace with these mappings, held by an fd (for idmapped
// mounts): a child is cloned into it, mapped, and killed once it is opened.
UniqueFd user_namespace_with(const std::vector<oci::IdMapping>& uids, const std::vector<oci::IdMapping>& gids,
                             const std::string& field);

// In a user namespace runac created or joined: uid and gid 0 of the
// namespace, no supplementary groups. Every later step runs as the
// container's root, as under runc.
void become_namespace_root();

// unshare(CLONE_NEWTIME) and the offsets: the calling process stays in the
// host's time namespace until it execs; its children are born in the new one.
void unshare_time_namespace(const oci::Linux& linux);

}  // namespace runac::linux
