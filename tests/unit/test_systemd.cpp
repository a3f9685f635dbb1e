// The systemd cgroup driver's names and properties: runc's reading of
// linux.cgroupsPath ("slice:prefix:name") and of linux.resources.
#include <algorithm>
#include <doctest/doctest.h>
#include <functional>

#include "cgroups/systemd.hpp"
#include "common/error.hpp"
#include "common/json.hpp"

using namespace runac;
using cgroups::UnitProperty;

namespace {

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

oci::Resources parse(const std::string& json) {
    auto doc = JsonDocument::parse(json, "resources");
    return oci::parse_resources(JsonValue(doc.root()));
}

}  // namespace

TEST_CASE("a slice name expands to its cgroup path, each dash one level") {
    CHECK(cgroups::expand_slice("system.slice") == "/system.slice");
    CHECK(cgroups::expand_slice("kubepods-besteffort-pod12.slice") ==
          "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12.slice");
    CHECK(cgroups::expand_slice("-.slice") == "/");
    for (auto bad : {"system", ".slice", "a--b.slice", "-a.slice", "a-.slice", "a/b.slice"})
        CHECK(error_of([&] { cgroups::expand_slice(bad); }) == std::string("invalid slice name: ") + bad);
}

TEST_CASE("cgroupsPath slice:prefix:name names a scope in the slice, as runc") {
    auto u = cgroups::systemd_unit("kubepods-burstable.slice:cri-containerd:abc", "ignored");
    CHECK(u.slice == "kubepods-burstable.slice");
    CHECK(u.name == "cri-containerd-abc.scope");
    CHECK(u.cgroup == "/kubepods.slice/kubepods-burstable.slice/cri-containerd-abc.scope");
    // Empty: runc's default; an empty slice part is system.slice.
    auto d = cgroups::systemd_unit("", "c1");
    CHECK(d.name == "runc-c1.scope");
    CHECK(d.cgroup == "/system.slice/runc-c1.scope");
    CHECK(cgroups::systemd_unit(":docker:c2", "c2").cgroup == "/system.slice/docker-c2.scope");
    CHECK(cgroups::systemd_unit("-.slice:p:c3", "c3").cgroup == "/p-c3.scope");
    CHECK(error_of([] { cgroups::systemd_unit("/kubepods/besteffort/pod1/abc", "x"); }) ==
          "expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got "
          "\"/kubepods/besteffort/pod1/abc\" instead");
    CHECK(error_of([] { cgroups::systemd_unit("bad:p:n", "x"); }) == "invalid slice name: bad");
    CHECK(error_of([] { cgroups::systemd_unit("system.slice:p:x.slice", "x"); }) ==
          "linux.cgroupsPath: x.slice: the container's unit must be a scope, not a slice");
}

TEST_CASE("CPU lists become systemd's byte masks") {
    CHECK(cgroups::cpu_mask("0", "f") == std::vector<uint8_t>{0x01});
    CHECK(cgroups::cpu_mask("0-2,7", "f") == std::vector<uint8_t>{0x87});
    CHECK(cgroups::cpu_mask("9", "f") == std::vector<uint8_t>{0x00, 0x02});
    CHECK(error_of([] { cgroups::cpu_mask("2-1", "linux.resources.cpu.cpus"); }) ==
          "linux.resources.cpu.cpus: \"2-1\" is not a list of CPUs or nodes (\"0-2,7\")");
}

TEST_CASE("resources become the unit's properties, converted as runc converts them") {
    auto r = parse(R"({"memory": {"limit": 67108864, "reservation": 1048576, "swap": 134217728},
        "cpu": {"shares": 1024, "quota": 25000, "period": 100000, "cpus": "0-1", "mems": "0"},
        "pids": {"limit": 20}, "blockIO": {"weight": 500}})");
    auto v2 = cgroups::resource_properties(r, false);
    std::vector<UnitProperty> want = {
        {"MemoryMax", uint64_t{67108864}},
        {"MemoryLow", uint64_t{1048576}},
        {"MemorySwapMax", uint64_t{67108864}},
        {"CPUWeight", uint64_t{39}},
        {"CPUQuotaPeriodUSec", uint64_t{100000}},
        {"CPUQuotaPerSecUSec", uint64_t{250000}},
        {"AllowedCPUs", std::vector<uint8_t>{0x03}},
        {"AllowedMemoryNodes", std::vector<uint8_t>{0x01}},
        {"TasksMax", uint64_t{20}},
        {"IOWeight", uint64_t{4950}},
    };
    CHECK(v2 == want);
    auto v1 = cgroups::resource_properties(r, true);
    CHECK(v1.front() == UnitProperty{"MemoryLimit", uint64_t{67108864}});
    CHECK(std::find(v1.begin(), v1.end(), UnitProperty{"CPUShares", uint64_t{1024}}) != v1.end());
    CHECK(std::find(v1.begin(), v1.end(), UnitProperty{"BlockIOWeight", uint64_t{500}}) != v1.end());
}

TEST_CASE("unlimited is infinity, and a quota not a whole percent is rounded up") {
    auto r = parse(R"({"memory": {"limit": -1, "swap": -1}, "cpu": {"quota": 12345}, "pids": {"limit": -1}})");
    auto p = cgroups::resource_properties(r, false);
    std::vector<UnitProperty> want = {
        {"MemoryMax", cgroups::kUnitInfinity},
        {"MemorySwapMax", cgroups::kUnitInfinity},
        // 12345 µs per 100 ms period: 123450 µs per second, 13 %.
        {"CPUQuotaPerSecUSec", uint64_t{130000}},
        {"TasksMax", cgroups::kUnitInfinity},
    };
    CHECK(p == want);
    CHECK(cgroups::resource_properties(parse("{}"), false).empty());
}
