// Namespaces by type: their clone(2) flags, joining one by path, and the
// clone that starts a process in new ones (and, on cgroup v2, in its cgroup).
#pragma once
#include <string>
#include <sys/types.h>

#include "oci/config.hpp"

namespace runac::linux {

int clone_flag(oci::NamespaceType t);
// The name of the namespace's file under /proc/PID/ns/ ("net", "mnt", ...).
const char* proc_ns_name(oci::NamespaceType t);

// Whether the two namespace files name the same namespace (false if
// either cannot be read).
bool same_namespace(const std::string& a, const std::string& b);

// setns(2) into the namespace at ns.path; the error names the namespace.
void join_namespace(const oci::Namespace& ns);
void join_namespace_fd(oci::NamespaceType type, int fd, const std::string& what);

// fork(2) with namespace flags. With `cgroup_fd` (a cgroup v2 directory)
// the child is born in that cgroup (clone3 CLONE_INTO_CGROUP): migrating a
// running process costs a kernel RCU grace period, often longer than the
// rest of `create`. The child is born non-dumpable. Returns 0 in the
// child, as fork does. With `pidfd`,
// the parent also gets a pidfd of the child there (CLONE_PIDFD).
struct Cloned {
    pid_t pid;
    bool in_cgroup;  // born in cgroup_fd's cgroup
};
Cloned clone_process(unsigned long flags, int cgroup_fd, int* pidfd = nullptr);

}  // namespace runac::linux
