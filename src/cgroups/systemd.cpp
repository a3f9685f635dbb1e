// The systemd driver's names and properties: what runc derives from
// linux.cgroupsPath and linux.resources (libcontainer/cgroups/systemd),
// with its error lines. The D-Bus side is systemd_bus.cpp.
#include "cgroups/systemd.hpp"

#include "cgroups/resources.hpp"
#include "common/error.hpp"
#include "common/files.hpp"

namespace runac::cgroups {

std::string expand_slice(const std::string& slice) {
    const std::string suffix = ".slice";
    auto invalid = [&] { return Error("invalid slice name: " + slice); };
    if (slice.size() < suffix.size() || !slice.ends_with(suffix) || slice.find('/') != std::string::npos)
        throw invalid();
    std::string name = slice.substr(0, slice.size() - suffix.size());
    if (name == "-") return "/";
    std::string path, prefix;
    for (auto& component : split(name, '-')) {
        // "a--b.slice" and "-a.slice" name no slice.
        if (component.empty()) throw invalid();
        path += "/" + prefix + component + suffix;
        prefix += component + "-";
    }
    return path;
}

SystemdUnit systemd_unit(const std::string& cgroups_path, const std::string& id) {
    std::string slice = "system.slice", prefix = "runc", name = id;
    if (!cgroups_path.empty()) {
        auto parts = split(cgroups_path, ':');
        if (parts.size() != 3)
            throw Error("expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got \"" +
                        cgroups_path + "\" instead");
        slice = parts[0].empty() ? "system.slice" : parts[0];
        prefix = parts[1];
        name = parts[2];
    }
    // runc would make a slice unit of it; containerd and Kubernetes name scopes.
    if (name.ends_with(".slice"))
        throw Error("linux.cgroupsPath: " + name + ": the container's unit must be a scope, not a slice");
    if (name.empty() || name.find('/') != std::string::npos)
        throw Error("linux.cgroupsPath: \"" + cgroups_path + "\": its name part names no unit");
    SystemdUnit unit;
    unit.slice = slice;
    unit.name = prefix + "-" + name + ".scope";
    std::string parent = expand_slice(slice);
    unit.cgroup = (parent == "/" ? "" : parent) + "/" + unit.name;
    return unit;
}

std::vector<uint8_t> cpu_mask(const std::string& list, const std::string& field) {
    std::vector<uint8_t> mask;
    auto bad = [&] { return Error(field + ": \"" + list + "\" is not a list of CPUs or nodes (\"0-2,7\")"); };
    for (auto& item : split(list, ',')) {
        std::string range = trim(item);
        if (range.empty()) continue;
        auto dash = range.find('-');
        auto first = parse_uint(range.substr(0, dash));
        auto last = dash == std::string::npos ? first : parse_uint(range.substr(dash + 1));
        if (!first || !last || *first > *last || *last >= 8192) throw bad();
        for (uint64_t i = *first; i <= *last; i++) {
            if (mask.size() <= i / 8) mask.resize(i / 8 + 1, 0);
            mask[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
        }
    }
    if (mask.empty()) throw bad();
    return mask;
}

namespace {

uint64_t limit(int64_t bytes) { return bytes < 0 ? kUnitInfinity : static_cast<uint64_t>(bytes); }

// systemd keeps a quota as a percentage of a CPU: a quota that is not a
// whole percent is rounded up, so that the cgroup's own cpu.max (written
// after) fits under it, as runc does.
void cpu_quota(std::vector<UnitProperty>& out, const oci::CpuLimits& c) {
    int64_t quota = c.quota.value_or(0);
    uint64_t period = c.period.value_or(0);
    if (quota == 0 && period == 0) return;
    if (period != 0) out.push_back({"CPUQuotaPeriodUSec", period});
    uint64_t per_second = kUnitInfinity;
    if (quota > 0) {
        per_second = static_cast<uint64_t>(quota) * 1000000 / (period ? period : 100000);
        if (per_second % 10000 != 0) per_second = (per_second / 10000 + 1) * 10000;
    }
    out.push_back({"CPUQuotaPerSecUSec", per_second});
}

}  // namespace

std::vector<UnitProperty> resource_properties(const oci::Resources& r, bool v1) {
    std::vector<UnitProperty> out;
    if (r.memory) {
        const oci::MemoryLimits& m = *r.memory;
        if (m.limit && *m.limit != 0) out.push_back({v1 ? "MemoryLimit" : "MemoryMax", limit(*m.limit)});
        if (!v1 && m.reservation && *m.reservation != 0) out.push_back({"MemoryLow", limit(*m.reservation)});
        // v2 counts swap alone: swap - limit (resources_v2.cpp refuses the rest).
        if (!v1 && m.swap && *m.swap == -1) out.push_back({"MemorySwapMax", kUnitInfinity});
        if (!v1 && m.swap && *m.swap > 0 && m.limit && *m.limit > 0 && *m.swap >= *m.limit)
            out.push_back({"MemorySwapMax", static_cast<uint64_t>(*m.swap - *m.limit)});
    }
    if (r.cpu) {
        const oci::CpuLimits& c = *r.cpu;
        if (c.shares && *c.shares != 0)
            out.push_back(v1 ? UnitProperty{"CPUShares", *c.shares} : UnitProperty{"CPUWeight", detail::cpu_weight(*c.shares)});
        cpu_quota(out, c);
        if (!c.cpus.empty()) out.push_back({"AllowedCPUs", cpu_mask(c.cpus, "linux.resources.cpu.cpus")});
        if (!c.mems.empty()) out.push_back({"AllowedMemoryNodes", cpu_mask(c.mems, "linux.resources.cpu.mems")});
    }
    if (r.pids_limit) out.push_back({"TasksMax", *r.pids_limit > 0 ? static_cast<uint64_t>(*r.pids_limit) : kUnitInfinity});
    if (r.block_io && r.block_io->weight && *r.block_io->weight != 0) {
        uint64_t weight = *r.block_io->weight;
        out.push_back(v1 ? UnitProperty{"BlockIOWeight", weight} : UnitProperty{"IOWeight", detail::io_weight(weight)});
    }
    return out;
}

}  // namespace runac::cgroups
