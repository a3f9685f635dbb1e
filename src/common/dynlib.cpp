#include "common/dynlib.hpp"

#include <dlfcn.h>

#include "common/error.hpp"

namespace runac {

SharedLibrary::SharedLibrary(const char* soname, const char* needed_by)
    : handle_(::dlopen(soname, RTLD_NOW | RTLD_LOCAL)), soname_(soname) {
    if (!handle_) throw Error(std::string(soname) + ", which " + needed_by + " need, cannot be loaded: " + ::dlerror());
}

void* SharedLibrary::symbol(const char* name) const {
    void* p = ::dlsym(handle_, name);
    if (!p) throw Error(soname_ + " has no " + name);
    return p;
}

}  // namespace runac
