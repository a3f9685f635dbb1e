// runac policy validate|explain|suggest|sign|verify: check an agent policy
// document, say how this build would enforce it on this kernel before any
// container uses it, from a container's audit log what it would have
// needed, and sign a document or check its signature.
#include <cstdio>
#include <optional>

#include "agent/enforcement.hpp"
#include "agent/explain.hpp"
#include "agent/signatures.hpp"
#include "agent/sources.hpp"
#include "agent/suggest.hpp"
#include "audit/audit_log.hpp"
#include "cli/command.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "container/container.hpp"
#include "linux/executables.hpp"
#include "linux/kernel_features.hpp"

namespace runac::cli {

namespace {

agent::PolicyDocument read_document(const std::string& file) {
    if (file == "-") {
        return {read_all(0, "(stdin)"), "(stdin)", false, "", ""};
    }
    auto text = read_file_if_exists(file);
    if (!text) throw Error(file + ": no such file");
    return {*text, file, false, file + ".sig", ""};
}

std::string one_file(const Args& args, const std::string& what) {
    if (args.positional.size() != 1) throw Error(what + ": requires exactly 1 argument, a policy file or -");
    return args.positional[0];
}

const char* kUsage =
    "Usage: runac policy validate FILE|-\n"
    "       runac policy explain FILE|-\n"
    "       runac policy explain --container ID | --profile NAME\n"
    "       runac policy explain --hook FILE|- | --profile NAME\n"
    "       runac policy suggest LOG|ID\n"
    "       runac policy sign --key KEY FILE|-\n"
    "       runac policy verify [--signature BASE64] FILE|-\n\n"
    "validate checks an agent policy document (the `agent` object of an\n"
    "agentcontainer.json, JSON with comments) and, when a floor profile is\n"
    "configured, that it only narrows it; exit status 1 with one line naming\n"
    "the JSON path when it does not.\n"
    "explain says, per rule of the effective policy (of a file, a container or\n"
    "a profile of the profile directory), which layers enforce it on\n"
    "this kernel in this build, what stays unenforced and why, and what create\n"
    "would do with it; with --hook, what `runac hook` would apply beside\n"
    "another runtime (runc, crun).\n"
    "suggest reads a container's audit log (a file, or the log of container ID\n"
    "in the audit directory) and prints its policy document widened just enough\n"
    "to allow what was refused; what stays refused, and why, goes to stderr.\n"
    "sign prints the base64 signature of the document's exact bytes by KEY (a\n"
    "PEM Ed25519 or ECDSA P-256 private key), for the annotation\n"
    "org.agentcontainers.agent.sig or a FILE.sig beside a profile.\n"
    "verify checks a signature (--signature, else FILE.sig) against the keys\n"
    "of policy-keys-dir and names the key that made it.\n"
    "See runac-policy(5).\n";

const Flag kHelp = {{"help", "h"}, false};

int print_usage() {
    std::printf("%s", kUsage);
    return 0;
}

int run_policy(const GlobalOptions& global, const Args& outer) {
    if (outer.positional.empty())
        throw Error("policy: requires a subcommand: validate, explain, suggest, sign or verify");
    std::string sub = outer.positional[0];
    std::vector<std::string> rest(outer.positional.begin(), outer.positional.end());
    agent::Settings settings = agent_settings(global);
    if (sub == "validate") {
        Args args = parse_args({kHelp}, rest, 1, "policy validate", false);
        if (args.flag("help")) return print_usage();
        std::string file = one_file(args, "policy validate");
        auto resolved = agent::resolve_document(read_document(file), settings);
        std::printf("%s: valid\n", file == "-" ? "(stdin)" : file.c_str());
        return 0;
    }
    if (sub == "explain") {
        Args args = parse_args({{{"container"}, true}, {{"profile"}, true}, {{"hook"}, false}, kHelp}, rest, 1,
                               "policy explain", false);
        if (args.flag("help")) return print_usage();
        agent::ResolvedPolicy resolved;
        std::optional<enforce::Plan> plan;
        std::string engine_profile;
        if (args.has("container")) {
            if (!args.positional.empty()) throw Error("policy explain: --container takes no policy file");
            auto c = container::Container::load(global.root, args.get("container"), false);
            resolved = agent::resolve_policy(c.config().annotations, settings);
            plan = c.plan();
            engine_profile = c.config().process.apparmor_profile;
            if (!resolved.policy) {
                std::printf("container %s: no agent policy (%s)\n", args.get("container").c_str(),
                            resolved.sandbox ? resolved.source.c_str() : "runs as runc would run it");
                return 0;
            }
        } else if (args.has("profile")) {
            if (!args.positional.empty()) throw Error("policy explain: --profile takes no policy file");
            resolved = agent::resolve_document(agent::read_profile(settings, args.get("profile"), "--profile"), settings);
        } else {
            resolved = agent::resolve_document(read_document(one_file(args, "policy explain")), settings);
        }
        const auto& kernel = linux::kernel_features();
        // --hook: as `runac hook` would apply it beside another runtime.
        auto applier = args.flag("hook") ? agent::Applier::Hook : agent::Applier::Runtime;
        auto assessment = agent::assess(*resolved.policy, kernel, applier);
        std::string text = agent::explain(*resolved.policy, resolved.source, assessment, kernel);
        // What the init found for shell.commands in the container's filesystem.
        if (plan)
            for (auto& file : linux::allowed_executables(*plan)) text += "executable (shell.commands): " + file + "\n";
        // Which AppArmor profile its processes run under.
        if (plan && !plan->apparmor_profile.empty())
            text += "apparmor profile: " + plan->apparmor_profile + " (generated from the policy)\n";
        else if (plan && !engine_profile.empty())
            text += "apparmor profile: " + engine_profile + " (the engine's; runac generates none)\n";
        std::fwrite(text.data(), 1, text.size(), stdout);
        return 0;
    }
    if (sub == "suggest") {
        Args args = parse_args({kHelp}, rest, 1, "policy suggest", false);
        if (args.flag("help")) return print_usage();
        if (args.positional.size() != 1) throw Error("policy suggest: requires exactly 1 argument, an audit log or a container ID");
        std::string from = args.positional[0];
        auto log = read_file_if_exists(from);
        if (!log && from.find('/') == std::string::npos) log = read_file_if_exists(audit::log_path(settings.audit_dir, from));
        if (!log) throw Error("policy suggest: " + from + ": no such audit log");
        auto s = agent::suggest(*log, settings);
        std::printf("%s\n", s.document.c_str());
        for (auto& a : s.added) std::fprintf(stderr, "added %s\n", a.c_str());
        for (auto& l : s.left) std::fprintf(stderr, "left %s\n", l.c_str());
        return 0;
    }
    if (sub == "sign") {
        Args args = parse_args({{{"key"}, true}, kHelp}, rest, 1, "policy sign", false);
        if (args.flag("help")) return print_usage();
        if (!args.has("key")) throw Error("policy sign: requires --key KEY (a PEM private key)");
        auto doc = read_document(one_file(args, "policy sign"));
        std::printf("%s\n", agent::sign_document(doc.text, args.get("key")).c_str());
        return 0;
    }
    if (sub == "verify") {
        Args args = parse_args({{{"signature"}, true}, kHelp}, rest, 1, "policy verify", false);
        if (args.flag("help")) return print_usage();
        auto doc = read_document(one_file(args, "policy verify"));
        std::string signature = args.has("signature") ? args.get("signature") : "";
        settings.require_signed_policy = true;  // no signature is a failure here
        agent::check_signature(doc, args.has("signature") ? &signature : nullptr, settings, "--signature");
        std::printf("%s: signed by key %s (%s/%s)\n", doc.origin.c_str(), doc.signed_by.c_str(),
                    settings.policy_keys_dir.c_str(), doc.signed_by.c_str());
        return 0;
    }
    throw Error("policy: unknown subcommand \"" + sub + "\" (validate, explain, suggest, sign or verify)");
}

}  // namespace

Command policy_command() {
    return {"policy", "validate, explain, suggest, sign or verify an agent policy", kUsage, {}, run_policy, true};
}

}  // namespace runac::cli
