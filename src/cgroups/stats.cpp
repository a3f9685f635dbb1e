#include "cgroups/stats.hpp"

#include <dirent.h>
#include <map>
#include <unistd.h>
#include <vector>

#include "common/files.hpp"
#include "common/json.hpp"

namespace runac::cgroups {

namespace {

using KeyValues = std::map<std::string, uint64_t>;

// "key value" lines (memory.stat, cpu.stat, memory.events).
KeyValues key_values(const std::string& path) {
    KeyValues out;
    auto text = read_file_if_exists(path);
    if (!text) return out;
    for (auto& line : lines(*text)) {
        std::vector<std::string> w = words(line);
        if (auto v = w.size() == 2 ? parse_uint(w[1]) : std::nullopt) out[w[0]] = *v;
    }
    return out;
}

uint64_t number(const std::string& path) {
    auto text = read_file_if_exists(path);
    if (!text) return 0;
    std::string t = trim(*text);
    if (t == "max") return UINT64_MAX;
    try {
        return std::stoull(t);
    } catch (...) {
        return 0;
    }
}

std::vector<uint64_t> numbers(const std::string& path) {
    std::vector<uint64_t> out;
    auto text = read_file_if_exists(path);
    if (!text) return out;
    for (auto& line : lines(*text))
        for (auto& word : words(line))
            if (auto v = parse_uint(word)) out.push_back(*v);
    return out;
}

// "0-2,4" -> 0 1 2 4
std::vector<uint64_t> cpu_list(const std::string& path) {
    std::vector<uint64_t> out;
    for (auto& part : split(trim(read_file_if_exists(path).value_or("")), ',')) {
        if (part.empty()) continue;
        auto dash = part.find('-');
        uint64_t a = std::stoull(part.substr(0, dash)), b = dash == std::string::npos ? a : std::stoull(part.substr(dash + 1));
        for (uint64_t i = a; i <= b; i++) out.push_back(i);
    }
    return out;
}

// Go's omitempty: a zero number is left out.
void opt(JsonWriter& w, const char* key, uint64_t v) {
    if (v) w.key(key).value_uint(v);
}
void uint_list(JsonWriter& w, const char* key, const std::vector<uint64_t>& v) {
    if (v.empty()) return;
    w.key(key).begin_array();
    for (auto n : v) w.value_uint(n);
    w.end_array();
}

struct MemoryEntry {
    uint64_t limit = 0, usage = 0, max = 0, failcnt = 0;
};
void write_entry(JsonWriter& w, const char* key, const MemoryEntry& e) {
    w.key(key).begin_object().key("limit").value_uint(e.limit);
    opt(w, "usage", e.usage);
    opt(w, "max", e.max);
    w.key("failcnt").value_uint(e.failcnt).end_object();
}

struct BlkioEntry {
    uint64_t major = 0, minor = 0;
    std::string op;
    uint64_t value = 0;
};
using BlkioList = std::vector<BlkioEntry>;

// v1 blkio files: "8:0 Read 4096" lines, and a "Total N" line.
BlkioList blkio_v1(const std::string& path) {
    BlkioList out;
    for (auto& line : lines(read_file_if_exists(path).value_or(""))) {
        std::vector<std::string> f = words(line);  // "8:0 Read 4096"; "Total 4096" has no device
        auto v = f.size() == 3 ? parse_uint(f[2]) : std::nullopt;
        auto colon = f.empty() ? std::string::npos : f[0].find(':');
        if (!v || colon == std::string::npos) continue;
        out.push_back({std::stoull(f[0].substr(0, colon)), std::stoull(f[0].substr(colon + 1)), f[1], *v});
    }
    return out;
}

void write_blkio_list(JsonWriter& w, const char* key, const BlkioList& list) {
    if (list.empty()) return;
    w.key(key).begin_array();
    for (auto& e : list) {
        w.begin_object();
        opt(w, "major", e.major);
        opt(w, "minor", e.minor);
        if (!e.op.empty()) w.key("op").value(e.op);
        opt(w, "value", e.value);
        w.end_object();
    }
    w.end_array();
}

void write_raw(JsonWriter& w, const KeyValues& raw) {
    if (raw.empty()) return;
    w.key("raw").begin_object();
    for (auto& [k, v] : raw) w.key(k).value_uint(v);
    w.end_object();
}

void cpu_v1(JsonWriter& w, const Cgroup& cg) {
    std::string acct = cg.dir_with("cpuacct.usage");
    w.key("cpu").begin_object().key("usage").begin_object();
    if (!acct.empty()) {
        opt(w, "total", number(acct + "/cpuacct.usage"));
        uint_list(w, "percpu", numbers(acct + "/cpuacct.usage_percpu"));
        uint_list(w, "percpu_kernel", numbers(acct + "/cpuacct.usage_percpu_sys"));
        uint_list(w, "percpu_user", numbers(acct + "/cpuacct.usage_percpu_user"));
        // cpuacct.stat counts USER_HZ ticks.
        auto stat = key_values(acct + "/cpuacct.stat");
        uint64_t ns_per_tick = 1000000000ull / static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
        w.key("kernel").value_uint(stat["system"] * ns_per_tick).key("user").value_uint(stat["user"] * ns_per_tick);
    } else {
        w.key("kernel").value_uint(0).key("user").value_uint(0);
    }
    w.end_object().key("throttling").begin_object();
    std::string cpu = cg.dir_with("cpu.stat");
    if (!cpu.empty()) {
        auto s = key_values(cpu + "/cpu.stat");
        opt(w, "periods", s["nr_periods"]);
        opt(w, "throttledPeriods", s["nr_throttled"]);
        opt(w, "throttledTime", s["throttled_time"]);
    }
    w.end_object().end_object();
}

void cpu_v2(JsonWriter& w, const std::string& dir) {
    auto s = key_values(dir + "/cpu.stat");
    w.key("cpu").begin_object().key("usage").begin_object();
    opt(w, "total", s["usage_usec"] * 1000);
    w.key("kernel").value_uint(s["system_usec"] * 1000).key("user").value_uint(s["user_usec"] * 1000);
    w.end_object().key("throttling").begin_object();
    opt(w, "periods", s["nr_periods"]);
    opt(w, "throttledPeriods", s["nr_throttled"]);
    opt(w, "throttledTime", s["throttled_usec"] * 1000);
    w.end_object().end_object();
}

void cpuset(JsonWriter& w, const std::string& dir, bool v1) {
    w.key("cpuset").begin_object();
    if (!dir.empty()) {
        const std::string p = dir + "/cpuset.";
        uint_list(w, "cpus", cpu_list(p + (v1 ? "cpus" : "cpus.effective")));
        w.key("cpu_exclusive").value_uint(number(p + "cpu_exclusive"));
        uint_list(w, "mems", cpu_list(p + (v1 ? "mems" : "mems.effective")));
        for (const char* f : {"mem_hardwall", "mem_exclusive", "memory_migrate", "memory_spread_page", "memory_spread_slab",
                              "memory_pressure", "sched_load_balance"})
            w.key(f).value_uint(number(p + f));
        auto level = trim(read_file_if_exists(p + "sched_relax_domain_level").value_or("0"));
        w.key("sched_relax_domain_level").value(static_cast<int64_t>(std::stoll(level.empty() ? "0" : level)));
    }
    w.end_object();
}

void memory_v1(JsonWriter& w, const std::string& dir) {
    w.key("memory").begin_object();
    if (!dir.empty()) {
        auto raw = key_values(dir + "/memory.stat");
        opt(w, "cache", raw["cache"]);
        auto entry = [&](const std::string& prefix) {
            std::string p = dir + "/memory." + prefix;
            return MemoryEntry{number(p + "limit_in_bytes"), number(p + "usage_in_bytes"), number(p + "max_usage_in_bytes"),
                               number(p + "failcnt")};
        };
        write_entry(w, "usage", entry(""));
        write_entry(w, "swap", entry("memsw."));
        write_entry(w, "kernel", entry("kmem."));
        write_entry(w, "kernelTCP", entry("kmem.tcp."));
        write_raw(w, raw);
    }
    w.end_object();
}

void memory_v2(JsonWriter& w, const std::string& dir) {
    auto raw = key_values(dir + "/memory.stat");
    auto events = key_values(dir + "/memory.events");
    w.key("memory").begin_object();
    opt(w, "cache", raw["file"]);
    MemoryEntry usage{number(dir + "/memory.max"), number(dir + "/memory.current"), number(dir + "/memory.peak"), events["max"]};
    write_entry(w, "usage", usage);
    // runc reports v1's memsw view on v2 too: memory plus swap.
    MemoryEntry swap{number(dir + "/memory.swap.max"), number(dir + "/memory.swap.current"), 0, events["max"]};
    if (swap.limit != UINT64_MAX && usage.limit != UINT64_MAX) swap.limit += usage.limit;
    swap.usage += usage.usage;
    write_entry(w, "swap", swap);
    write_entry(w, "kernel", {});
    write_entry(w, "kernelTCP", {});
    write_raw(w, raw);
    w.end_object();
}

void pids(JsonWriter& w, const std::string& dir) {
    w.key("pids").begin_object();
    if (!dir.empty()) {
        opt(w, "current", number(dir + "/pids.current"));
        uint64_t limit = number(dir + "/pids.max");
        opt(w, "limit", limit == UINT64_MAX ? 0 : limit);
    }
    w.end_object();
}

void blkio_v1(JsonWriter& w, const std::string& dir) {
    w.key("blkio").begin_object();
    if (!dir.empty()) {
        // CFQ's files when there are any, else the throttle layer's, as runc picks.
        std::string p = dir + "/blkio.";
        std::string bytes = path_exists(p + "io_service_bytes_recursive") ? "io_service_bytes_recursive"
                            : path_exists(p + "bfq.io_service_bytes_recursive") ? "bfq.io_service_bytes_recursive"
                                                                                : "throttle.io_service_bytes_recursive";
        std::string serviced = bytes;
        serviced.replace(serviced.find("service_bytes"), 13, "serviced");
        write_blkio_list(w, "ioServiceBytesRecursive", blkio_v1(p + bytes));
        write_blkio_list(w, "ioServicedRecursive", blkio_v1(p + serviced));
    }
    w.end_object();
}

void io_v2(JsonWriter& w, const std::string& dir) {
    // io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0"
    BlkioList bytes, ios;
    for (auto& line : lines(read_file_if_exists(dir + "/io.stat").value_or(""))) {
        std::vector<std::string> f = words(line);
        auto colon = f.empty() ? std::string::npos : f[0].find(':');
        if (colon == std::string::npos) continue;
        uint64_t major = std::stoull(f[0].substr(0, colon)), minor = std::stoull(f[0].substr(colon + 1));
        for (size_t i = 1; i < f.size(); i++) {
            const std::string& kv = f[i];
            auto eq = kv.find('=');
            if (eq == std::string::npos) continue;
            std::string k = kv.substr(0, eq);
            uint64_t v = std::stoull(kv.substr(eq + 1));
            if (k == "rbytes") bytes.push_back({major, minor, "Read", v});
            if (k == "wbytes") bytes.push_back({major, minor, "Write", v});
            if (k == "rios") ios.push_back({major, minor, "Read", v});
            if (k == "wios") ios.push_back({major, minor, "Write", v});
        }
    }
    w.key("blkio").begin_object();
    write_blkio_list(w, "ioServiceBytesRecursive", bytes);
    write_blkio_list(w, "ioServicedRecursive", ios);
    w.end_object();
}

// hugepages-2048kB, ... : the page sizes this kernel has.
std::vector<std::string> hugepage_dirs() {
    std::vector<std::string> out;
    DIR* d = ::opendir("/sys/kernel/mm/hugepages");
    if (!d) return out;
    while (struct dirent* e = ::readdir(d))
        if (starts_with(e->d_name, "hugepages-")) out.push_back(e->d_name);
    ::closedir(d);
    return out;
}

// hugetlb.2MB.limit_in_bytes (v1) or hugetlb.2MB.max (v2): one entry per size.
void hugetlb(JsonWriter& w, const std::string& dir, bool v1) {
    w.key("hugetlb").begin_object();
    std::vector<std::string> sizes;
    if (!dir.empty()) {
        for (auto& entry : hugepage_dirs()) {
            // hugepages-2048kB -> 2MB, hugepages-1048576kB -> 1GB
            uint64_t kb = std::stoull(entry.substr(entry.find('-') + 1));
            sizes.push_back(kb >= 1048576 ? std::to_string(kb / 1048576) + "GB"
                            : kb >= 1024  ? std::to_string(kb / 1024) + "MB"
                                          : std::to_string(kb) + "KB");
        }
    }
    for (auto& size : sizes) {
        std::string p = dir + "/hugetlb." + size + ".";
        if (!path_exists(p + (v1 ? "limit_in_bytes" : "max"))) continue;
        w.key(size).begin_object();
        if (v1) {
            opt(w, "usage", number(p + "usage_in_bytes"));
            opt(w, "max", number(p + "max_usage_in_bytes"));
            w.key("failcnt").value_uint(number(p + "failcnt"));
        } else {
            opt(w, "usage", number(p + "current"));
            w.key("failcnt").value_uint(key_values(p + "events")["max"]);
        }
        w.end_object();
    }
    w.end_object();
}

}  // namespace

void write_stats(JsonWriter& w, const Cgroup& cg) {
    w.begin_object();
    if (cg.v2()) {
        std::string dir = cg.unified_path();
        cpu_v2(w, dir);
        cpuset(w, path_exists(dir + "/cpuset.cpus.effective") ? dir : "", false);
        memory_v2(w, dir);
        pids(w, path_exists(dir + "/pids.max") ? dir : "");
        io_v2(w, dir);
        hugetlb(w, dir, false);
    } else {
        cpu_v1(w, cg);
        cpuset(w, cg.dir_with("cpuset.cpus"), true);
        memory_v1(w, cg.dir_with("memory.stat"));
        pids(w, cg.dir_with("pids.max"));
        blkio_v1(w, cg.dir_with("blkio.throttle.io_service_bytes_recursive"));
        hugetlb(w, cg.dir_with("hugetlb.2MB.limit_in_bytes"), true);
    }
    w.key("intel_rdt").begin_object().end_object();
    w.key("network_interfaces").null();
    w.end_object();
}

uint64_t oom_kills(const Cgroup& cg) {
    if (cg.v2()) return key_values(cg.unified_path() + "/memory.events")["oom_kill"];
    std::string dir = cg.dir_with("memory.oom_control");
    return dir.empty() ? 0 : key_values(dir + "/memory.oom_control")["oom_kill"];
}

}  // namespace runac::cgroups
