#include "common/digest.hpp"

// The direct functions, not EVP: an EVP digest first loads OpenSSL's
// configuration and providers, 1-2 ms on every create that has a seccomp
// filter to look up in the cache; these take microseconds. OpenSSL 3 marks
// them deprecated but keeps them.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace runac {

std::string sha256_hex(const std::string& data) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, data.data(), data.size());
    SHA256_Final(digest, &ctx);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned char byte : digest) {
        out += hex[byte >> 4];
        out += hex[byte & 0xf];
    }
    return out;
}

}  // namespace runac
