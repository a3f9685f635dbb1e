#include "agent/signatures.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "common/error.hpp"
#include "common/files.hpp"

namespace runac::agent {

namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using DigestContext = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

enum class KeyPart { Public, Private };

// nullptr when the file is not a PEM key of that part.
Key read_key(const std::string& file, KeyPart part) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(file.c_str(), "r"), BIO_free);
    if (!bio) return {nullptr, EVP_PKEY_free};
    EVP_PKEY* key = part == KeyPart::Public ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)
                                            : PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    return {key, EVP_PKEY_free};
}

// The digest a key type signs with (Ed25519: none, it hashes itself); the
// key types allowed: Ed25519 and ECDSA on P-256.
bool allowed_key(EVP_PKEY* key, const EVP_MD*& md) {
    if (EVP_PKEY_get_id(key) == EVP_PKEY_ED25519) {
        md = nullptr;
        return true;
    }
    char group[64] = {};
    size_t len = 0;
    if (EVP_PKEY_get_id(key) == EVP_PKEY_EC && EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1 &&
        (std::string(group) == "prime256v1" || std::string(group) == "P-256")) {
        md = EVP_sha256();
        return true;
    }
    return false;
}

std::string base64(const std::vector<unsigned char>& bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(), static_cast<int>(bytes.size()));
    out.resize(static_cast<size_t>(n));
    return out;
}

// Standard base64, padded, blanks and line breaks ignored; nullopt if it is not.
std::optional<std::vector<unsigned char>> unbase64(const std::string& text) {
    std::string clean;
    for (char c : text)
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') clean += c;
    bool ok = !clean.empty() && clean.size() % 4 == 0 &&
              clean.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") ==
                  std::string::npos;
    size_t pad = clean.size() - std::min(clean.size(), clean.find_last_not_of('=') + 1);
    if (!ok || pad > 2 || clean.find('=') < clean.size() - pad) return std::nullopt;
    std::vector<unsigned char> out(clean.size() / 4 * 3);
    int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(clean.data()),
                            static_cast<int>(clean.size()));
    if (n < 0) return std::nullopt;
    out.resize(static_cast<size_t>(n) - pad);
    return out;
}

bool verifies(EVP_PKEY* key, const EVP_MD* md, const std::vector<unsigned char>& sig, const std::string& data) {
    DigestContext ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) != 1) return false;
    return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), reinterpret_cast<const unsigned char*>(data.data()),
                            data.size()) == 1;
}

}  // namespace

std::string sign_document(const std::string& data, const std::string& key_file) {
    Key key = read_key(key_file, KeyPart::Private);
    if (!key) throw Error("--key: " + key_file + ": not a PEM private key");
    const EVP_MD* md = nullptr;
    if (!allowed_key(key.get(), md)) throw Error("--key: " + key_file + ": neither an Ed25519 nor an ECDSA P-256 key");
    DigestContext ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    size_t len = 0;
    auto bytes = reinterpret_cast<const unsigned char*>(data.data());
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len, bytes, data.size()) != 1)
        throw Error("--key: " + key_file + ": cannot sign with it");
    std::vector<unsigned char> sig(len);
    if (EVP_DigestSign(ctx.get(), sig.data(), &len, bytes, data.size()) != 1)
        throw Error("--key: " + key_file + ": cannot sign with it");
    sig.resize(len);
    return base64(sig);
}

std::string verify_document(const std::string& data, const std::string& signature, const std::string& keys_dir) {
    auto sig = unbase64(signature);
    if (!sig) throw Error("not base64");
    std::vector<std::string> names = files_in(keys_dir);
    std::erase_if(names, [](const std::string& n) { return !n.ends_with(".pem") && !n.ends_with(".pub"); });
    std::sort(names.begin(), names.end());
    if (names.empty()) throw Error("policy-keys-dir " + keys_dir + " holds no public key (*.pem, *.pub)");
    for (auto& name : names) {
        std::string file = keys_dir + "/" + name;
        Key key = read_key(file, KeyPart::Public);
        if (!key) throw Error("policy-keys-dir: " + file + ": not a PEM public key");
        const EVP_MD* md = nullptr;
        if (!allowed_key(key.get(), md))
            throw Error("policy-keys-dir: " + file + ": neither an Ed25519 nor an ECDSA P-256 key");
        if (verifies(key.get(), md, *sig, data)) return name;
    }
    throw Error("verifies with no key in " + keys_dir);
}

}  // namespace runac::agent
