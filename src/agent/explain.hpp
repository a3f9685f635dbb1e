// `runac policy explain`: per rule of the effective policy, the layers that
// enforce it on this kernel in this build, what stays unenforced and why,
// and the known weaknesses of each layer.
#pragma once
#include <string>

#include "agent/enforcement.hpp"
#include "agent/policy.hpp"
#include "linux/kernel_features.hpp"

namespace runac::agent {

std::string explain(const Policy& policy, const std::string& source, const Assessment& assessment,
                    const linux::KernelFeatures& kernel);

}  // namespace runac::agent
