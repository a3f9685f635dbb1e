// Secret stores and signed policies without a network or root: the URIs a
// policy may name, the settings that go with them, and signatures made and
// checked with keys made here.
#include <doctest/doctest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "agent/parse.hpp"
#include "agent/secret_refs.hpp"
#include "agent/settings.hpp"
#include "agent/signatures.hpp"
#include "agent/sources.hpp"
#include "support.hpp"

using namespace runac;
using namespace runac::agent;
using runac::test::error_of;
using runac::test::TempDir;

namespace {

std::string parse_error(const std::string& json) {
    return error_of([&] { parse_policy(json, "t"); });
}

// A fresh key pair: the private key's file in `dir`, the public key's in `dir`/keys.
void make_key(const TempDir& dir, const std::string& name, const char* type, const char* curve = nullptr) {
    EVP_PKEY* key = curve ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, curve) : EVP_PKEY_Q_keygen(nullptr, nullptr, type);
    REQUIRE(key);
    std::filesystem::create_directories(dir.path + "/keys");
    FILE* priv = std::fopen((dir.path + "/" + name + ".key").c_str(), "w");
    FILE* pub = std::fopen((dir.path + "/keys/" + name + ".pem").c_str(), "w");
    REQUIRE((priv && pub));
    PEM_write_PrivateKey(priv, key, nullptr, nullptr, 0, nullptr, nullptr);
    PEM_write_PUBKEY(pub, key);
    std::fclose(priv);
    std::fclose(pub);
    EVP_PKEY_free(key);
}

}  // namespace

TEST_CASE("store URIs: each store's form, split as its API needs it") {
    Policy p = parse_policy(R"({"secrets": {
        "A": "vault://vault.corp:8200/secret/agents/github#token",
        "B": "op://Agents Vault/github/credential",
        "C": "infisical://proj1/prod/agents/ci/KEY",
        "D": {"provider": "vault", "uri": "vault://10.0.0.5/kv/x#f", "allowedTools": ["git"]}}})",
                            "t");
    REQUIRE(p.secrets.size() == 4);
    CHECK(p.secrets[0].provider == SecretProvider::Vault);
    CHECK(p.secrets[0].source == "vault.corp:8200/secret/agents/github#token");
    CHECK(secret_uri(p.secrets[1]) == "op://Agents Vault/github/credential");
    CHECK(p.secrets[2].provider == SecretProvider::Infisical);
    CHECK(p.secrets[3].provider == SecretProvider::Vault);
    CHECK(p.secrets[3].allowed_tools == std::vector<std::string>{"git"});
    std::string problem;
    StoreRef v = split_store_ref(SecretProvider::Vault, p.secrets[0].source, problem);
    CHECK(problem.empty());
    CHECK(v.host == "vault.corp:8200");
    CHECK(v.path == std::vector<std::string>{"secret", "agents", "github"});
    CHECK(v.field == "token");
    StoreRef i = split_store_ref(SecretProvider::Infisical, p.secrets[2].source, problem);
    CHECK(i.path == std::vector<std::string>{"proj1", "prod", "agents", "ci"});
    CHECK(i.field == "KEY");
}

