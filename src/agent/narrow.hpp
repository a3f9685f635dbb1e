// A container's own policy under the host admin's floor profile: it may only
// narrow the floor. The effective policy is what both allow; a rule that
// would allow more than the floor is refused by name, never dropped.
#pragma once
#include <string>

#include "agent/policy.hpp"

namespace runac::agent {

// Throws Error "agent.PATH: ... widens the floor (profile NAME) ..." for the
// first widening rule of `own`.
Policy narrow(const Policy& floor, const Policy& own, const std::string& floor_name);

}  // namespace runac::agent
