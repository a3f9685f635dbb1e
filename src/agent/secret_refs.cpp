#include "agent/secret_refs.hpp"

#include "common/files.hpp"

namespace runac::agent {

namespace {

// One name of a reference's path: printable, no separator or escape of a
// URL, not "." or ".." (a path must not climb out of what it names).
std::string segment_problem(const std::string& s) {
    if (s.empty()) return "an empty name";
    if (s == "." || s == "..") return "\"" + s + "\" as a name";
    for (unsigned char c : s)
        if (c < 0x20 || c > 0x7e || c == '/' || c == '#' || c == '?' || c == '%' || c == '"' || c == '\\')
            return "\"" + s + "\": a name has no control characters, no non-ASCII and none of / # ? % \" \\";
    return "";
}

const char* scheme_of(SecretProvider p) {
    switch (p) {
        case SecretProvider::Env: return "env";
        case SecretProvider::File: return "file";
        case SecretProvider::Vault: return "vault";
        case SecretProvider::OnePassword: return "op";
        case SecretProvider::Infisical: return "infisical";
    }
    return "";
}

}  // namespace

StoreRef split_store_ref(SecretProvider store, const std::string& ref, std::string& problem) {
    StoreRef r;
    std::string path = ref;
    if (store == SecretProvider::Vault) {
        auto hash = ref.rfind('#');
        if (hash == std::string::npos) {
            problem = "no #FIELD (vault://HOST/PATH#FIELD)";
            return r;
        }
        r.field = ref.substr(hash + 1);
        path = ref.substr(0, hash);
        auto slash = path.find('/');
        r.host = path.substr(0, slash);
        path = slash == std::string::npos ? "" : path.substr(slash + 1);
        if (problem = store_host_problem(r.host); !problem.empty()) return r;
        if (path.empty()) {
            problem = "no PATH (vault://HOST/PATH#FIELD)";
            return r;
        }
        if (problem = segment_problem(r.field); !problem.empty()) return r;
    }
    r.path = split(path, '/');
    for (auto& s : r.path)
        if (problem = segment_problem(s); !problem.empty()) return r;
    if (store == SecretProvider::OnePassword) {
        if (r.path.size() != 3) problem = "expected op://VAULT/ITEM/FIELD";
    } else if (store == SecretProvider::Infisical) {
        if (r.path.size() < 3) problem = "expected infisical://PROJECT/ENV[/FOLDER...]/NAME";
    }
    if (store != SecretProvider::Vault && problem.empty()) {
        r.field = r.path.back();
        r.path.pop_back();
    }
    return r;
}

std::optional<SecretProvider> store_of_scheme(const std::string& scheme) {
    if (scheme == "vault") return SecretProvider::Vault;
    if (scheme == "op") return SecretProvider::OnePassword;
    if (scheme == "infisical") return SecretProvider::Infisical;
    return std::nullopt;
}

bool is_store(SecretProvider p) {
    return p == SecretProvider::Vault || p == SecretProvider::OnePassword || p == SecretProvider::Infisical;
}

std::string store_ref_problem(SecretProvider store, const std::string& ref) {
    std::string problem;
    split_store_ref(store, ref, problem);
    return problem;
}

std::string store_host_problem(const std::string& host) {
    std::string name = host, port;
    if (auto colon = host.rfind(':'); colon != std::string::npos) {
        name = host.substr(0, colon);
        port = host.substr(colon + 1);
        bool digits = !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
        if (!digits || std::stoul(port) == 0 || std::stoul(port) > 65535)
            return "\"" + host + "\": the port is not 1-65535";
    }
    bool ok = !name.empty() && name.size() <= 253 && name.front() != '.' && name.front() != '-' &&
              name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") == std::string::npos;
    if (!ok) return "\"" + host + "\" is not a host (a lower-case DNS name or IPv4 address, with an optional :PORT)";
    return "";
}

std::string secret_uri(const Secret& s) {
    return std::string(scheme_of(s.provider)) + "://" + s.source;
}

}  // namespace runac::agent
