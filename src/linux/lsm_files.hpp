// The files the BPF LSM programs name (enforce/lsm.hpp), found by the init
// in the filesystem the container's processes will see, and reported to
// the parent, which fills the programs' maps before the container's
// program runs.
#pragma once
#include <string>
#include <vector>

#include "enforce/lsm.hpp"
#include "enforce/plan.hpp"
#include "linux/executables.hpp"

namespace runac::linux {

// Before the deny over-mounts hide them, the host's "/" still above, in
// the rootfs ROOT: each deny path's file or directory; for one that does
// not exist yet, its parent directory and its name (a denied path whose
// parent does not exist either is left to the other layers).
void find_denied(int root, const std::vector<enforce::PolicyMount>& mounts, enforce::LsmFiles& files);

// After pivot_root: what execve may run (what shell.commands allows, but
// the dynamic loader only as an interpreter), and each secret with the
// executables of its tools, found through PATH. A tool that is a script
// runs as its interpreter: the interpreter is what may open the secret.
void find_executables(const Executables& found, enforce::LsmFiles& files);
void find_secret_tools(const std::vector<enforce::SecretTools>& secrets, const std::string& path_env,
                       enforce::LsmFiles& files);

}  // namespace runac::linux
