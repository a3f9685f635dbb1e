// libFuzzer target for the OCI config parser and its validation: any bytes
// (a config.json an engine or a user wrote) either parse into a Config or
// fail with runac::Error naming the field, never crash, hang or leak.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/error.hpp"
#include "oci/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        runac::oci::Config config = runac::oci::parse_config(text, "/bundle");
        // What create relies on of every accepted config.
        if (config.root_path.empty() || config.root_path[0] != '/') std::abort();
    } catch (const runac::Error& e) {
        if (std::string(e.what()).empty()) std::abort();
    }
    return 0;
}
