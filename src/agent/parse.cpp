#include "agent/parse.hpp"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "agent/secret_refs.hpp"
#include "agent/values.hpp"
#include "common/error.hpp"
#include "common/json.hpp"

namespace runac::agent {

namespace {

constexpr size_t kMaxDocument = 1 << 20;

// The members of one policy object, checked against the keys the schema
// allows there. A null member stays (it is a type error where it is read),
// so `"write": null` cannot pass for an absent key.
class Members {
public:
    Members(const JsonValue& v, std::initializer_list<const char*> allowed) {
        v.for_each([&](const std::string& key, const JsonValue& member) {
            if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; })) {
                std::string list;
                for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
                member.fail("unknown key (allowed here: " + list + ")");
            }
            if (get(key)) member.fail("duplicate key");
            members_.emplace_back(key, member);
        });
    }
    std::optional<JsonValue> get(const std::string& key) const {
        for (auto& [k, v] : members_)
            if (k == key) return v;
        return std::nullopt;
    }

private:
    std::vector<std::pair<std::string, JsonValue>> members_;
};

// A pair of keys meaning the same (canonical and shorthand): one at most.
std::optional<JsonValue> one_of(const Members& m, const char* canonical, const char* shorthand) {
    auto a = m.get(canonical), b = m.get(shorthand);
    if (a && b) b->fail(std::string("means the same as ") + canonical + "; use one of them");
    return a ? a : b;
}

std::vector<std::string> paths(const JsonValue& list) {
    std::vector<std::string> out;
    for (auto& item : list.items()) {
        std::string p = item.as_string();
        if (auto problem = path_problem(p); !problem.empty()) item.fail(problem);
        out.push_back(p);
    }
    return out;
}

std::vector<std::string> nonempty_strings(const JsonValue& list, const char* what) {
    std::vector<std::string> out;
    for (auto& item : list.items()) {
        std::string s = item.as_string();
        if (s.empty()) item.fail(std::string("empty ") + what);
        out.push_back(s);
    }
    return out;
}

std::string binary(const JsonValue& v) {
    std::string b = v.as_string();
    if (auto problem = binary_problem(b); !problem.empty()) v.fail(problem);
    return b;
}

std::vector<std::string> binaries(const JsonValue& list) {
    std::vector<std::string> out;
    for (auto& item : list.items()) out.push_back(binary(item));
    return out;
}

std::string host(const JsonValue& v) {
    std::string problem;
    auto h = parse_host(v.as_string(), problem);
    if (!h) v.fail(problem);
    return h->text;
}

void parse_filesystem(const JsonValue& v, Policy& p) {
    Members m(v, {"read", "write", "deny", "exec", "readOnlyPaths", "writablePaths"});
    if (auto r = one_of(m, "read", "readOnlyPaths")) p.read = paths(*r);
    if (auto w = one_of(m, "write", "writablePaths")) p.write = paths(*w);
    if (auto d = m.get("deny")) p.deny = paths(*d);
    if (auto e = m.get("exec")) p.exec = paths(*e);
}

EgressRule egress_rule(const JsonValue& v) {
    Members m(v, {"host", "port", "protocol"});
    EgressRule r;
    auto h = m.get("host");
    if (!h) v.fail("host: must be set");
    r.host = host(*h);
    if (auto port = m.get("port")) {
        int64_t n = port->as_int();
        if (n < 1 || n > 65535) port->fail("port " + std::to_string(n) + " out of range (1-65535)");
        r.port = static_cast<uint16_t>(n);
    }
    if (auto proto = m.get("protocol")) {
        std::string s = proto->as_string();
        if (s == "udp") r.protocol = Protocol::Udp;
        else if (s != "tcp") proto->fail("unknown protocol \"" + s + "\" (tcp or udp)");
    }
    return r;
}

void parse_network(const JsonValue& v, Policy& p) {
    Members m(v, {"egress", "deny"});
    if (auto e = m.get("egress")) {
        std::vector<EgressRule> rules;
        if (e->is_object()) {
            // The agentcontainers shorthand: names, any port.
            Members em(*e, {"allowedDomains"});
            if (auto domains = em.get("allowedDomains"))
                for (auto& d : domains->items()) rules.push_back({host(d), 0, Protocol::Tcp});
        } else {
            for (auto& item : e->items()) rules.push_back(egress_rule(item));
        }
        p.egress = rules;
    }
    if (auto d = m.get("deny"))
        for (auto& item : d->items()) p.network_deny.push_back(host(item));
}

