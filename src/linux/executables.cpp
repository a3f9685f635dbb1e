#include "linux/executables.hpp"

#include <algorithm>
#include <cstring>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fd.hpp"
#include "common/files.hpp"
#include "common/json.hpp"
#include "enforce/landlock.hpp"

namespace runac::linux {

namespace {

// Deeper than any real chain (env -> interpreter -> loader); a loop of
// scripts naming each other ends here.
constexpr int kMaxDepth = 6;

bool executable_file(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

std::string find_in_path(const std::string& name, const std::string& path_env) {
    if (name.find('/') != std::string::npos) return executable_file(name) ? name : "";
    for (auto& dir : split(path_env, ':')) {
        if (dir.empty() || dir[0] != '/') continue;  // a relative PATH entry names nothing fixed
        std::string candidate = dir + "/" + name;
        if (executable_file(candidate)) return candidate;
    }
    return "";
}

std::string read_head(const std::string& path, size_t max) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    if (!fd) return "";
    std::string out(max, '\0');
    ssize_t n = ::pread(fd.get(), out.data(), max, 0);
    out.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return out;
}

// PT_INTERP of an ELF file, or "".
template <typename Ehdr, typename Phdr>
std::string interpreter_of(const std::string& path, const std::string& head) {
    if (head.size() < sizeof(Ehdr)) return "";
    Ehdr eh;
    std::memcpy(&eh, head.data(), sizeof eh);
    if (eh.e_phentsize != sizeof(Phdr) || eh.e_phnum > 512) return "";
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return "";
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Phdr ph;
        if (::pread(fd.get(), &ph, sizeof ph, static_cast<off_t>(eh.e_phoff + i * sizeof ph)) != sizeof ph) return "";
        if (ph.p_type != PT_INTERP || ph.p_filesz == 0 || ph.p_filesz > 4096) continue;
        std::string interp(ph.p_filesz, '\0');
        if (::pread(fd.get(), interp.data(), interp.size(), static_cast<off_t>(ph.p_offset)) !=
            static_cast<ssize_t>(interp.size()))
            return "";
        return std::string(interp.c_str());  // NUL-terminated in the file
    }
    return "";
}

struct Resolver {
    const std::string& path_env;
    Executables out;

    void add(const std::string& file, int depth, bool as_loader = false) {
        if (depth > kMaxDepth || file.empty()) return;
        auto loader = std::find(out.loaders.begin(), out.loaders.end(), file);
        if (!as_loader && loader != out.loaders.end()) out.loaders.erase(loader);
        if (std::find(out.allowed.begin(), out.allowed.end(), file) != out.allowed.end()) return;
        out.allowed.push_back(file);
        if (as_loader) out.loaders.push_back(file);
        std::string head = read_head(file, 256);
        if (head.size() >= 5 && head.compare(0, 4, "\x7f" "ELF") == 0) {
            std::string interp = head[EI_CLASS] == ELFCLASS64 ? interpreter_of<Elf64_Ehdr, Elf64_Phdr>(file, head)
                                                              : interpreter_of<Elf32_Ehdr, Elf32_Phdr>(file, head);
            add(interp, depth + 1, true);
        } else if (head.compare(0, 2, "#!") == 0) {
            script(head, depth);
        }
    }

    // "#!/usr/bin/env node", "#!/bin/sh -e", "#!/usr/bin/env -S node --flag"
    void script(const std::string& head, int depth) {
        std::string line = head.substr(2, head.find('\n') == std::string::npos ? std::string::npos : head.find('\n') - 2);
        std::vector<std::string> words;
        for (auto& w : split(line, ' '))
            for (auto& x : split(w, '\t'))
                if (!x.empty()) words.push_back(x);
        if (words.empty() || words[0][0] != '/') return;
        add(words[0], depth + 1);
        if (words[0].substr(words[0].rfind('/') + 1) != "env") return;
        for (size_t i = 1; i < words.size(); i++) {
            if (words[i] == "-S" || words[i][0] == '-') continue;  // env's own options
            if (words[i].find('=') != std::string::npos) continue;  // NAME=value
            add(find_in_path(words[i], path_env), depth + 1);
            return;
        }
    }
};

}  // namespace

const std::vector<enforce::Covers>& executables_covers() {
    static const std::vector<enforce::Covers> covers = {{enforce::Rule::Commands, enforce::Mechanism::Landlock}};
    return covers;
}

std::string path_of(const std::vector<std::string>& env) {
    for (auto& e : env)
        if (e.rfind("PATH=", 0) == 0) return e.substr(5);
    return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

Executables resolve_executables(const std::vector<std::string>& commands, const std::string& entrypoint,
                                const std::string& path_env) {
    Resolver r{path_env, {}};
    r.add(entrypoint, 0);
    for (auto& c : commands) {
        std::string found = find_in_path(c, path_env);
        if (found.empty()) r.out.missing.push_back(c);
        else r.add(found, 0);
    }
    return r.out;
}

namespace {
constexpr uint64_t kExecuteRights = enforce::fs::kExecute | enforce::fs::kReadFile;
}

Executables allow_executables(const std::vector<enforce::CommandRule>& commands, const std::string& entrypoint,
                              const std::vector<std::string>& env, enforce::Landlock& landlock) {
    std::vector<std::string> binaries;
    for (auto& c : commands)
        if (std::find(binaries.begin(), binaries.end(), c.binary) == binaries.end()) binaries.push_back(c.binary);
    Executables found = resolve_executables(binaries, entrypoint, path_of(env));
    for (auto& file : found.allowed) landlock.rules.push_back({file, kExecuteRights});
    return found;
}

void write_executables(JsonWriter& w, const Executables& found) {
    w.key("allowed").strings(found.allowed).key("missing").strings(found.missing);
}

std::vector<std::string> allowed_executables(const enforce::Plan& plan) {
    std::vector<std::string> out;
    for (auto& r : plan.landlock.rules)
        if (r.access == kExecuteRights) out.push_back(r.path);
    return out;
}

std::vector<std::string> keep_executables(const JsonValue& ready, enforce::Plan& plan) {
    for (auto& file : ready.required("allowed").string_list()) plan.landlock.rules.push_back({file, kExecuteRights});
    return ready.required("missing").string_list();
}

}  // namespace runac::linux
