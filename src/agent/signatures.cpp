#include "agent/signatures.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "common/dynlib.hpp"
#include "common/error.hpp"
#include "common/files.hpp"

namespace runac::agent {

namespace {

// libcrypto's signature code, loaded by the first signature a command
// checks or makes: linked in, its tables (relocated at every start) made
// the binary twice as large and every command's start touch a megabyte
// more, for what only signed policies use. (SHA-256 stays linked:
// common/digest.cpp.)
struct Crypto {
    decltype(&BIO_new_file) bio_new_file;
    decltype(&BIO_free) bio_free;
    decltype(&PEM_read_bio_PUBKEY) read_pubkey;
    decltype(&PEM_read_bio_PrivateKey) read_private_key;
    decltype(&EVP_PKEY_free) pkey_free;
    decltype(&EVP_PKEY_get_id) pkey_id;
    decltype(&EVP_PKEY_get_group_name) pkey_group_name;
    decltype(&EVP_sha256) sha256;
    decltype(&EVP_EncodeBlock) encode_block;
    decltype(&EVP_DecodeBlock) decode_block;
    decltype(&EVP_MD_CTX_new) md_ctx_new;
    decltype(&EVP_MD_CTX_free) md_ctx_free;
    decltype(&EVP_DigestSignInit) sign_init;
    decltype(&EVP_DigestSign) sign;
    decltype(&EVP_DigestVerifyInit) verify_init;
    decltype(&EVP_DigestVerify) verify;
};

const Crypto& crypto() {
    static const Crypto api = [] {
        SharedLibrary lib("libcrypto.so.3", "policy signatures");
        Crypto c;
        lib.bind(c.bio_new_file, "BIO_new_file");
        lib.bind(c.bio_free, "BIO_free");
        lib.bind(c.read_pubkey, "PEM_read_bio_PUBKEY");
        lib.bind(c.read_private_key, "PEM_read_bio_PrivateKey");
        lib.bind(c.pkey_free, "EVP_PKEY_free");
        lib.bind(c.pkey_id, "EVP_PKEY_get_id");
        lib.bind(c.pkey_group_name, "EVP_PKEY_get_group_name");
        lib.bind(c.sha256, "EVP_sha256");
        lib.bind(c.encode_block, "EVP_EncodeBlock");
        lib.bind(c.decode_block, "EVP_DecodeBlock");
        lib.bind(c.md_ctx_new, "EVP_MD_CTX_new");
        lib.bind(c.md_ctx_free, "EVP_MD_CTX_free");
        lib.bind(c.sign_init, "EVP_DigestSignInit");
        lib.bind(c.sign, "EVP_DigestSign");
        lib.bind(c.verify_init, "EVP_DigestVerifyInit");
        lib.bind(c.verify, "EVP_DigestVerify");
        return c;
    }();
    return api;
}

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using DigestContext = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

enum class KeyPart { Public, Private };

// nullptr when the file is not a PEM key of that part.
Key read_key(const std::string& file, KeyPart part) {
    const Crypto& c = crypto();
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(c.bio_new_file(file.c_str(), "r"), c.bio_free);
    if (!bio) return {nullptr, c.pkey_free};
    EVP_PKEY* key = part == KeyPart::Public ? c.read_pubkey(bio.get(), nullptr, nullptr, nullptr)
                                            : c.read_private_key(bio.get(), nullptr, nullptr, nullptr);
    return {key, c.pkey_free};
}

// The digest a key type signs with (Ed25519: none, it hashes itself); the
// key types allowed: Ed25519 and ECDSA on P-256.
bool allowed_key(EVP_PKEY* key, const EVP_MD*& md) {
    const Crypto& c = crypto();
    if (c.pkey_id(key) == EVP_PKEY_ED25519) {
        md = nullptr;
        return true;
    }
    char group[64] = {};
    size_t len = 0;
    if (c.pkey_id(key) == EVP_PKEY_EC && c.pkey_group_name(key, group, sizeof group, &len) == 1 &&
        (std::string(group) == "prime256v1" || std::string(group) == "P-256")) {
        md = c.sha256();
        return true;
    }
    return false;
}

std::string base64(const std::vector<unsigned char>& bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int n = crypto().encode_block(reinterpret_cast<unsigned char*>(out.data()), bytes.data(), static_cast<int>(bytes.size()));
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
    int n = crypto().decode_block(out.data(), reinterpret_cast<const unsigned char*>(clean.data()),
                            static_cast<int>(clean.size()));
    if (n < 0) return std::nullopt;
    out.resize(static_cast<size_t>(n) - pad);
    return out;
}

bool verifies(EVP_PKEY* key, const EVP_MD* md, const std::vector<unsigned char>& sig, const std::string& data) {
    const Crypto& c = crypto();
    DigestContext ctx(c.md_ctx_new(), c.md_ctx_free);
    if (!ctx || c.verify_init(ctx.get(), nullptr, md, nullptr, key) != 1) return false;
    return c.verify(ctx.get(), sig.data(), sig.size(), reinterpret_cast<const unsigned char*>(data.data()),
                            data.size()) == 1;
}

}  // namespace

std::string sign_document(const std::string& data, const std::string& key_file) {
    Key key = read_key(key_file, KeyPart::Private);
    if (!key) throw Error("--key: " + key_file + ": not a PEM private key");
    const EVP_MD* md = nullptr;
    if (!allowed_key(key.get(), md)) throw Error("--key: " + key_file + ": neither an Ed25519 nor an ECDSA P-256 key");
    const Crypto& c = crypto();
    DigestContext ctx(c.md_ctx_new(), c.md_ctx_free);
    size_t len = 0;
    auto bytes = reinterpret_cast<const unsigned char*>(data.data());
    if (!ctx || c.sign_init(ctx.get(), nullptr, md, nullptr, key.get()) != 1 ||
        c.sign(ctx.get(), nullptr, &len, bytes, data.size()) != 1)
        throw Error("--key: " + key_file + ": cannot sign with it");
    std::vector<unsigned char> sig(len);
    if (c.sign(ctx.get(), sig.data(), &len, bytes, data.size()) != 1)
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