// "npm test" means {"binary": "npm", "subcommands": ["test"]}.
Command command(const JsonValue& v) {
    Command c;
    if (v.is_string()) {
        std::string s = v.as_string();
        std::vector<std::string> words;
        size_t i = 0;
        while ((i = s.find_first_not_of(" \t", i)) != std::string::npos) {
            size_t j = s.find_first_of(" \t", i);
            words.push_back(s.substr(i, j == std::string::npos ? std::string::npos : j - i));
            i = j;
        }
        if (words.empty()) v.fail("empty binary");
        if (auto problem = binary_problem(words[0]); !problem.empty()) v.fail(problem);
        c.binary = words[0];
        c.subcommands.assign(words.begin() + 1, words.end());
        return c;
    }
    Members m(v, {"binary", "subcommands", "denyArgs"});
    auto b = m.get("binary");
    if (!b) v.fail("binary: must be set");
    c.binary = binary(*b);
    if (auto s = m.get("subcommands")) c.subcommands = nonempty_strings(*s, "subcommand");
    if (auto d = m.get("denyArgs")) c.deny_args = nonempty_strings(*d, "argument");
    return c;
}

std::vector<Command> commands(const JsonValue& list) {
    std::vector<Command> out;
    for (auto& item : list.items()) out.push_back(command(item));
    return out;
}

void parse_capabilities(const JsonValue& v, Policy& p) {
    Members m(v, {"filesystem", "network", "shell"});
    if (auto f = m.get("filesystem")) parse_filesystem(*f, p);
    if (auto n = m.get("network")) parse_network(*n, p);
    if (auto s = m.get("shell")) {
        Members sm(*s, {"commands"});
        if (auto c = sm.get("commands")) p.commands = commands(*c);
    }
}

// oidc is no store: a token for workload identity is signed by an issuer
// the relying party trusts, and runac is none.
[[noreturn]] void oidc_refused(const JsonValue& v) {
    v.fail("secret provider oidc is not supported (runac is no OIDC issuer: nothing would trust its tokens)");
}

void check_file_secret(const JsonValue& v, const std::string& path, const std::string& secrets_dir) {
    if (auto problem = path_problem(path); !problem.empty()) v.fail(problem);
    if (path == secrets_dir || !path_within(path, secrets_dir))
        v.fail(path + " is outside " + secrets_dir + "/ (file secrets come only from there)");
}

void check_env_name(const JsonValue& v, const std::string& name) {
    if (auto problem = secret_name_problem(name); !problem.empty())
        v.fail("\"" + name + "\" is not an environment variable name");
}

// "env://NAME", "file:///etc/runac/secrets/x", a store's URI
// (agent/secret_stores.hpp); oidc is recognised and refused.
Secret parse_secret_uri(const JsonValue& v, const std::string& secrets_dir) {
    std::string uri = v.as_string();
    Secret s;
    auto sep = uri.find("://");
    std::string scheme = sep == std::string::npos ? uri : uri.substr(0, sep);
    std::string rest = sep == std::string::npos ? "" : uri.substr(sep + 3);
    if (scheme == "oidc") oidc_refused(v);
    if (sep == std::string::npos) v.fail("\"" + uri + "\" is not a secret URI (env://NAME, file:///PATH, vault://, op://, infisical://)");
    if (scheme == "env") {
        check_env_name(v, rest);
        s.provider = SecretProvider::Env;
        s.source = rest;
    } else if (scheme == "file") {
        check_file_secret(v, rest, secrets_dir);
        s.provider = SecretProvider::File;
        s.source = rest;
    } else if (auto store = store_of_scheme(scheme)) {
        if (auto problem = store_ref_problem(*store, rest); !problem.empty()) v.fail(uri + ": " + problem);
        s.provider = *store;
        s.source = rest;
    } else {
        v.fail("unknown secret provider \"" + scheme + "\"");
    }
    return s;
}

Secret secret_object(const std::string& name, const JsonValue& v, const std::string& secrets_dir) {
    // The provider first: oidc has keys of its own.
    std::optional<JsonValue> provider;
    v.for_each([&](const std::string& k, const JsonValue& m) {
        if (k == "provider") provider = m;
    });
    if (!provider) v.fail("provider: must be set");
    std::string kind = provider->as_string();
    if (kind == "oidc") oidc_refused(*provider);
    Secret s;
    if (kind == "file") {
        Members m(v, {"provider", "path", "allowedTools"});
        auto path = m.get("path");
        if (!path) v.fail("path: must be set");
        s.provider = SecretProvider::File;
        s.source = path->as_string();
        check_file_secret(*path, s.source, secrets_dir);
        if (auto t = m.get("allowedTools")) s.allowed_tools = binaries(*t);
    } else if (kind == "env") {
        Members m(v, {"provider", "name", "allowedTools"});
        s.provider = SecretProvider::Env;
        s.source = name;
        if (auto n = m.get("name")) {
            s.source = n->as_string();
            check_env_name(*n, s.source);
        }
        if (auto t = m.get("allowedTools")) s.allowed_tools = binaries(*t);
    } else if (auto store = store_of_scheme(kind)) {
        // {"provider": "vault", "uri": "vault://..."}: the URI's scheme is the provider's.
        Members m(v, {"provider", "uri", "allowedTools"});
        auto uri = m.get("uri");
        if (!uri) v.fail("uri: must be set");
        s = parse_secret_uri(*uri, secrets_dir);
        if (s.provider != *store) uri->fail("\"" + uri->as_string() + "\" is not a " + kind + ":// URI");
        if (auto t = m.get("allowedTools")) s.allowed_tools = binaries(*t);
    } else {
        provider->fail("unknown secret provider \"" + kind + "\" (file, env, vault, op, infisical)");
    }
    return s;
}

