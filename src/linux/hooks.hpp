// OCI hooks: a program run with the container's state on its stdin, at the
// moments runtime-spec names (the callers choose the moment and namespace).
#pragma once
#include <string>
#include <vector>

#include "oci/config.hpp"
#include "oci/state.hpp"

namespace runac::linux {

// Runs one program as a hook is run: INPUT on its stdin, its output joined
// to the error line when it fails ("WHERE: error running KIND PATH: exit
// status 1: ..."), killed at hook.timeout.
void run_hook(const oci::Hook& hook, const std::string& where, const std::string& input, const char* kind = "hook");

// Runs each hook in order and throws Error at the first that fails, times
// out or cannot start: "hooks.NAME[i]: ...". `name` is the spec's key
// ("prestart", "createRuntime", ...).
void run_hooks(const std::vector<oci::Hook>& hooks, const std::string& name, const oci::State& state);

// poststart and poststop (runtime-spec): a hook that fails is a warning,
// and the remaining hooks still run.
void run_hooks_warning_on_failure(const std::vector<oci::Hook>& hooks, const std::string& name,
                                  const oci::State& state);

}  // namespace runac::linux
