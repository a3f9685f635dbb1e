#include "agent/policy.hpp"

namespace runac::agent {

namespace {
struct LayerName {
    Layer layer;
    const char* name;
};
// The names `enforcement.require` and `policy explain` use.
constexpr LayerName kLayerNames[] = {
    {Layer::Landlock, "landlock"}, {Layer::Seccomp, "seccomp"},   {Layer::CgroupBpf, "cgroup-bpf"},
    {Layer::BpfLsm, "bpf-lsm"},    {Layer::AppArmor, "apparmor"}, {Layer::MemfdNoexec, "memfd-noexec"},
};
}  // namespace

const char* layer_name(Layer layer) {
    for (auto& l : kLayerNames)
        if (l.layer == layer) return l.name;
    return "?";
}

std::optional<Layer> layer_by_name(const std::string& name) {
    for (auto& l : kLayerNames)
        if (name == l.name) return l.layer;
    return std::nullopt;
}

const std::vector<Layer>& all_layers() {
    static const std::vector<Layer> all = [] {
        std::vector<Layer> v;
        for (auto& l : kLayerNames) v.push_back(l.layer);
        return v;
    }();
    return all;
}

}  // namespace runac::agent
