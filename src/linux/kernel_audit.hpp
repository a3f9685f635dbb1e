// The kernel's audit, as far as runac uses it: whether it is enabled, and
// its read-only multicast group, where Landlock's and seccomp's refusals
// arrive as text records (type 1423 "domain=... blockers=fs.make_dir
// path=...", 1326 "pid=... syscall=101 code=0x50001"). runac never turns
// the audit on or off: that is the host's choice (auditd, auditctl -e 1,
// audit=1 on the kernel's command line).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/fd.hpp"

namespace runac::linux {

// AUDIT_GET: 1 when enabled, 0 when off, -errno when the kernel would not
// say (a user or PID namespace other than the host's, no CAP_AUDIT_CONTROL).
int kernel_audit_enabled();

// A socket bound to the audit's read-only log group (needs CAP_AUDIT_READ,
// in the host's network namespace); non-blocking. The binding is checked
// once: the socket keeps receiving after its holder drops privileges.
UniqueFd open_audit_log_group();

// Reads every record waiting on `fd`: its type and text.
void read_audit_records(int fd, const std::function<void(uint16_t type, std::string_view text)>& record);

}  // namespace runac::linux
