#include "enforce/bpf_support.hpp"

#include <bpf/bpf.h>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>

#include "common/fd.hpp"

#include "common/log.hpp"

namespace runac::enforce {

namespace {

int to_debug_log(libbpf_print_level level, const char* format, va_list args) {
    if (level == LIBBPF_DEBUG) return 0;
    char line[1024];
    int n = std::vsnprintf(line, sizeof line, format, args);
    std::string text(line);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    log::debug("libbpf: " + text);
    return n;
}

}  // namespace

LibbpfToDebugLog::LibbpfToDebugLog() : previous_(libbpf_set_print(to_debug_log)) {}
LibbpfToDebugLog::~LibbpfToDebugLog() { libbpf_set_print(previous_); }

void detach_runac_programs(int cgroup, bpf_attach_type type) {
    uint32_t ids[64], count = 64;
    if (bpf_prog_query(cgroup, type, 0, nullptr, ids, &count) != 0) return;
    for (uint32_t i = 0; i < count; i++) {
        UniqueFd prog(bpf_prog_get_fd_by_id(ids[i]));
        bpf_prog_info info{};
        uint32_t len = sizeof info;
        if (!prog || bpf_obj_get_info_by_fd(prog.get(), &info, &len) != 0) continue;
        if (std::strncmp(info.name, "runac_", 6) == 0) bpf_prog_detach2(prog.get(), cgroup, type);
    }
}

}  // namespace runac::enforce
