#include "oci/resources.hpp"

#include "common/json.hpp"

namespace runac::oci {

namespace {

// Limits that runtime-spec types as int64 but where only -1 (unlimited) or
// a non-negative number mean something.
int64_t limit_value(const JsonValue& v) {
    int64_t n = v.as_int();
    if (n < -1) v.fail("must be -1 (unlimited) or a number of bytes");
    return n;
}

uint16_t weight_value(const JsonValue& v) {
    uint64_t n = v.as_uint();
    // 0 means "not set" in runc's model; otherwise cgroup v1's blkio range.
    if (n != 0 && (n < 10 || n > 1000)) v.fail("must be between 10 and 1000");
    return static_cast<uint16_t>(n);
}

std::string cpuset_list(const JsonValue& v) {
    std::string s = v.as_string();
    if (s.find_first_not_of("0123456789,- ") != std::string::npos)
        v.fail("must be a list of numbers and ranges (\"0-2,4\")");
    return s;
}

MemoryLimits parse_memory(const JsonValue& v) {
    MemoryLimits m;
    if (auto x = v.get("limit")) m.limit = limit_value(*x);
    if (auto x = v.get("reservation")) m.reservation = limit_value(*x);
    if (auto x = v.get("swap")) m.swap = limit_value(*x);
    if (auto x = v.get("kernel")) m.kernel = limit_value(*x);
    if (auto x = v.get("kernelTCP")) m.kernel_tcp = limit_value(*x);
    if (auto x = v.get("swappiness")) {
        m.swappiness = x->as_uint();
        if (*m.swappiness > 100) x->fail("must be between 0 and 100");
    }
    if (auto x = v.get("disableOOMKiller")) m.disable_oom_killer = x->as_bool();
    if (auto x = v.get("useHierarchy")) (void)x->as_bool();  // always on in cgroup v2 and in runc
    if (auto x = v.get("checkBeforeUpdate")) (void)x->as_bool();
    if (m.limit && m.swap && *m.limit > 0 && *m.swap > 0 && *m.swap < *m.limit)
        v.required("swap").fail("must be at least the memory limit (it counts memory plus swap)");
    return m;
}

CpuLimits parse_cpu(const JsonValue& v) {
    CpuLimits c;
    if (auto x = v.get("shares")) {
        c.shares = x->as_uint();
        if (*c.shares != 0 && (*c.shares < 2 || *c.shares > 262144)) x->fail("must be between 2 and 262144");
    }
    if (auto x = v.get("quota")) {
        c.quota = x->as_int();
        if (*c.quota < -1) x->fail("must be -1 (unlimited) or a number of microseconds");
    }
    if (auto x = v.get("burst")) c.burst = x->as_uint();
    if (auto x = v.get("period")) {
        c.period = x->as_uint();
        if (*c.period != 0 && (*c.period < 1000 || *c.period > 1000000))
            x->fail("must be between 1000 and 1000000 microseconds");
    }
    if (auto x = v.get("realtimeRuntime")) {
        c.realtime_runtime = x->as_int();
        if (*c.realtime_runtime < -1) x->fail("must be -1 (unlimited) or a number of microseconds");
    }
    if (auto x = v.get("realtimePeriod")) c.realtime_period = x->as_uint();
    if (auto x = v.get("cpus")) c.cpus = cpuset_list(*x);
    if (auto x = v.get("mems")) c.mems = cpuset_list(*x);
    if (auto x = v.get("idle")) {
        c.idle = x->as_int();
        if (*c.idle != 0 && *c.idle != 1) x->fail("must be 0 or 1");
    }
    return c;
}

std::vector<DeviceRate> parse_rates(const JsonValue& v) {
    std::vector<DeviceRate> out;
    for (auto& item : v.items()) {
        DeviceRate r;
        r.major = item.required("major").as_int();
        r.minor = item.required("minor").as_int();
        r.rate = item.required("rate").as_uint();
        if (r.major < 0 || r.minor < 0) item.fail("major and minor must not be negative");
        out.push_back(r);
    }
    return out;
}

BlockIoLimits parse_block_io(const JsonValue& v) {
    BlockIoLimits b;
    if (auto x = v.get("weight")) b.weight = weight_value(*x);
    if (auto x = v.get("leafWeight")) b.leaf_weight = weight_value(*x);
    if (auto x = v.get("weightDevice")) {
        for (auto& item : x->items()) {
            DeviceWeight w;
            w.major = item.required("major").as_int();
            w.minor = item.required("minor").as_int();
            if (w.major < 0 || w.minor < 0) item.fail("major and minor must not be negative");
            if (auto y = item.get("weight")) w.weight = weight_value(*y);
            if (auto y = item.get("leafWeight")) w.leaf_weight = weight_value(*y);
            b.weight_devices.push_back(w);
        }
    }
    if (auto x = v.get("throttleReadBpsDevice")) b.read_bps = parse_rates(*x);
    if (auto x = v.get("throttleWriteBpsDevice")) b.write_bps = parse_rates(*x);
    if (auto x = v.get("throttleReadIOPSDevice")) b.read_iops = parse_rates(*x);
    if (auto x = v.get("throttleWriteIOPSDevice")) b.write_iops = parse_rates(*x);
    return b;
}

std::vector<DeviceRule> parse_device_rules(const JsonValue& v) {
    std::vector<DeviceRule> out;
    for (auto& item : v.items()) {
        DeviceRule r;
        r.allow = item.required("allow").as_bool();
        if (auto x = item.get("type")) {
            r.type = x->as_string();
            if (r.type != "a" && r.type != "c" && r.type != "b") x->fail("must be one of a, c, b");
        }
        if (auto x = item.get("major")) r.major = x->as_int();
        if (auto x = item.get("minor")) r.minor = x->as_int();
        if (auto x = item.get("access")) {
            r.access = x->as_string();
            if (r.access.find_first_not_of("rwm") != std::string::npos) x->fail("must be made of r, w, m");
        }
        out.push_back(r);
    }
    return out;
}

}  // namespace

Resources parse_resources(const JsonValue& v) {
    Resources r;
    if (v.is_null()) return r;
    if (auto x = v.get("memory")) r.memory = parse_memory(*x);
    if (auto x = v.get("cpu")) r.cpu = parse_cpu(*x);
    if (auto x = v.get("pids"))
        if (auto l = x->get("limit")) r.pids_limit = l->as_int();
    if (auto x = v.get("blockIO")) r.block_io = parse_block_io(*x);
    if (auto x = v.get("hugepageLimits")) {
        for (auto& item : x->items()) {
            HugepageLimit h;
            auto size = item.required("pageSize");
            h.page_size = size.as_string();
            // The page size names a file (hugetlb.2MB.limit_in_bytes): digits and a unit only.
            bool ok = !h.page_size.empty() && h.page_size.find_first_not_of("0123456789KMGB") == std::string::npos;
            if (!ok) size.fail("must be a size like \"2MB\" or \"1GB\"");
            h.limit = item.required("limit").as_uint();
            r.hugepage_limits.push_back(h);
        }
    }
    if (auto x = v.get("unified")) {
        x->for_each([&](const std::string& key, const JsonValue& val) {
            // The key is a file of the container's own cgroup directory, nothing else.
            if (key.empty() || key.find('/') != std::string::npos || key[0] == '.' ||
                key.find('.') == std::string::npos)
                val.fail("not a cgroup v2 interface file name");
            r.unified[key] = val.as_string();
        });
    }
    if (auto x = v.get("devices")) r.devices = parse_device_rules(*x);
    return r;
}

}  // namespace runac::oci
