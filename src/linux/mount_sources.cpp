#include "linux/mount_sources.hpp"

#include <fcntl.h>
#include <sys/mount.h>

#include "common/error.hpp"
#include "common/files.hpp"
#include "linux/inroot.hpp"
#include "linux/mount_options.hpp"
#include "linux/userns.hpp"

namespace runac::linux {

std::vector<UniqueFd> make_idmapped_trees(const oci::Config& config, const std::string& bundle) {
    std::vector<UniqueFd> trees(config.mounts.size());
    for (size_t i = 0; i < config.mounts.size(); i++) {
        const oci::Mount& m = config.mounts[i];
        MountOptions opts = parse_mount_options(m.options);
        if (!opts.idmap && m.uid_mappings.empty()) continue;
        std::string field = "mounts[" + std::to_string(i) + "].";
        if (m.type != "bind" && !opts.bind()) throw Error(field + "options: idmapped mounts are bind mounts");
        const auto& uids = m.uid_mappings.empty() ? config.linux.uid_mappings : m.uid_mappings;
        const auto& gids = m.gid_mappings.empty() ? config.linux.gid_mappings : m.gid_mappings;
        if (uids.empty() || gids.empty())
            throw Error(field + "uidMappings: idmap needs the mount's mappings or a user namespace's");
        UniqueFd userns = user_namespace_with(uids, gids, field);
        std::string source = absolute_path(m.source, bundle);
        UniqueFd tree(::open_tree(AT_FDCWD, source.c_str(),
                                  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((opts.flags & MS_REC) ? AT_RECURSIVE : 0)));
        if (!tree) throw_errno(field + "source: open_tree " + source);
        struct mount_attr attr = {};
        attr.attr_set = MOUNT_ATTR_IDMAP;
        attr.userns_fd = static_cast<uint64_t>(userns.get());
        // EINVAL: the filesystem cannot be idmapped (or the kernel is too old).
        if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH | (opts.idmap_recursive ? AT_RECURSIVE : 0), &attr,
                            sizeof attr) != 0)
            throw_errno(field + "uidMappings: idmap " + source);
        trees[i] = std::move(tree);
    }
    return trees;
}

UniqueFd open_bind_source(pid_t init, const std::string& source) {
    UniqueFd root(::open(("/proc/" + std::to_string(init) + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return UniqueFd();
    return open_in_root(root.get(), source, O_PATH | O_CLOEXEC);
}

}  // namespace runac::linux
