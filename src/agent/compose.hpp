// `include`: a document names profiles (registry presets: npm, pypi,
// github-https, ...) whose rules it adds to its own. The rules add up: the
// lists of every document are joined (filesystem paths, egress, deny,
// commands, secrets), and a list no document states keeps its default (an
// unstated egress is unrestricted; one stated anywhere restricts it to the
// sum). An included profile holds only capabilities, secrets and include of
// its own: the session rules (policy, enforcement, tools) are the including
// document's. Includes nest, at most 8 deep; a cycle is refused.
#pragma once
#include <functional>
#include <string>

#include "agent/policy.hpp"

namespace runac::agent {

// A profile's document, by name (agent/sources.hpp reads the profile
// directory): its text and its origin for errors.
struct IncludedDocument {
    std::string text;
    std::string origin;
};
using ReadProfile = std::function<IncludedDocument(const std::string& name)>;
using ParsePolicy = std::function<Policy(const IncludedDocument& doc)>;

// `policy` with the rules of every profile it includes, recursively added.
// Throws naming the include: "include npm: ...".
Policy compose(Policy policy, const ReadProfile& read, const ParsePolicy& parse);

}  // namespace runac::agent
