// cgroup v1 knobs (also this host's hybrid layout, whose unified hierarchy
// has no controllers): one directory per controller, values in v1's units,
// as runc's libcontainer/cgroups/fs writes them.
#include <cerrno>

#include "cgroups/resources.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/log.hpp"

namespace runac::cgroups::detail {

namespace {

std::string missing(const std::string& controller, const std::string& file) {
    return "the host's " + controller + " controller has no " + file;
}

void memory(const Cgroup& cg, const oci::MemoryLimits& m, const std::string& p) {
    std::string dir = dir_for(cg, "memory.limit_in_bytes", p + "memory", "needs the memory controller, which is not mounted");
    auto limit = m.limit;
    auto swap = m.swap;
    // runc: unlimited memory without a swap value means unlimited swap too.
    if (limit && *limit == -1 && !swap) swap = -1;
    auto write_limit = [&] { write_knob(dir, "memory.limit_in_bytes", std::to_string(*limit), p + "memory.limit"); };
    auto write_swap = [&] {
        if (!path_exists(dir + "/memory.memsw.limit_in_bytes"))
            throw Error(p + "memory.swap: " + missing("memory", "memory.memsw.limit_in_bytes (swap accounting is off)"));
        write_knob(dir, "memory.memsw.limit_in_bytes", std::to_string(*swap), p + "memory.swap");
    };
    if (limit && swap && *swap != 0) {
        // The kernel keeps memory <= memory+swap at every step: raise the
        // total first when it grows, lower the memory limit first otherwise.
        int64_t current = std::stoll(trim(read_file(dir + "/memory.limit_in_bytes")));
        if (*swap == -1 || current < *swap) {
            write_swap();
            write_limit();
        } else {
            write_limit();
            write_swap();
        }
    } else {
        if (limit && *limit != 0) write_limit();
        if (swap && *swap != 0) write_swap();
    }
    if (m.reservation && *m.reservation != 0)
        write_knob(dir, "memory.soft_limit_in_bytes", std::to_string(*m.reservation), p + "memory.reservation");
    if (m.kernel && *m.kernel != 0)
        log::warn(p + "memory.kernel: kernel memory limits are deprecated by the kernel and not applied");
    if (m.kernel_tcp && *m.kernel_tcp != 0)
        write_knob(dir, "memory.kmem.tcp.limit_in_bytes", std::to_string(*m.kernel_tcp), p + "memory.kernelTCP");
    if (m.swappiness) write_knob(dir, "memory.swappiness", std::to_string(*m.swappiness), p + "memory.swappiness");
    if (m.disable_oom_killer && *m.disable_oom_killer)
        write_knob(dir, "memory.oom_control", "1", p + "memory.disableOOMKiller");
}

void cpu(const Cgroup& cg, const oci::CpuLimits& c, const std::string& p) {
    auto cpu_dir = [&](const char* field) {
        return dir_for(cg, "cpu.shares", p + "cpu." + field, "needs the cpu controller, which is not mounted");
    };
    // Realtime first: a period shorter than the runtime is refused.
    if (c.realtime_period && *c.realtime_period != 0)
        write_knob(cpu_dir("realtimePeriod"), "cpu.rt_period_us", std::to_string(*c.realtime_period), p + "cpu.realtimePeriod");
    if (c.realtime_runtime && *c.realtime_runtime != 0)
        write_knob(cpu_dir("realtimeRuntime"), "cpu.rt_runtime_us", std::to_string(*c.realtime_runtime), p + "cpu.realtimeRuntime");
    if (c.shares && *c.shares != 0) {
        std::string dir = cpu_dir("shares");
        write_knob(dir, "cpu.shares", std::to_string(*c.shares), p + "cpu.shares");
        // The kernel clamps silently; say so instead (runc does too).
        uint64_t got = std::stoull(trim(read_file(dir + "/cpu.shares")));
        if (got != *c.shares)
            throw Error(p + "cpu.shares: the kernel took " + std::to_string(got) + " for " + std::to_string(*c.shares) +
                        " (allowed range: 2 to 262144)");
    }
    bool period_pending = false;
    if (c.period && *c.period != 0) {
        try {
            write_knob(cpu_dir("period"), "cpu.cfs_period_us", std::to_string(*c.period), p + "cpu.period");
        } catch (const Error&) {
            // A shorter period can exceed the parent's quota until the new
            // quota is in: retry after it, as runc does.
            if (!c.quota || *c.quota == 0) throw;
            period_pending = true;
        }
    }
    if (c.quota && *c.quota != 0) {
        write_knob(cpu_dir("quota"), "cpu.cfs_quota_us", std::to_string(*c.quota), p + "cpu.quota");
        if (period_pending)
            write_knob(cpu_dir("period"), "cpu.cfs_period_us", std::to_string(*c.period), p + "cpu.period");
    }
    if (c.burst) {
        std::string dir = dir_for(cg, "cpu.cfs_burst_us", p + "cpu.burst", missing("cpu", "cpu.cfs_burst_us"));
        write_knob(dir, "cpu.cfs_burst_us", std::to_string(*c.burst), p + "cpu.burst");
    }
    if (c.idle) {
        std::string dir = dir_for(cg, "cpu.idle", p + "cpu.idle", missing("cpu", "cpu.idle"));
        write_knob(dir, "cpu.idle", std::to_string(*c.idle), p + "cpu.idle");
    }
    for (auto [value, file, field] : {std::tuple{&c.cpus, "cpuset.cpus", "cpu.cpus"}, {&c.mems, "cpuset.mems", "cpu.mems"}}) {
        if (value->empty()) continue;
        std::string dir = dir_for(cg, file, p + field, "needs the cpuset controller, which is not mounted");
        write_knob(dir, file, *value, p + field);
    }
}

void block_io(const Cgroup& cg, const oci::BlockIoLimits& b, const std::string& p) {
    auto weight_file = [&](const std::string& field) {
        // CFQ's blkio.weight, or BFQ's blkio.bfq.weight on newer kernels.
        for (const char* f : {"blkio.weight", "blkio.bfq.weight"})
            if (!cg.dir_with(f).empty()) return std::string(f);
        throw Error(p + field + ": the host's blkio controller has no blkio.weight or blkio.bfq.weight (no CFQ or BFQ I/O scheduler)");
    };
    if (b.weight && *b.weight != 0) {
        std::string f = weight_file("blockIO.weight");
        write_knob(cg.dir_with(f), f, std::to_string(*b.weight), p + "blockIO.weight");
    }
    if (b.leaf_weight && *b.leaf_weight != 0) {
        std::string dir = dir_for(cg, "blkio.leaf_weight", p + "blockIO.leafWeight", missing("blkio", "blkio.leaf_weight"));
        write_knob(dir, "blkio.leaf_weight", std::to_string(*b.leaf_weight), p + "blockIO.leafWeight");
    }
    for (size_t i = 0; i < b.weight_devices.size(); i++) {
        auto& d = b.weight_devices[i];
        std::string field = p + "blockIO.weightDevice[" + std::to_string(i) + "]";
        std::string dev = std::to_string(d.major) + ":" + std::to_string(d.minor) + " ";
        if (d.weight) {
            std::string f = weight_file("blockIO.weightDevice[" + std::to_string(i) + "]") + "_device";
            write_knob(cg.dir_with(f), f, dev + std::to_string(*d.weight), field);
        }
        if (d.leaf_weight) {
            std::string dir = dir_for(cg, "blkio.leaf_weight_device", field, missing("blkio", "blkio.leaf_weight_device"));
            write_knob(dir, "blkio.leaf_weight_device", dev + std::to_string(*d.leaf_weight), field);
        }
    }
    struct Throttle { const std::vector<oci::DeviceRate>* list; const char* file; const char* field; };
    for (auto t : {Throttle{&b.read_bps, "blkio.throttle.read_bps_device", "blockIO.throttleReadBpsDevice"},
                   Throttle{&b.write_bps, "blkio.throttle.write_bps_device", "blockIO.throttleWriteBpsDevice"},
                   Throttle{&b.read_iops, "blkio.throttle.read_iops_device", "blockIO.throttleReadIOPSDevice"},
                   Throttle{&b.write_iops, "blkio.throttle.write_iops_device", "blockIO.throttleWriteIOPSDevice"}}) {
        for (size_t i = 0; i < t.list->size(); i++) {
            auto& d = (*t.list)[i];
            std::string field = p + t.field + "[" + std::to_string(i) + "]";
            std::string dir = dir_for(cg, t.file, field, "needs the blkio controller, which is not mounted");
            write_knob(dir, t.file, std::to_string(d.major) + ":" + std::to_string(d.minor) + " " + std::to_string(d.rate), field);
        }
    }
}

}  // namespace

void apply_v1(const Cgroup& cg, const oci::Resources& r, const std::string& p) {
    if (!r.unified.empty())
        throw Error("invalid configuration: cannot use unified on cgroup v1 (" + p + "unified)");
    if (r.memory) memory(cg, *r.memory, p);
    if (r.cpu) cpu(cg, *r.cpu, p);
    if (r.pids_limit && *r.pids_limit != 0) {
        std::string dir = dir_for(cg, "pids.max", p + "pids.limit", "needs the pids controller, which is not mounted");
        write_knob(dir, "pids.max", max_or(*r.pids_limit), p + "pids.limit");
    }
    if (r.block_io) block_io(cg, *r.block_io, p);
    for (size_t i = 0; i < r.hugepage_limits.size(); i++) {
        auto& h = r.hugepage_limits[i];
        std::string file = "hugetlb." + h.page_size + ".limit_in_bytes";
        std::string field = p + "hugepageLimits[" + std::to_string(i) + "]";
        std::string dir = dir_for(cg, file, field, "no " + file + " (no hugetlb controller, or no such page size)");
        write_knob(dir, file, std::to_string(h.limit), field);
    }
}

}  // namespace runac::cgroups::detail
