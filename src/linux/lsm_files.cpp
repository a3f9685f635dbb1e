#include "linux/lsm_files.hpp"

#include <algorithm>
#include <fcntl.h>
#include <optional>
#include <sys/stat.h>

#include "common/error.hpp"
#include "linux/inroot.hpp"

namespace runac::linux {

namespace {

std::optional<enforce::FileId> id_in_root(int root, const std::string& path) {
    UniqueFd fd = open_in_root(root, path, O_PATH | O_CLOEXEC);
    struct stat st;
    if (!fd || ::fstat(fd.get(), &st) != 0) return std::nullopt;
    return enforce::file_id(st);
}

std::optional<enforce::FileId> id_of(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return enforce::file_id(st);
}

// What execve runs for each of FILES but the loaders.
std::vector<enforce::FileId> executed(const Executables& found) {
    std::vector<enforce::FileId> out;
    for (auto& file : found.allowed)
        if (std::find(found.loaders.begin(), found.loaders.end(), file) == found.loaders.end())
            if (auto id = id_of(file)) out.push_back(*id);
    return out;
}

}  // namespace

void find_denied(int root, const std::vector<enforce::PolicyMount>& mounts, enforce::LsmFiles& files) {
    for (auto& m : mounts) {
        if (m.kind != enforce::PolicyMount::Kind::Deny) continue;
        if (auto id = id_in_root(root, m.path)) {
            files.deny.push_back(*id);
            continue;
        }
        auto slash = m.path.rfind('/');
        std::string name = m.path.substr(slash + 1);
        if (name.empty() || name == "." || name == "..") continue;
        if (auto dir = id_in_root(root, slash == 0 ? "/" : m.path.substr(0, slash)))
            files.deny_names.emplace_back(*dir, name);
    }
}

void find_executables(const Executables& found, enforce::LsmFiles& files) { files.exec = executed(found); }

void find_secret_tools(const std::vector<enforce::SecretTools>& secrets, const std::string& path_env,
                       enforce::LsmFiles& files) {
    for (auto& s : secrets) {
        auto file = id_of(std::string(enforce::kSecretsDir) + "/" + s.secret);
        if (!file) throw Error("agent policy: secrets." + s.secret + ": the secret's file is missing");
        enforce::LsmFiles::Secret secret{*file, {}};
        for (auto& tool : s.tools)
            for (auto& id : executed(resolve_executables({tool}, "", path_env)))
                secret.tools.push_back(id);
        files.secrets.push_back(std::move(secret));
    }
}

}  // namespace runac::linux
