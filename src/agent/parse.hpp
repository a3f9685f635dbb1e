// The policy document (JSON with comments: the `agent` object of an
// agentcontainer.json) into the typed model. Unknown keys, duplicate keys,
// wrong types and bad values are errors naming the JSON path
// ("agent.capabilities.network.egress[2].port: ..."): a typo must never
// silently weaken a policy.
#pragma once
#include <string>

#include "agent/policy.hpp"
#include "common/json.hpp"

namespace runac::agent {

inline constexpr const char* kDefaultSecretsDir = "/etc/runac/secrets";

// `origin` names the document in a syntax error ("org.agentcontainers.agent:
// invalid JSON: ..."); `secrets_dir` is the only directory `file` secrets
// may come from.
Policy parse_policy(const std::string& text, const std::string& origin,
                    const std::string& secrets_dir = kDefaultSecretsDir);

// One entry of network.egress ({"host": ..., "port": ..., "protocol": ...}),
// as a grant file (agent/grants.hpp) keeps it too.
EgressRule parse_egress_rule(const JsonValue& v);

}  // namespace runac::agent
