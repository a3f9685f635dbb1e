#include "agent/sources.hpp"

#include <cctype>

#include "agent/compose.hpp"
#include "agent/narrow.hpp"
#include "agent/parse.hpp"
#include "agent/signatures.hpp"
#include "agent/values.hpp"
#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/files.hpp"

namespace runac::agent {

namespace {

const std::string* annotation(const std::map<std::string, std::string>& a, const char* key) {
    auto it = a.find(key);
    return it == a.end() ? nullptr : &it->second;
}

std::string signed_note(const PolicyDocument& doc) {
    return doc.signed_by.empty() ? "" : " (signed by key " + doc.signed_by + ")";
}

std::string included_note(const Policy& p) {
    std::string names;
    for (auto& n : p.include) names += (names.empty() ? "" : ", ") + n;
    return names.empty() ? "" : " (including " + names + ")";
}

ResolvedPolicy under_floor(std::optional<Policy> own, std::string source, const Settings& settings) {
    ResolvedPolicy r;
    if (!settings.floor_profile.empty()) {
        PolicyDocument floor_doc = read_profile(settings, settings.floor_profile, "agent-profile");
        check_signature(floor_doc, nullptr, settings);
        Policy floor = parse_document(floor_doc, settings);
        std::string floor_source =
            "floor profile " + settings.floor_profile + included_note(floor) + signed_note(floor_doc);
        if (own) {
            r.policy = narrow(floor, *own, settings.floor_profile);
            r.source = source + ", narrowing the " + floor_source;
        } else {
            r.policy = floor;
            r.source = floor_source;
        }
        return r;
    }
    r.policy = std::move(own);
    r.source = std::move(source);
    return r;
}

}  // namespace

std::string profile_path(const Settings& settings, const std::string& name, const std::string& who) {
    if (auto problem = profile_name_problem(name); !problem.empty()) throw Error(who + ": " + problem);
    return settings.profile_dir + "/" + name + ".json";
}

PolicyDocument read_profile(const Settings& settings, const std::string& name, const std::string& who) {
    std::string path = profile_path(settings, name, who);
    auto text = read_file_if_exists(path);
    if (!text) throw Error(who + ": no profile \"" + name + "\" (" + path + " does not exist)");
    return {*text, "profile " + name + " (" + path + ")", true, path + ".sig", ""};
}

void check_pin(const PolicyDocument& doc, const std::string& pin) {
    std::string want;
    for (char c : pin) want += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool hex = want.size() == 64 && want.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (!hex) throw Error(std::string(kPinAnnotation) + ": not a hex sha256 (64 hex digits)");
    std::string got = sha256_hex(doc.text);
    if (got != want)
        throw Error(std::string(kPinAnnotation) + ": mismatch: " + doc.origin + " has sha256 " + got +
                    ", the pin is " + want);
}

void check_signature(PolicyDocument& doc, const std::string* given, const Settings& settings,
                     const std::string& given_name) {
    std::optional<std::string> signature;
    std::string where = given_name;
    if (given) {
        signature = *given;
    } else if (!doc.signature_file.empty()) {
        signature = read_file_if_exists(doc.signature_file);
        where = doc.signature_file;
    }
    if (!signature) {
        if (settings.require_signed_policy)
            throw Error("require-signed-policy: " + doc.origin + " is not signed (no " + kSignatureAnnotation +
                        (doc.signature_file.empty() ? "" : " and no " + doc.signature_file) + ")");
        return;
    }
    try {
        doc.signed_by = verify_document(doc.text, *signature, settings.policy_keys_dir);
    } catch (const Error& e) {
        throw Error(where + ": the signature of " + doc.origin + ": " + e.what());
    }
}

Policy parse_document(const PolicyDocument& doc, const Settings& settings) {
    try {
        Policy own = parse_policy(doc.text, doc.origin, settings.secrets_dir);
        if (own.include.empty()) return own;
        return compose(
            std::move(own),
            [&](const std::string& name) {
                PolicyDocument profile = read_profile(settings, name, "include");
                return IncludedDocument{profile.text, profile.origin};
            },
            [&](const IncludedDocument& d) { return parse_policy(d.text, d.origin, settings.secrets_dir); });
    } catch (const Error& e) {
        // Profile errors say which profile; an annotation's JSON path says enough.
        if (doc.is_profile && std::string(e.what()).rfind(doc.origin, 0) != 0)
            throw Error(doc.origin + ": " + e.what());
        throw;
    }
}

ResolvedPolicy resolve_policy(const std::map<std::string, std::string>& annotations, const Settings& settings) {
    auto type = annotation(annotations, kContainerTypeAnnotation);
    if (type && *type == "sandbox") {
        ResolvedPolicy r;
        r.sandbox = true;
        r.source = "a Kubernetes sandbox container (left unconfined)";
        return r;
    }
    auto inline_doc = annotation(annotations, kPolicyAnnotation);
    auto profile = annotation(annotations, kProfileAnnotation);
    auto pin = annotation(annotations, kPinAnnotation);
    auto signature = annotation(annotations, kSignatureAnnotation);
    if (inline_doc && profile)
        throw Error(std::string(kProfileAnnotation) + ": set together with " + kPolicyAnnotation + "; use one of them");
    std::optional<PolicyDocument> doc;
    if (inline_doc) doc = PolicyDocument{*inline_doc, kPolicyAnnotation, false, "", ""};
    if (profile) doc = read_profile(settings, *profile, kProfileAnnotation);
    if (pin && !doc) throw Error(std::string(kPinAnnotation) + ": set, but the container has no policy document");
    if (signature && !doc)
        throw Error(std::string(kSignatureAnnotation) + ": set, but the container has no policy document");
    if (pin) check_pin(*doc, *pin);
    if (doc) check_signature(*doc, signature, settings);

    std::optional<Policy> own;
    std::string source;
    if (doc) {
        own = parse_document(*doc, settings);
        source = inline_doc ? std::string("annotation ") + kPolicyAnnotation : doc->origin;
        source += included_note(*own);
        if (pin) source += " (sha256-pinned)";
        source += signed_note(*doc);
    }
    ResolvedPolicy r = under_floor(std::move(own), source, settings);
    if (doc) {
        r.document = doc->text;
        r.fixed = pin || !doc->signed_by.empty();
    }
    if (!r.policy && settings.require_policy)
        throw Error("no agent policy: this runtime requires one (require-agent-policy); set the " +
                    std::string(kPolicyAnnotation) + " or " + kProfileAnnotation + " annotation");
    return r;
}

ResolvedPolicy resolve_document(const PolicyDocument& document, const Settings& settings) {
    PolicyDocument doc = document;
    check_signature(doc, nullptr, settings);
    Policy own = parse_document(doc, settings);
    std::string source = doc.origin + included_note(own) + signed_note(doc);
    return under_floor(std::move(own), source, settings);
}

}  // namespace runac::agent
