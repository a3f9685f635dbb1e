// Grants a human approved with `runac approve --persist`: egress rules kept
// per container ID in the grant directory (runac.conf `grant-dir`), added
// to that container's effective policy at every later create with the same
// ID (an engine's restart). A policy pinned by sha256 or signed takes
// none: its document is the whole of what it allows.
//
//   /var/lib/runac/grants/ID.json: [{"host": "pypi.org", "port": 443}, ...]
#pragma once
#include <map>
#include <string>
#include <vector>

#include "agent/policy.hpp"
#include "common/json.hpp"

namespace runac::agent {

// Where the grants of container `id` are kept: DIR/ID.json.
std::string grant_path(const std::string& dir, const std::string& id);

// The rule as a policy document writes it: {"host": "pypi.org", "port": 443}
// (no port: any; protocol only when udp).
std::string egress_rule_json(const EgressRule& rule);
void write_egress_rule(JsonWriter& w, const EgressRule& rule);

// The file's grants; none when it does not exist. Throws an Error naming
// the file and the bad entry.
std::vector<EgressRule> read_grants(const std::string& path);
// Adds one (once), creating the file 0600 and its directory 0700.
void add_grant(const std::string& path, const EgressRule& rule);

}  // namespace runac::agent
