// The -ENOSYS stub runc puts in front of a seccomp filter: a system call
// newer than every one the profile names answers ENOSYS, not the profile's
// default action. A C library probes new calls (clone3, faccessat2,
// openat2...) and falls back on ENOSYS, but takes EPERM for a refusal: a
// profile written before the call existed would break programs built
// after it. The same reading as runc's: "newer" is a number above the
// highest the profile names for that architecture.
#pragma once
#include <string>

#include "oci/config.hpp"

namespace runac::linux {

// cBPF instructions (struct sock_filter[]) to run before the profile's own
// program; empty when the default action lets calls through anyway (allow,
// log, trace) or already answers ENOSYS.
std::string enosys_stub(const oci::Seccomp& config);

}  // namespace runac::linux
