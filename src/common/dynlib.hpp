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
    // Points `fn` at the library's function `name`; throws an Error when
    // the library lacks it.
    template <class F>
    void bind(F& fn, const char* name) const {
        fn = reinterpret_cast<F>(symbol(name));
    }

private:
    void* symbol(const char* name) const;
    void* handle_;
    std::string soname_;
};

}  // namespace runac
