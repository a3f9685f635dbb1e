// SHA-256 through OpenSSL's direct SHA-256 functions.
#pragma once
#include <string>

namespace runac {

// Lower-case hex digest of the exact bytes of `data`.
std::string sha256_hex(const std::string& data);

}  // namespace runac
