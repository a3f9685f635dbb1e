// The systemd cgroup driver (`runac --systemd-cgroup`), as containerd's
// `SystemdCgroup = true` and Kubernetes nodes use it: the container's cgroup
// is a transient scope unit that systemd makes, with Delegate=yes, in the
// slice linux.cgroupsPath names ("slice:prefix:name", runc's form). systemd
// is asked over D-Bus (sd-bus from libsystemd, loaded only by the commands
// that use the driver); the cgroup files are then written as with the
// cgroupfs driver, so every limit runac knows applies either way.
#pragma once
#include <cstdint>
#include <string>
#include <sys/types.h>
#include <variant>
#include <vector>

#include "oci/resources.hpp"

namespace runac::cgroups {

struct SystemdUnit {
    std::string slice;   // "system.slice"
    std::string name;    // "cri-containerd-ID.scope"
    std::string cgroup;  // "/system.slice/cri-containerd-ID.scope", below the hierarchy's root
};

// linux.cgroupsPath under the systemd driver ("" is "system.slice:runc:ID",
// as runc); throws runc's error lines for a malformed path or slice.
SystemdUnit systemd_unit(const std::string& cgroups_path, const std::string& id);
// "a-b.slice" -> "/a.slice/a-b.slice", "-.slice" -> "/" (runc's ExpandSlice).
std::string expand_slice(const std::string& slice);

// One unit property: its D-Bus type follows from the value (b, t, s, au, ay).
struct UnitProperty {
    std::string name;
    std::variant<bool, uint64_t, std::string, std::vector<uint32_t>, std::vector<uint8_t>> value;
    bool operator==(const UnitProperty&) const = default;
};
// systemd's "infinity" for a limit.
constexpr uint64_t kUnitInfinity = UINT64_MAX;

// The limits systemd also has as properties of the unit, as runc sets them
// (cgroup v2 names; V1 for the hybrid layout's): systemd writes these
// files itself whenever it realizes the unit again, so they must agree
// with what runac writes.
std::vector<UnitProperty> resource_properties(const oci::Resources& r, bool v1);
// "0-2,7" as the byte mask AllowedCPUs and AllowedMemoryNodes take (CPU i
// is bit i % 8 of byte i / 8).
std::vector<uint8_t> cpu_mask(const std::string& list, const std::string& field);

// A connection to the system's service manager: the system bus, or systemd's
// private socket when no bus daemon runs (as root; systemctl and runc do the
// same).
class Systemd {
public:
    static Systemd connect();
    Systemd(Systemd&&) noexcept;
    Systemd& operator=(Systemd&&) = delete;
    ~Systemd();

    // StartTransientUnit of a scope holding PID, Delegate=yes, in the
    // unit's slice, and waits for its job. A scope of that name that exists
    // already is taken as it is (runc 1.1 does the same).
    void start_scope(const SystemdUnit& unit, pid_t pid, const std::vector<UnitProperty>& resources) const;
    // SetUnitProperties (runtime): `update`.
    void set_properties(const std::string& unit, const std::vector<UnitProperty>& properties) const;
    // StopUnit and waits; a unit already gone is not an error.
    void stop(const std::string& unit) const;

private:
    Systemd() = default;
    struct Bus;
    Bus* bus_ = nullptr;
};

}  // namespace runac::cgroups