void parse_secrets(const JsonValue& v, Policy& p, const std::string& secrets_dir) {
    v.for_each([&](const std::string& name, const JsonValue& s) {
        if (auto problem = secret_name_problem(name); !problem.empty()) s.fail(problem);
        for (auto& seen : p.secrets)
            if (seen.name == name) s.fail("duplicate key");
        if (!s.is_string() && !s.is_object()) s.fail("expected a secret URI (string) or an object");
        Secret secret = s.is_string() ? parse_secret_uri(s, secrets_dir) : secret_object(name, s, secrets_dir);
        secret.name = name;
        p.secrets.push_back(secret);
    });
}

void parse_policy_section(const JsonValue& v, Policy& p, bool& escalation_set) {
    Members m(v, {"escalation", "auditLog", "sessionTimeout"});
    if (auto e = m.get("escalation")) {
        std::string s = e->as_string();
        if (s == "prompt") p.escalation = Escalation::Prompt;
        else if (s != "deny") e->fail("unknown escalation \"" + s + "\" (deny or prompt)");
        escalation_set = true;
    }
    if (auto a = m.get("auditLog")) p.audit_log = a->as_bool();
    if (auto t = m.get("sessionTimeout")) {
        std::string problem;
        auto seconds = parse_duration(t->as_string(), problem);
        if (!seconds) t->fail(problem);
        p.session_timeout_seconds = seconds;
    }
}

void parse_enforcement(const JsonValue& v, Policy& p) {
    Members m(v, {"mode", "require"});
    if (auto mode = m.get("mode")) {
        std::string s = mode->as_string();
        if (s == "best-effort") p.mode = Mode::BestEffort;
        else if (s != "strict") mode->fail("unknown mode \"" + s + "\" (strict or best-effort)");
    }
    if (auto r = m.get("require")) {
        for (auto& item : r->items()) {
            std::string name = item.as_string();
            auto layer = layer_by_name(name);
            if (!layer) {
                std::string list;
                for (Layer l : all_layers()) list += (list.empty() ? "" : ", ") + std::string(layer_name(l));
                item.fail("unknown layer \"" + name + "\" (" + list + ")");
            }
            if (std::find(p.require.begin(), p.require.end(), *layer) == p.require.end()) p.require.push_back(*layer);
        }
    }
}

void parse_tools(const JsonValue& v, Policy& p, const JsonValue& escalation_owner, bool escalation_set) {
    Members m(v, {"allowedBinaries", "requireApproval", "mcp", "skills"});
    if (auto b = m.get("allowedBinaries")) {
        if (p.commands) b->fail("means the same as capabilities.shell.commands; use one of them");
        p.commands = commands(*b);
    }
    if (auto r = m.get("requireApproval")) {
        Escalation e = r->as_bool() ? Escalation::Prompt : Escalation::Deny;
        if (escalation_set && e != p.escalation)
            r->fail("contradicts " + escalation_owner.path() + ".escalation");
        p.escalation = e;
    }
    for (const char* key : {"mcp", "skills"})
        if (m.get(key)) p.outside_runtime.push_back(std::string("tools.") + key);
}

}  // namespace

EgressRule parse_egress_rule(const JsonValue& v) { return egress_rule(v); }

Policy parse_policy(const std::string& text, const std::string& origin, const std::string& secrets_dir) {
    if (text.size() > kMaxDocument) throw Error(origin + ": policy document larger than 1 MiB");
    // yajl reads a C string: a NUL would hide whatever follows it.
    if (text.find('\0') != std::string::npos) throw Error(origin + ": invalid JSON: NUL byte");
    JsonDocument doc = JsonDocument::parse(text, origin);
    JsonValue root = doc.root_at("agent");
    Members m(root, {"capabilities", "secrets", "policy", "enforcement", "tools", "provenance", "git", "include"});
    Policy p;
    if (auto include = m.get("include"))
        for (auto& item : include->items()) {
            std::string name = item.as_string();
            if (auto problem = profile_name_problem(name); !problem.empty()) item.fail(problem);
            if (std::find(p.include.begin(), p.include.end(), name) != p.include.end()) item.fail("included twice");
            p.include.push_back(name);
        }
    if (auto c = m.get("capabilities")) parse_capabilities(*c, p);
    if (auto s = m.get("secrets")) parse_secrets(*s, p, secrets_dir);
    bool escalation_set = false;
    auto section = m.get("policy");
    if (section) parse_policy_section(*section, p, escalation_set);
    if (auto e = m.get("enforcement")) parse_enforcement(*e, p);
    if (auto t = m.get("tools")) parse_tools(*t, p, section ? *section : root, escalation_set);
    for (const char* key : {"provenance", "git"})
        if (m.get(key)) p.outside_runtime.push_back(key);
    return p;
}

}  // namespace runac::agent
