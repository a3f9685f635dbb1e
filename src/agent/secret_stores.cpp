#include "agent/secret_stores.hpp"

#include <openssl/crypto.h>

#include <algorithm>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/https.hpp"
#include "common/json.hpp"

namespace runac::agent {

namespace {

// A token file's first line; a token with a control character (a second
// header line) is refused.
struct Token {
    std::string text;
    Token(const std::string& file, const char* setting, const char* scheme) {
        if (file.empty())
            throw Error(std::string(scheme) + ":// secrets need " + setting + " in runac.conf");
        auto content = read_file_if_exists(file);
        if (!content) throw Error(std::string(setting) + ": cannot read " + file);
        text = trim(content->substr(0, content->find('\n')));
        OPENSSL_cleanse(content->data(), content->size());
        if (text.empty()) throw Error(std::string(setting) + ": " + file + " is empty");
        if (std::any_of(text.begin(), text.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
            throw Error(std::string(setting) + ": " + file + " holds a control character");
    }
    ~Token() { OPENSSL_cleanse(text.data(), text.size()); }
    Token(const Token&) = delete;
    Token& operator=(const Token&) = delete;
};

// One request to a store: the answer's JSON, or an Error naming what the
// status means. A response body is never part of an error: it may hold a
// secret.
class StoreClient {
public:
    StoreClient(std::string base, std::vector<std::string> headers, const Settings& settings,
                std::chrono::steady_clock::time_point deadline)
        : base_(std::move(base)), headers_(std::move(headers)) {
        options_.ca_file = settings.store_ca_file;
        options_.deadline = deadline;
    }
    ~StoreClient() {
        for (auto& h : headers_) OPENSSL_cleanse(h.data(), h.size());
    }

    // nullopt for a 404: the caller names what is missing.
    std::optional<JsonDocument> get(const std::string& path) {
        HttpsResponse response;
        https_get(base_ + path, headers_, options_, response);
        if (response.status == 404) return std::nullopt;
        if (response.status == 401 || response.status == 403)
            throw Error("the token is refused (HTTP " + std::to_string(response.status) + ")");
        if (response.status != 200) throw Error("the store answered HTTP " + std::to_string(response.status));
        try {
            return JsonDocument::parse(response.body, "the answer");
        } catch (const Error&) {
            throw Error("the store's answer is not JSON");
        }
    }

private:
    std::string base_;
    std::vector<std::string> headers_;
    HttpsOptions options_;
};

std::string joined(const std::vector<std::string>& path, size_t from = 0) {
    std::string out;
    for (size_t i = from; i < path.size(); i++) out += (out.empty() ? "" : "/") + url_escape(path[i]);
    return out;
}

std::string string_member(const JsonValue& v, const std::string& key, const std::string& missing) {
    auto m = v.get(key);
    if (!m || !m->is_string()) throw Error(missing);
    return m->as_string();
}

// Vault's preflight names the KV mount holding the path and its version
// (as the vault CLI asks); a Vault without it answers 404: KV v1.
std::string fetch_vault(const StoreRef& r, const Settings& settings, std::chrono::steady_clock::time_point deadline) {
    if (std::find(settings.vault_hosts.begin(), settings.vault_hosts.end(), r.host) == settings.vault_hosts.end())
        throw Error("host " + r.host + " is not one of vault-hosts in runac.conf");
    Token token(settings.vault_token_file, "vault-token-file", "vault");
    StoreClient vault("https://" + r.host + "/v1/", {"X-Vault-Token: " + token.text}, settings, deadline);
    std::string path = joined(r.path);
    size_t mount_depth = 0;
    bool v2 = false;
    if (auto mount = vault.get("sys/internal/ui/mounts/" + path)) {
        auto data = mount->root().get("data");
        if (!data) throw Error("Vault's preflight answer has no data");
        std::string mount_path = string_member(*data, "path", "Vault's preflight answer names no mount");
        auto options = data->get("options");
        auto version = options && options->is_object() ? options->get("version") : std::nullopt;
        v2 = version && version->is_string() && version->as_string() == "2";
        mount_depth = split(mount_path, '/').size() - (mount_path.ends_with('/') ? 1 : 0);
        if (mount_depth >= r.path.size()) throw Error(joined(r.path) + " is a mount, not a secret");
    }
    std::string read = v2 ? joined({r.path.begin(), r.path.begin() + static_cast<long>(mount_depth)}) + "/data/" +
                                joined(r.path, mount_depth)
                          : path;
    auto secret = vault.get(read);
    if (!secret) throw Error("no secret at " + joined(r.path));
    auto data = secret->root().get("data");
    if (data && v2) data = data->is_object() ? data->get("data") : std::nullopt;
    if (!data || !data->is_object()) throw Error("Vault's answer has no data");
    return string_member(*data, r.field, "the secret has no string field " + r.field);
}

// Connect finds a vault and an item by name through its filter; the item's
// field by label (or id).
std::string fetch_onepassword(const StoreRef& r, const Settings& settings,
                              std::chrono::steady_clock::time_point deadline) {
    if (settings.onepassword_url.empty()) throw Error("op:// secrets need onepassword-connect-url in runac.conf");
    Token token(settings.onepassword_token_file, "onepassword-token-file", "op");
    StoreClient connect(settings.onepassword_url + "/v1/", {"Authorization: Bearer " + token.text}, settings, deadline);
    auto first_id = [&](const std::string& path, const std::string& missing) {
        auto list = connect.get(path);
        if (!list || !list->root().is_array() || list->root().items().empty()) throw Error(missing);
        return string_member(list->root().items()[0], "id", missing);
    };
    std::string vault = first_id("vaults?filter=" + url_escape("name eq \"" + r.path[0] + "\""),
                                 "no vault named " + r.path[0]);
    std::string item = first_id("vaults/" + url_escape(vault) + "/items?filter=" +
                                    url_escape("title eq \"" + r.path[1] + "\""),
                                "no item named " + r.path[1] + " in vault " + r.path[0]);
    auto full = connect.get("vaults/" + url_escape(vault) + "/items/" + url_escape(item));
    auto fields = full ? full->root().get("fields") : std::nullopt;
    if (fields && fields->is_array())
        for (auto& f : fields->items()) {
            if (!f.is_object()) continue;
            auto label = f.get("label"), id = f.get("id");
            bool named = (label && label->is_string() && label->as_string() == r.field) ||
                         (id && id->is_string() && id->as_string() == r.field);
            if (named) return string_member(f, "value", "the field " + r.field + " has no value");
        }
    throw Error("the item has no field " + r.field);
}

std::string fetch_infisical(const StoreRef& r, const Settings& settings,
                            std::chrono::steady_clock::time_point deadline) {
    if (settings.infisical_url.empty()) throw Error("infisical:// secrets need infisical-url in runac.conf");
    Token token(settings.infisical_token_file, "infisical-token-file", "infisical");
    StoreClient infisical(settings.infisical_url + "/api/v3/", {"Authorization: Bearer " + token.text}, settings,
                          deadline);
    std::string folder = "/" + joined(r.path, 2);
    auto secret = infisical.get("secrets/raw/" + url_escape(r.field) + "?workspaceId=" + url_escape(r.path[0]) +
                                "&environment=" + url_escape(r.path[1]) + "&secretPath=" + url_escape(folder));
    auto s = secret ? secret->root().get("secret") : std::nullopt;
    if (!s || !s->is_object()) throw Error("no secret " + r.field + " in " + r.path[1] + folder);
    return string_member(*s, "secretValue", "Infisical's answer has no secretValue");
}

}  // namespace

std::string fetch_store_secret(const Secret& s, const Settings& settings,
                               std::chrono::steady_clock::time_point deadline) {
    std::string problem;
    StoreRef ref = split_store_ref(s.provider, s.source, problem);
    try {
        if (!problem.empty()) throw Error(problem);  // parse_policy refused it already
        switch (s.provider) {
            case SecretProvider::Vault: return fetch_vault(ref, settings, deadline);
            case SecretProvider::OnePassword: return fetch_onepassword(ref, settings, deadline);
            case SecretProvider::Infisical: return fetch_infisical(ref, settings, deadline);
            default: throw Error("not a secret store");
        }
    } catch (const Error& e) {
        throw Error("agent policy: secrets." + s.name + ": " + secret_uri(s) + ": " + e.what());
    }
}

}  // namespace runac::agent