TEST_CASE("store URIs: a malformed one is refused at parse, naming the secret") {
    CHECK(parse_error(R"({"secrets": {"A": "vault://vault.corp/secret/x"}})") ==
          "agent.secrets.A: vault://vault.corp/secret/x: no #FIELD (vault://HOST/PATH#FIELD)");
    CHECK(parse_error(R"({"secrets": {"A": "vault://vault.corp#f"}})") ==
          "agent.secrets.A: vault://vault.corp#f: no PATH (vault://HOST/PATH#FIELD)");
    CHECK(parse_error(R"({"secrets": {"A": "vault://Vault.corp/x#f"}})").find("is not a host") != std::string::npos);
    CHECK(parse_error(R"({"secrets": {"A": "vault://v:99999/x#f"}})") ==
          "agent.secrets.A: vault://v:99999/x#f: \"v:99999\": the port is not 1-65535");
    CHECK(parse_error(R"({"secrets": {"A": "vault://v/secret/../sys/x#f"}})") ==
          "agent.secrets.A: vault://v/secret/../sys/x#f: \"..\" as a name");
    CHECK(parse_error(R"({"secrets": {"A": "vault://v/a//b#f"}})") == "agent.secrets.A: vault://v/a//b#f: an empty name");
    CHECK(parse_error(R"({"secrets": {"A": "op://vault/item"}})") ==
          "agent.secrets.A: op://vault/item: expected op://VAULT/ITEM/FIELD");
    CHECK(parse_error(R"({"secrets": {"A": "op://v/i\"x/f"}})").find("a name has no control characters") !=
          std::string::npos);
    CHECK(parse_error(R"({"secrets": {"A": "infisical://p/NAME"}})") ==
          "agent.secrets.A: infisical://p/NAME: expected infisical://PROJECT/ENV[/FOLDER...]/NAME");
    CHECK(parse_error(R"({"secrets": {"A": {"provider": "op", "uri": "vault://v/x#f"}}})") ==
          "agent.secrets.A.uri: \"vault://v/x#f\" is not a op:// URI");
    CHECK(parse_error(R"({"secrets": {"A": {"provider": "infisical"}}})") == "agent.secrets.A: uri: must be set");
}

TEST_CASE("oidc is refused, saying why") {
    CHECK(parse_error(R"({"secrets": {"A": "oidc://issuer"}})") ==
          "agent.secrets.A: secret provider oidc is not supported (runac is no OIDC issuer: nothing would trust its "
          "tokens)");
    CHECK(parse_error(R"({"secrets": {"A": {"provider": "oidc", "audience": "x"}}})").rfind(
              "agent.secrets.A.provider: secret provider oidc is not supported", 0) == 0);
}

TEST_CASE("runac.conf: the stores' and the signatures' settings") {
    Settings s = parse_settings(
        "vault-hosts = \"vault.corp:8200, 10.0.0.5\"\n"
        "vault-token-file = /etc/runac/vault-token\n"
        "onepassword-connect-url = https://op.corp:8080/\n"
        "infisical-url = https://app.infisical.com\n"
        "secret-store-ca-file = /etc/runac/ca.pem\n"
        "secret-store-timeout = 30s\n"
        "policy-keys-dir = /etc/runac/keys\n"
        "require-signed-policy = true\n",
        "runac.conf");
    CHECK(s.vault_hosts == std::vector<std::string>{"vault.corp:8200", "10.0.0.5"});
    CHECK(s.vault_token_file == "/etc/runac/vault-token");
    CHECK(s.onepassword_url == "https://op.corp:8080");
    CHECK(s.infisical_url == "https://app.infisical.com");
    CHECK(s.store_ca_file == "/etc/runac/ca.pem");
    CHECK(s.store_timeout == 30);
    CHECK(s.policy_keys_dir == "/etc/runac/keys");
    CHECK(s.require_signed_policy);
    auto err = [](const std::string& text) { return error_of([&] { parse_settings(text, "runac.conf"); }); };
    CHECK(err("infisical-url = http://app.infisical.com") ==
          "runac.conf:1: expected an https:// URL, got \"http://app.infisical.com\"");
    CHECK(err("vault-hosts = vault.corp:0") == "runac.conf:1: \"vault.corp:0\": the port is not 1-65535");
    CHECK(err("vault-token-file = token") == "runac.conf:1: \"token\" is not an absolute path");
}

TEST_CASE("a store's secret the floor does not provide widens it") {
    Settings s;
    TempDir dir;
    s.profile_dir = dir.path;
    dir.put("base.json", R"({"secrets": {"A": "vault://v/kv/a#f"}})");
    s.floor_profile = "base";
    auto resolve = [&](const std::string& doc) {
        return error_of([&] { resolve_policy({{kPolicyAnnotation, doc}}, s); });
    };
    CHECK(resolve(R"({"secrets": {"A": "vault://v/kv/a#f"}})") == "");
    CHECK(resolve(R"({"secrets": {"B": "vault://v/kv/other#f"}})") ==
          "agent.secrets.B: the secret vault://v/kv/other#f widens the floor (profile base)");
}

TEST_CASE("signatures: Ed25519 and P-256 verify over the exact bytes; the key that made one is named") {
    TempDir dir;
    make_key(dir, "ed", "ED25519");
    make_key(dir, "p256", "EC", "P-256");
    make_key(dir, "zother", "ED25519");
    std::filesystem::remove(dir.path + "/keys/zother.pem");
    dir.put("doc.json", "{}");
    std::string doc = "{\"policy\": {}}\n";
    std::string by_ed = sign_document(doc, dir.path + "/ed.key");
    std::string by_p256 = sign_document(doc, dir.path + "/p256.key");
    CHECK(verify_document(doc, by_ed, dir.path + "/keys") == "ed.pem");
    CHECK(verify_document(doc, by_p256, dir.path + "/keys") == "p256.pem");
    CHECK(error_of([&] { verify_document(doc + " ", by_ed, dir.path + "/keys"); }) ==
          "verifies with no key in " + dir.path + "/keys");
    std::string other = sign_document(doc, dir.path + "/zother.key");
    CHECK(error_of([&] { verify_document(doc, other, dir.path + "/keys"); }) ==
          "verifies with no key in " + dir.path + "/keys");
    // Base64 with line breaks is fine; a truncated or padded-wrong one is not.
    CHECK(verify_document(doc, by_ed.substr(0, 40) + "\n" + by_ed.substr(40), dir.path + "/keys") == "ed.pem");
    CHECK(error_of([&] { verify_document(doc, by_ed.substr(1), dir.path + "/keys"); }) == "not base64");
    CHECK(error_of([&] { verify_document(doc, "=" + by_ed.substr(1), dir.path + "/keys"); }) == "not base64");
    CHECK(error_of([&] { verify_document(doc, by_ed, dir.path + "/none"); }) ==
          "policy-keys-dir " + dir.path + "/none holds no public key (*.pem, *.pub)");
    dir.put("keys/broken.pem", "not a key");
    CHECK(error_of([&] { verify_document(doc, by_ed, dir.path + "/keys"); }) ==
          "policy-keys-dir: " + dir.path + "/keys/broken.pem: not a PEM public key");
}

TEST_CASE("a signed document takes no grant; its source names the key") {
    TempDir dir;
    make_key(dir, "ed", "ED25519");
    std::string doc = R"({"capabilities": {"filesystem": {"write": ["/tmp"]}}})";
    Settings s;
    s.policy_keys_dir = dir.path + "/keys";
    auto r = resolve_policy({{kPolicyAnnotation, doc}, {kSignatureAnnotation, sign_document(doc, dir.path + "/ed.key")}},
                            s);
    CHECK(r.source == "annotation org.agentcontainers.agent (signed by key ed.pem)");
    CHECK(r.fixed);
    CHECK_FALSE(resolve_policy({{kPolicyAnnotation, doc}}, s).fixed);
    CHECK(error_of([&] { resolve_policy({{kSignatureAnnotation, "AAAA"}}, s); }) ==
          "org.agentcontainers.agent.sig: set, but the container has no policy document");
    s.require_signed_policy = true;
    CHECK(error_of([&] { resolve_policy({{kPolicyAnnotation, doc}}, s); }) ==
          "require-signed-policy: org.agentcontainers.agent is not signed (no org.agentcontainers.agent.sig)");
}
