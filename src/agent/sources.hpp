// Where a container's agent policy comes from: its annotations (the policy
// inline, or the name of a profile the host admin wrote), a sha256 pin of
// the document, its signature (agent/signatures.hpp), and the admin's
// floor profile, which the container's own policy may only narrow.
#pragma once
#include <map>
#include <optional>
#include <string>

#include "agent/policy.hpp"
#include "agent/settings.hpp"

namespace runac::agent {

inline constexpr const char* kPolicyAnnotation = "org.agentcontainers.agent";
inline constexpr const char* kProfileAnnotation = "org.agentcontainers.profile";
inline constexpr const char* kPinAnnotation = "org.agentcontainers.agent.sha256";
inline constexpr const char* kSignatureAnnotation = "org.agentcontainers.agent.sig";
inline constexpr const char* kContainerTypeAnnotation = "io.kubernetes.cri.container-type";

struct PolicyDocument {
    std::string text;    // the exact bytes, as pinned
    std::string origin;  // "org.agentcontainers.agent", "profile NAME (PATH)"
    bool is_profile = false;
    std::string signature_file;  // beside a file: PATH.sig; "" for an annotation or stdin
    std::string signed_by;       // the key that verified its signature; "": not signed
};

// The file of profile NAME; refuses a name that is not [a-z0-9][a-z0-9._-]*
// (so it cannot leave the profile directory). `who` names the setting.
std::string profile_path(const Settings& settings, const std::string& name, const std::string& who);
PolicyDocument read_profile(const Settings& settings, const std::string& name, const std::string& who);
// Refuses a document whose sha256 is not `pin` (hex, either case).
void check_pin(const PolicyDocument& doc, const std::string& pin);
// Verifies the document's signature, `given` if not null (errors name it
// `given_name`), else its signature file if that exists, against the keys
// of policy-keys-dir and sets `signed_by`; refuses a bad signature, and no
// signature under require-signed-policy. Before the document is parsed,
// as the pin.
void check_signature(PolicyDocument& doc, const std::string* given, const Settings& settings,
                     const std::string& given_name = kSignatureAnnotation);
Policy parse_document(const PolicyDocument& doc, const Settings& settings);

struct ResolvedPolicy {
    std::optional<Policy> policy;  // effective; nullopt: the container runs as runc would run it
    std::string source;            // for the log and `policy explain`
    std::string document;          // the container's own document (annotation or profile); "": none
    bool fixed = false;            // that document is sha256-pinned or signed: no grant widens it
    bool sandbox = false;          // a Kubernetes sandbox container, left unconfined
};

// The effective policy from a container's annotations and the settings;
// throws on a bad document, a pin mismatch, a widening rule, or no policy
// where one is required.
ResolvedPolicy resolve_policy(const std::map<std::string, std::string>& annotations, const Settings& settings);

// A policy document on its own (`policy validate/explain FILE`), narrowed
// by the floor when one is configured.
ResolvedPolicy resolve_document(const PolicyDocument& doc, const Settings& settings);

}  // namespace runac::agent
