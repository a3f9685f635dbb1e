#include "agent/compose.hpp"

#include <algorithm>

#include "agent/secret_refs.hpp"
#include "common/error.hpp"
#include "common/json.hpp"

namespace runac::agent {

namespace {

constexpr size_t kMaxDepth = 8;

template <typename T>
void add_unique(std::vector<T>& into, const std::vector<T>& more) {
    for (auto& x : more)
        if (std::find(into.begin(), into.end(), x) == into.end()) into.push_back(x);
}

template <typename T>
void add_stated(std::optional<std::vector<T>>& into, const std::optional<std::vector<T>>& more) {
    if (!more) return;
    if (!into) into.emplace();
    add_unique(*into, *more);
}

// What an included document may hold: its rules, not the session's.
void check_included_keys(const IncludedDocument& doc) {
    JsonDocument json = JsonDocument::parse(doc.text, doc.origin);
    json.root_at("agent").for_each([&](const std::string& key, const JsonValue& v) {
        if (key != "capabilities" && key != "secrets" && key != "include")
            v.fail("an included profile holds only capabilities, secrets and include (the session's rules are the "
                   "including document's)");
    });
}

void add_rules(Policy& into, const Policy& part) {
    add_stated(into.read, part.read);
    add_unique(into.write, part.write);
    add_unique(into.deny, part.deny);
    add_unique(into.exec, part.exec);
    add_stated(into.egress, part.egress);
    add_unique(into.network_deny, part.network_deny);
    if (part.commands) {
        if (!into.commands) into.commands.emplace();
        for (auto& c : *part.commands) {
            auto same = std::find_if(into.commands->begin(), into.commands->end(),
                                     [&](auto& x) { return x.binary == c.binary; });
            if (same == into.commands->end()) into.commands->push_back(c);
            else if (!(*same == c))
                throw Error("capabilities.shell.commands: " + c.binary + " is listed with other arguments already");
        }
    }
    for (auto& s : part.secrets) {
        auto same = std::find_if(into.secrets.begin(), into.secrets.end(), [&](auto& x) { return x.name == s.name; });
        if (same == into.secrets.end()) into.secrets.push_back(s);
        else if (!(*same == s)) throw Error("secrets." + s.name + ": " + secret_uri(s) + " differs from " + secret_uri(*same));
    }
}

void include_all(Policy& into, const std::vector<std::string>& names, std::vector<std::string>& chain,
                 const ReadProfile& read, const ParsePolicy& parse) {
    for (auto& name : names) {
        std::string path;
        for (auto& n : chain) path += n + " -> ";
        if (std::find(chain.begin(), chain.end(), name) != chain.end())
            throw Error("include " + name + ": a cycle (" + path + name + ")");
        if (chain.size() >= kMaxDepth) throw Error("include " + name + ": nested more than 8 deep (" + path + name + ")");
        try {
            IncludedDocument doc = read(name);
            check_included_keys(doc);
            Policy part = parse(doc);
            chain.push_back(name);
            include_all(part, part.include, chain, read, parse);
            chain.pop_back();
            add_rules(into, part);
        } catch (const Error& e) {
            std::string what = e.what();
            throw Error(what.rfind("include ", 0) == 0 ? what : "include " + name + ": " + what);
        }
    }
}

}  // namespace

Policy compose(Policy policy, const ReadProfile& read, const ParsePolicy& parse) {
    std::vector<std::string> chain;
    include_all(policy, policy.include, chain, read, parse);
    return policy;
}

}  // namespace runac::agent
