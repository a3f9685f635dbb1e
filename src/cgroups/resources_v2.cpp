// cgroup v2 knobs: one directory, the unified interface files, and runc's
// conversions from the v1-shaped runtime-spec values (libcontainer/cgroups
// fs2 and utils.go): cpu shares to cpu.weight, blkio weight to io.weight,
// memory+swap to swap alone. docs/runtime.md lists them.
#include "cgroups/resources.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/log.hpp"

namespace runac::cgroups::detail {

uint64_t cpu_weight(uint64_t shares) { return 1 + ((shares - 2) * 9999) / 262142; }
uint64_t io_weight(uint64_t blkio) { return 1 + ((blkio - 10) * 9999) / 990; }

namespace {

std::string need(const std::string& dir, const std::string& file, const std::string& field, const std::string& controller) {
    if (!path_exists(dir + "/" + file))
        throw Error(field + ": no " + file + " in the container's cgroup (the " + controller +
                    " controller is not enabled for it)");
    return dir;
}

int64_t current_memory_max(const std::string& dir) {
    std::string v = trim(read_file(dir + "/memory.max"));
    return v == "max" ? -1 : std::stoll(v);
}

void memory(const std::string& dir, const oci::MemoryLimits& m, const std::string& p) {
    if (m.swap && *m.swap != 0) {
        // The spec's swap is memory+swap (v1's memsw); v2's memory.swap.max
        // is swap alone: swap.max = swap - limit, unlimited stays unlimited.
        std::string value;
        int64_t limit = m.limit ? *m.limit : current_memory_max(dir);
        if (*m.swap == -1) {
            value = "max";
        } else {
            if (limit <= 0)
                throw Error(p + "memory.swap: a swap limit needs a memory limit (on cgroup v2 it is memory.swap.max = swap - limit)");
            if (*m.swap < limit)
                throw Error(p + "memory.swap: must be at least the memory limit (it counts memory plus swap)");
            value = std::to_string(*m.swap - limit);
        }
        write_knob(need(dir, "memory.swap.max", p + "memory.swap", "memory (with swap accounting)"), "memory.swap.max",
                   value, p + "memory.swap");
    } else if (m.limit && *m.limit == -1 && path_exists(dir + "/memory.swap.max")) {
        // As on v1: unlimited memory without a swap value is unlimited swap.
        write_knob(dir, "memory.swap.max", "max", p + "memory.swap");
    }
    if (m.limit && *m.limit != 0)
        write_knob(need(dir, "memory.max", p + "memory.limit", "memory"), "memory.max", max_or(*m.limit), p + "memory.limit");
    if (m.reservation && *m.reservation != 0)
        write_knob(need(dir, "memory.low", p + "memory.reservation", "memory"), "memory.low", max_or(*m.reservation),
                   p + "memory.reservation");
    // No cgroup v2 file exists for these: runc ignores them there too.
    if (m.kernel && *m.kernel != 0) log::warn(p + "memory.kernel: not available on cgroup v2; ignored");
    if (m.kernel_tcp && *m.kernel_tcp != 0) log::warn(p + "memory.kernelTCP: not available on cgroup v2; ignored");
    if (m.swappiness) log::warn(p + "memory.swappiness: not available on cgroup v2; ignored");
    if (m.disable_oom_killer && *m.disable_oom_killer)
        log::warn(p + "memory.disableOOMKiller: cgroup v2 cannot disable the OOM killer; ignored");
}

void cpu(const std::string& dir, const oci::CpuLimits& c, const std::string& p) {
    if ((c.realtime_runtime && *c.realtime_runtime != 0) || (c.realtime_period && *c.realtime_period != 0))
        throw Error(p + (c.realtime_runtime ? "cpu.realtimeRuntime" : "cpu.realtimePeriod") +
                    ": realtime CPU limits do not exist on cgroup v2");
    if (c.shares && *c.shares != 0)
        write_knob(need(dir, "cpu.weight", p + "cpu.shares", "cpu"), "cpu.weight", std::to_string(cpu_weight(*c.shares)),
                   p + "cpu.shares");
    if ((c.quota && *c.quota != 0) || (c.period && *c.period != 0)) {
        // "QUOTA PERIOD"; a period alone keeps "max" as the quota, as runc writes it.
        std::string value = (c.quota && *c.quota > 0) ? std::to_string(*c.quota) : "max";
        if (c.period && *c.period != 0) value += " " + std::to_string(*c.period);
        const char* field = (c.quota && *c.quota != 0) ? "cpu.quota" : "cpu.period";
        write_knob(need(dir, "cpu.max", p + field, "cpu"), "cpu.max", value, p + field);
    }
    if (c.burst)
        write_knob(need(dir, "cpu.max.burst", p + "cpu.burst", "cpu"), "cpu.max.burst", std::to_string(*c.burst), p + "cpu.burst");
    if (c.idle)
        write_knob(need(dir, "cpu.idle", p + "cpu.idle", "cpu"), "cpu.idle", std::to_string(*c.idle), p + "cpu.idle");
    if (!c.cpus.empty())
        write_knob(need(dir, "cpuset.cpus", p + "cpu.cpus", "cpuset"), "cpuset.cpus", c.cpus, p + "cpu.cpus");
    if (!c.mems.empty())
        write_knob(need(dir, "cpuset.mems", p + "cpu.mems", "cpuset"), "cpuset.mems", c.mems, p + "cpu.mems");
}

void io(const std::string& dir, const oci::BlockIoLimits& b, const std::string& p) {
    // BFQ takes v1's weights as they are; io.weight needs them converted.
    bool bfq = path_exists(dir + "/io.bfq.weight");
    auto weight = [&](uint16_t w) { return std::to_string(bfq ? w : io_weight(w)); };
    const std::string weight_file = bfq ? "io.bfq.weight" : "io.weight";
    if (b.weight && *b.weight != 0)
        write_knob(need(dir, weight_file, p + "blockIO.weight", "io"), weight_file, weight(*b.weight), p + "blockIO.weight");
    if (b.leaf_weight && *b.leaf_weight != 0)
        throw Error(p + "blockIO.leafWeight: does not exist on cgroup v2");
    for (size_t i = 0; i < b.weight_devices.size(); i++) {
        auto& d = b.weight_devices[i];
        std::string field = p + "blockIO.weightDevice[" + std::to_string(i) + "]";
        if (d.leaf_weight) throw Error(field + ".leafWeight: does not exist on cgroup v2");
        if (d.weight)
            write_knob(need(dir, weight_file, field, "io"), weight_file,
                       std::to_string(d.major) + ":" + std::to_string(d.minor) + " " + weight(*d.weight), field);
    }
    struct Throttle { const std::vector<oci::DeviceRate>* list; const char* key; const char* field; };
    for (auto t : {Throttle{&b.read_bps, "rbps", "blockIO.throttleReadBpsDevice"},
                   Throttle{&b.write_bps, "wbps", "blockIO.throttleWriteBpsDevice"},
                   Throttle{&b.read_iops, "riops", "blockIO.throttleReadIOPSDevice"},
                   Throttle{&b.write_iops, "wiops", "blockIO.throttleWriteIOPSDevice"}}) {
        for (size_t i = 0; i < t.list->size(); i++) {
            auto& d = (*t.list)[i];
            std::string field = p + t.field + "[" + std::to_string(i) + "]";
            write_knob(need(dir, "io.max", field, "io"), "io.max",
                       std::to_string(d.major) + ":" + std::to_string(d.minor) + " " + t.key + "=" + std::to_string(d.rate), field);
        }
    }
}

}  // namespace

void apply_v2(const Cgroup& cg, const oci::Resources& r, const std::string& p) {
    const std::string dir = cg.unified_path();
    if (r.memory) memory(dir, *r.memory, p);
    if (r.cpu) cpu(dir, *r.cpu, p);
    if (r.pids_limit && *r.pids_limit != 0)
        write_knob(need(dir, "pids.max", p + "pids.limit", "pids"), "pids.max", max_or(*r.pids_limit), p + "pids.limit");
    if (r.block_io) io(dir, *r.block_io, p);
    for (size_t i = 0; i < r.hugepage_limits.size(); i++) {
        auto& h = r.hugepage_limits[i];
        std::string file = "hugetlb." + h.page_size + ".max";
        std::string field = p + "hugepageLimits[" + std::to_string(i) + "]";
        write_knob(need(dir, file, field, "hugetlb"), file, std::to_string(h.limit), field);
    }
    // Written last: an explicit unified value wins over a converted one.
    for (auto& [key, value] : r.unified) {
        std::string field = p + "unified." + key;
        if (!path_exists(dir + "/" + key))
            throw Error(field + ": no such file in the container's cgroup (unknown name, or its controller is not enabled)");
        write_knob(dir, key, value, field);
    }
}

}  // namespace runac::cgroups::detail
