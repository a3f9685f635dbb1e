// The AppArmor layer of an agent policy: where AppArmor is enabled and the
// engine named no profile, a profile generated from the policy, loaded at
// create (apparmor_parser), made the container's process's exec label (the
// init's aa_change_onexec, and every `runac exec`), removed at delete.
// With the engine's profile (docker-default, containers-default, ...),
// runac replaces nothing.
//
// What it adds to the other layers: no mount, umount or pivot_root, no
// ptrace but reading a process's state, only the inet, inet6, unix and
// netlink socket families (no raw or packet sockets), no capability, no
// profile change, and the deny paths refused by path, also where they do
// not exist at create. Files are otherwise allowed (`file,`): Landlock and
// the mounts decide reads, writes and executes, and AppArmor's rules, where
// an explicit deny always wins, cannot grant a write tree below a refused
// one.
#pragma once
#include <string>
#include <vector>

#include "enforce/coverage.hpp"
#include "enforce/plan.hpp"

namespace runac::enforce {

inline const std::vector<Covers>& apparmor_covers() {
    static const std::vector<Covers> covers = {
        {Rule::Baseline, Mechanism::AppArmor},
        {Rule::FilesystemDeny, Mechanism::AppArmor},
    };
    return covers;
}

// The name of container ID's profile.
std::string apparmor_profile_name(const std::string& id);

// The profile's text.
std::string apparmor_profile(const std::string& name, const Plan& plan);

// Loaded until destroyed, unless kept: a create that fails on the way
// leaves no profile.
class AppArmorProfile {
public:
    // Compiles and loads (replacing one of the same name); throws an Error
    // naming the layer.
    static AppArmorProfile load(const std::string& name, const std::string& text);
    AppArmorProfile(AppArmorProfile&& other) noexcept : name_(std::move(other.name_)) { other.name_.clear(); }
    AppArmorProfile& operator=(AppArmorProfile&&) = delete;
    ~AppArmorProfile();
    void keep() { name_.clear(); }

private:
    explicit AppArmorProfile(std::string name) : name_(std::move(name)) {}
    std::string name_;
};

// `delete`: takes the profile out of the kernel (gone already: nothing).
void remove_apparmor_profile(const std::string& name);

}  // namespace runac::enforce
