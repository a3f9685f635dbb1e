#include "agent/settings.hpp"

#include "agent/secret_refs.hpp"
#include "agent/values.hpp"
#include "common/error.hpp"
#include "common/files.hpp"

namespace runac::agent {

namespace {

// A bare or "quoted" value, then nothing but an optional # comment.
std::string value_of(const std::string& raw, const std::string& where) {
    std::string v = trim(raw);
    if (v.empty() || v.front() != '"') return trim(v.substr(0, v.find('#')));
    auto close = v.find('"', 1);
    if (close == std::string::npos) throw Error(where + ": unterminated string");
    std::string rest = trim(v.substr(close + 1));
    if (!rest.empty() && rest.front() != '#') throw Error(where + ": unexpected text after the value");
    return v.substr(1, close - 1);
}

bool boolean(const std::string& v, const std::string& where) {
    if (v == "true") return true;
    if (v == "false") return false;
    throw Error(where + ": expected true or false, got \"" + v + "\"");
}

std::string absolute(const std::string& v, const std::string& where) {
    if (auto problem = path_problem(v); !problem.empty()) throw Error(where + ": " + problem);
    return v;
}

int64_t duration(const std::string& v, const std::string& where) {
    std::string problem;
    auto seconds = parse_duration(v, problem);
    if (!seconds) throw Error(where + ": " + problem);
    return *seconds;
}

// A secret store's address: https://HOST[:PORT][/PATH], kept without a
// trailing slash.
std::string https_url(const std::string& v, const std::string& where) {
    const std::string scheme = "https://";
    if (v.compare(0, scheme.size(), scheme) != 0 || v.size() == scheme.size())
        throw Error(where + ": expected an https:// URL, got \"" + v + "\"");
    std::string url = v;
    while (url.back() == '/') url.pop_back();
    return url;
}

std::vector<std::string> hosts(const std::string& v, const std::string& where) {
    std::vector<std::string> out;
    std::string list = v;
    for (char& c : list)
        if (c == ',') c = ' ';
    for (auto& h : words(list)) {
        if (auto problem = store_host_problem(h); !problem.empty()) throw Error(where + ": " + problem);
        out.push_back(h);
    }
    return out;
}

}  // namespace

Settings parse_settings(const std::string& text, const std::string& origin) {
    Settings s;
    size_t start = 0;
    for (int line_no = 1; start <= text.size(); line_no++) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        start = end + 1;
        line = trim(line);
        if (line.empty() || line.front() == '#') continue;
        std::string where = origin + ":" + std::to_string(line_no);
        auto eq = line.find('=');
        if (eq == std::string::npos) throw Error(where + ": expected KEY = VALUE");
        std::string key = trim(line.substr(0, eq));
        std::string value = value_of(line.substr(eq + 1), where);
        if (key == "agent-profile") s.floor_profile = value;
        else if (key == "require-agent-policy") s.require_policy = boolean(value, where);
        else if (key == "profile-dir") s.profile_dir = absolute(value, where);
        else if (key == "secrets-dir") s.secrets_dir = absolute(value, where);
        else if (key == "audit-dir") s.audit_dir = absolute(value, where);
        else if (key == "grant-dir") s.grant_dir = absolute(value, where);
        else if (key == "approval-timeout") s.approval_timeout = duration(value, where);
        else if (key == "vault-hosts") s.vault_hosts = hosts(value, where);
        else if (key == "vault-token-file") s.vault_token_file = absolute(value, where);
        else if (key == "onepassword-connect-url") s.onepassword_url = https_url(value, where);
        else if (key == "onepassword-token-file") s.onepassword_token_file = absolute(value, where);
        else if (key == "infisical-url") s.infisical_url = https_url(value, where);
        else if (key == "infisical-token-file") s.infisical_token_file = absolute(value, where);
        else if (key == "secret-store-ca-file") s.store_ca_file = absolute(value, where);
        else if (key == "secret-store-timeout") s.store_timeout = duration(value, where);
        else if (key == "policy-keys-dir") s.policy_keys_dir = absolute(value, where);
        else if (key == "require-signed-policy") s.require_signed_policy = boolean(value, where);
        else throw Error(where + ": unknown key \"" + key + "\"");
    }
    return s;
}

Settings load_settings(const std::string& config_path, bool path_given, const std::string& flag_profile,
                       bool flag_require) {
    Settings s;
    auto text = read_file_if_exists(config_path);
    if (text) s = parse_settings(*text, config_path);
    else if (path_given) throw Error("--config: cannot read " + config_path);
    if (!flag_profile.empty()) s.floor_profile = flag_profile;
    s.require_policy = s.require_policy || flag_require;
    return s;
}

}  // namespace runac::agent
