// One error type for the whole runtime: a message that is already the single
// line the user will read (it names the field, path or container at fault).
#pragma once
#include <stdexcept>
#include <string>

namespace runac {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

// An Error carrying errno's text: "what: strerror(errno)".
[[noreturn]] void throw_errno(const std::string& what);
[[noreturn]] void throw_errno(const std::string& what, int err);

}  // namespace runac
