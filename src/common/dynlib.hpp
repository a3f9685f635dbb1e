// A shared library loaded by the first command that needs it, rather than
// linked: libcurl (the secret stores) and libcrypto's signature code
// (signed policies) would otherwise be loaded, or relocated, at the start
// of every runac command. Never closed: both keep global state for the
// process's life.
#pragma once
#include <string>

namespace runac {

class SharedLibrary {
public:
    // Throws an Error naming `needed_by` when the library cannot be loaded.
    SharedLibrary(const char* soname, const char* needed_by);
    // The function `name`, as F; throws an Error when the library lacks it.
    template <class F>
    F get(const char* name) const {
        return reinterpret_cast<F>(symbol(name));
    }

private:
    void* symbol(const char* name) const;
    void* handle_;
    std::string soname_;
};

}  // namespace runac
