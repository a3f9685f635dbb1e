#include "agent/secrets.hpp"

#include <algorithm>
#include <strings.h>
#include <cerrno>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent/secret_stores.hpp"
#include "common/error.hpp"
#include "common/fd.hpp"
#include "common/files.hpp"
#include "common/json.hpp"

namespace runac::agent {

namespace {

// A secret larger than this is not a credential; the tmpfs is sized for them.
constexpr size_t kMaxSecretBytes = 64 * 1024;

bool names_variable(const std::string& entry, const std::string& name) {
    return entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 && entry[name.size()] == '=';
}

std::string take_env(const Secret& s, oci::Process& process) {
    auto it = std::find_if(process.env.begin(), process.env.end(), [&](auto& e) { return names_variable(e, s.source); });
    if (it == process.env.end())
        throw Error("agent policy: secrets." + s.name + ": env://" + s.source + ": process.env has no " + s.source);
    std::string value = it->substr(s.source.size() + 1);
    remove_env(process.env, {s.source});
    return value;
}

// Below the secrets directory only: a symlink in it that leads elsewhere is
// refused by the kernel (RESOLVE_BENEATH), so the directory's contents are
// all a policy can bring in.
std::string read_file_secret(const Secret& s, const std::string& secrets_dir) {
    std::string what = "agent policy: secrets." + s.name + ": " + s.source;
    UniqueFd dir(::open(secrets_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir) throw_errno(what + ": open " + secrets_dir);
    std::string rel = s.source.substr(secrets_dir.size() + 1);
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    UniqueFd file(static_cast<int>(::syscall(SYS_openat2, dir.get(), rel.c_str(), &how, sizeof how)));
    if (!file && errno == EXDEV) throw Error(what + ": leads outside " + secrets_dir);
    if (!file) throw_errno(what);
    struct stat st;
    if (::fstat(file.get(), &st) != 0) throw_errno(what);
    if (!S_ISREG(st.st_mode)) throw Error(what + ": not a regular file");
    if (static_cast<size_t>(st.st_size) > kMaxSecretBytes)
        throw Error(what + ": larger than " + std::to_string(kMaxSecretBytes / 1024) + " KiB");
    return read_all(file.get(), what);
}

}  // namespace

std::vector<enforce::SecretFile> take_secrets(const Policy& policy, oci::Process& process, const Settings& settings) {
    std::vector<enforce::SecretFile> out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(settings.store_timeout);
    for (auto& s : policy.secrets) {
        std::string value = s.provider == SecretProvider::Env    ? take_env(s, process)
                            : s.provider == SecretProvider::File ? read_file_secret(s, settings.secrets_dir)
                                                                 : fetch_store_secret(s, settings, deadline);
        if (value.size() > kMaxSecretBytes)
            throw Error("agent policy: secrets." + s.name + ": larger than " + std::to_string(kMaxSecretBytes / 1024) +
                        " KiB");
        out.push_back({s.name, std::move(value)});
    }
    return out;
}

void remove_env(std::vector<std::string>& env, const std::vector<std::string>& names) {
    std::erase_if(env, [&](const std::string& e) {
        return std::any_of(names.begin(), names.end(), [&](auto& n) { return names_variable(e, n); });
    });
}

std::string config_without_env(const std::string& config_text, const std::vector<std::string>& names) {
    if (names.empty()) return config_text;
    JsonDocument doc = JsonDocument::parse(config_text, "config.json", KeyMatch::AnyCase);
    JsonWriter w(true);
    // Keys in any case, as the config was read ("Process.Env" too).
    const std::string env = "process.env[";
    w.copy(doc.root(), [&](const JsonValue& v) {
        if (!v.is_string() || ::strncasecmp(v.path().c_str(), env.c_str(), env.size()) != 0) return false;
        std::string entry = v.as_string();
        return std::any_of(names.begin(), names.end(), [&](auto& n) { return names_variable(entry, n); });
    });
    return w.str();
}

}  // namespace runac::agent
