// linux.resources of config.json, also the document `runac update --resources`
// reads: what the cgroup controllers are asked to enforce. Every field is
// optional; an absent one leaves the kernel's value alone.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace runac {
class JsonValue;
}

namespace runac::oci {

struct DeviceRule {  // linux.resources.devices[]
    bool allow = false;
    std::string type = "a";
    std::optional<int64_t> major, minor;
    std::string access = "rwm";
};

struct MemoryLimits {
    std::optional<int64_t> limit;        // bytes; -1 unlimited
    std::optional<int64_t> reservation;  // soft limit
    std::optional<int64_t> swap;         // memory + swap, as cgroup v1 counts it; -1 unlimited
    std::optional<int64_t> kernel;       // deprecated by the kernel; warned about and ignored
    std::optional<int64_t> kernel_tcp;
    std::optional<uint64_t> swappiness;
    std::optional<bool> disable_oom_killer;
};

struct CpuLimits {
    std::optional<uint64_t> shares;  // v1 cpu.shares; converted to cpu.weight on v2
    std::optional<int64_t> quota;    // microseconds per period; -1 unlimited
    std::optional<uint64_t> burst;
    std::optional<uint64_t> period;
    std::optional<int64_t> realtime_runtime;
    std::optional<uint64_t> realtime_period;
    std::string cpus, mems;          // cpuset lists ("0-1", "0")
    std::optional<int64_t> idle;     // 0 or 1
};

struct DeviceWeight {
    int64_t major = 0, minor = 0;
    std::optional<uint16_t> weight, leaf_weight;
};

struct DeviceRate {
    int64_t major = 0, minor = 0;
    uint64_t rate = 0;
};

struct BlockIoLimits {
    std::optional<uint16_t> weight, leaf_weight;  // 10..1000 (v1 blkio); converted on v2
    std::vector<DeviceWeight> weight_devices;
    std::vector<DeviceRate> read_bps, write_bps, read_iops, write_iops;
};

struct HugepageLimit {
    std::string page_size;  // "2MB"
    uint64_t limit = 0;     // bytes
};

struct Resources {
    std::optional<MemoryLimits> memory;
    std::optional<CpuLimits> cpu;
    std::optional<int64_t> pids_limit;  // <= 0: unlimited
    std::optional<BlockIoLimits> block_io;
    std::vector<HugepageLimit> hugepage_limits;
    std::map<std::string, std::string> unified;  // cgroup v2 file -> value
    std::vector<DeviceRule> devices;
};

// Parses and validates one linux.resources object (v names its JSON path);
// throws Error naming the first faulty field.
Resources parse_resources(const JsonValue& v);

}  // namespace runac::oci
