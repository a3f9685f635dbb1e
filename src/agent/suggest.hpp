// `runac policy suggest`: from a container's audit log, the container's own
// policy document widened just enough to allow what was refused, the way a
// user finds what an agent needs (run it best-effort or with prompts, then
// ask). Only what the log names is added, each where the document already
// restricts it: a refused connect becomes a network.egress entry, a refused
// name its host, a Landlock read, write or execute refusal a
// filesystem.read or filesystem.write path or a shell.commands binary, a
// `runac exec` refused its binary. What no entry can allow (network.deny,
// filesystem.deny, the baseline, a kernel interface, a restriction of the
// floor profile) is left, and said.
#pragma once
#include <string>
#include <vector>

#include "agent/settings.hpp"

namespace runac::agent {

struct Suggestion {
    std::string document;            // the policy document, pretty JSON
    std::vector<std::string> added;  // "capabilities.network.egress: {"host":"192.0.2.10","port":8080}"
    std::vector<std::string> left;   // what stays refused, and why
};

// `log` is an audit log's text; the suggestion is valid and narrows the
// floor profile of `settings`, if any (an addition the floor forbids is
// left, with the reason). Throws when the log has no create record.
Suggestion suggest(const std::string& log, const Settings& settings);

}  // namespace runac::agent
