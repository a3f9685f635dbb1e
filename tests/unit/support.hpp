// What the unit tests share: the message a call throws, and a temporary
// directory removed at the end of the test.
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <unistd.h>

#include "common/error.hpp"
#include "common/files.hpp"

namespace runac::test {

// The Error `fn` throws, or "" when it returns.
inline std::string error_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/runac-unit-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    TempDir(const TempDir&) = delete;
    // NAME in the directory with TEXT; returns its path.
    std::string put(const std::string& name, const std::string& text, mode_t mode = 0600) const {
        std::string p = path + "/" + name;
        write_file_atomic(p, text, mode);
        return p;
    }
};

}  // namespace runac::test
