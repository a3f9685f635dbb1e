// Landlock (Linux >= 5.13): the filesystem rights of the container's
// processes, as a domain each process restricts itself into before it
// executes its program. A domain cannot be joined, so `runac exec` builds
// the same one from the saved plan.
#pragma once
#include <cstdint>

#include "enforce/plan.hpp"

namespace runac::enforce {

// LANDLOCK_ACCESS_FS_* (Debian 12's headers stop at ABI 2).
namespace fs {
constexpr uint64_t kExecute = 1ull << 0, kWriteFile = 1ull << 1, kReadFile = 1ull << 2, kReadDir = 1ull << 3,
                   kRemoveDir = 1ull << 4, kRemoveFile = 1ull << 5, kMakeChar = 1ull << 6, kMakeDir = 1ull << 7,
                   kMakeReg = 1ull << 8, kMakeSock = 1ull << 9, kMakeFifo = 1ull << 10, kMakeBlock = 1ull << 11,
                   kMakeSym = 1ull << 12, kRefer = 1ull << 13 /* ABI 2 */, kTruncate = 1ull << 14 /* ABI 3 */,
                   kIoctlDev = 1ull << 15 /* ABI 5 */;
constexpr uint64_t kRead = kReadFile | kReadDir;
// The rights that make sense on a file (not a directory) rule.
constexpr uint64_t kOnFiles = kExecute | kWriteFile | kReadFile | kTruncate | kIoctlDev;
}  // namespace fs
constexpr uint64_t kScopeAbstractUnixSocket = 1ull << 0;  // ABI 6
constexpr uint64_t kScopeSignal = 1ull << 1;              // ABI 6
constexpr uint32_t kRestrictLogNewExecOn = 1u << 1;       // ABI 7: denials after execve are logged

// The highest ABI whose rights runac knows; a newer kernel is used at it.
constexpr int kLandlockMaxAbi = 7;
// Every filesystem right ABI `abi` has.
uint64_t fs_rights_of_abi(int abi);

// Restricts the calling thread (and what it executes) to `plan`; needs
// noNewPrivileges (or CAP_SYS_ADMIN). Throws naming the path or step.
void apply_landlock(const Landlock& plan);

}  // namespace runac::enforce
