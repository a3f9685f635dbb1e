#include "enforce/lsm.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "bpf/lsm.skel.h"
#include "common/error.hpp"
#include "common/files.hpp"
#include "enforce/bpf_support.hpp"

namespace runac::enforce {

namespace {

// The keys of bpf/lsm.bpf.c's maps.
struct FileKey {
    uint32_t dev, pad;
    uint64_t ino;
};
constexpr size_t kNameKept = 64;
struct NameKey {
    FileKey dir;
    char name[kNameKept];
};
struct ToolKey {
    uint32_t secret, dev;
    uint64_t ino;
};
static_assert(sizeof(FileKey) == 16 && sizeof(NameKey) == 80 && sizeof(ToolKey) == 16);

FileKey key_of(const FileId& id) { return {id.dev, 0, id.ino}; }

// bpf/lsm.bpf.c's struct exec_refusal.
struct Refusal {
    uint32_t pid, dev;
    uint64_t ino;
    char comm[16];
    char name[kNameKept];
};

// A duplicate of one of the object's fds, to outlive it.
UniqueFd dup_of(int fd) { return UniqueFd(::fcntl(fd, F_DUPFD_CLOEXEC, 0)); }

// "DEV:INO": an inode number may use all 64 bits (overlayfs's xino), more
// than a JSON number keeps exactly.
std::string id_text(const FileId& id) { return std::to_string(id.dev) + ":" + std::to_string(id.ino); }

FileId id_of(const JsonValue& v) {
    std::string text = v.as_string();
    auto colon = text.find(':');
    auto dev = parse_uint(text.substr(0, colon));
    auto ino = colon == std::string::npos ? std::nullopt : parse_uint(text.substr(colon + 1));
    if (!dev || !ino || *dev > UINT32_MAX) v.fail("expected DEV:INO");
    return {static_cast<uint32_t>(*dev), *ino};
}

void write_ids(JsonWriter& w, const std::vector<FileId>& ids) {
    w.begin_array();
    for (auto& id : ids) w.value(id_text(id));
    w.end_array();
}

std::vector<FileId> ids_of(const JsonValue& v) {
    std::vector<FileId> out;
    for (auto& item : v.items()) out.push_back(id_of(item));
    return out;
}

// The programs, what each checks, and the switch of lsm.bpf.c each needs.
struct Hook {
    const char* program;
    bool (*needed)(const Lsm&);
};
const Hook kHooks[] = {
    {"runac_file_open", [](const Lsm& l) { return l.deny || !l.secret_tools.empty(); }},
    {"runac_bprm_check", [](const Lsm& l) { return l.exec || l.memfd; }},
    {"runac_mmap_file", [](const Lsm& l) { return l.memfd; }},
    {"runac_file_mprotect", [](const Lsm& l) { return l.memfd; }},
};

void put(bpf_map* map, const void* key, const void* value, const char* rule) {
    if (bpf_map__update_elem(map, key, bpf_map__key_size(map), value, bpf_map__value_size(map), BPF_ANY) != 0)
        throw_errno(std::string("agent policy: ") + rule + ": bpf-lsm: add to " + bpf_map__name(map));
}

}  // namespace

FileId file_id(const struct stat& st) {
    return {static_cast<uint32_t>((major(st.st_dev) << 20) | minor(st.st_dev)), static_cast<uint64_t>(st.st_ino)};
}

void write_lsm_files(JsonWriter& w, const LsmFiles& files) {
    w.begin_object().key("deny");
    write_ids(w, files.deny);
    w.key("denyNames").begin_array();
    for (auto& [dir, name] : files.deny_names)
        w.begin_object().key("dir").value(id_text(dir)).key("name").value(name).end_object();
    w.end_array().key("exec");
    write_ids(w, files.exec);
    w.key("secrets").begin_array();
    for (auto& s : files.secrets) {
        w.begin_object().key("file").value(id_text(s.file)).key("tools");
        write_ids(w, s.tools);
        w.end_object();
    }
    w.end_array().end_object();
}

LsmFiles parse_lsm_files(const JsonValue& v) {
    LsmFiles files;
    files.deny = ids_of(v.required("deny"));
    for (auto& n : v.required("denyNames").items())
        files.deny_names.emplace_back(id_of(n.required("dir")), n.required("name").as_string());
    files.exec = ids_of(v.required("exec"));
    for (auto& s : v.required("secrets").items())
        files.secrets.push_back({id_of(s.required("file")), ids_of(s.required("tools"))});
    return files;
}

LsmPrograms LsmPrograms::attach(const Lsm& lsm, const LsmFiles& files, const std::string& cgroup_dir) {
    LsmPrograms p;
    p.cgroup_.reset(::open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!p.cgroup_) throw_errno("agent policy: bpf-lsm: open " + cgroup_dir);
    std::unique_ptr<runac_lsm, void (*)(runac_lsm*)> skel(runac_lsm::open(), runac_lsm::destroy);
    if (!skel) throw_errno("agent policy: bpf-lsm: open the LSM programs");
    skel->rodata->check_deny = lsm.deny;
    skel->rodata->check_exec = lsm.exec;
    skel->rodata->check_memfd = lsm.memfd;
    skel->rodata->check_secrets = !lsm.secret_tools.empty();
    skel->rodata->report_exec = lsm.prompt;
    // The smallest ring a policy without prompts needs: none, but one page.
    if (!lsm.prompt) bpf_map__set_max_entries(skel->maps.runac_exec_refused, static_cast<uint32_t>(::getpagesize()));
    for (auto& h : kHooks)
        bpf_program__set_autoload(bpf_object__find_program_by_name(skel->obj, h.program), h.needed(lsm));
    int rc;
    {
        LibbpfToDebugLog quiet;
        rc = runac_lsm::load(skel.get());
    }
    if (rc != 0)
        throw Error("agent policy: bpf-lsm: the LSM programs did not load: " + std::string(std::strerror(-rc)));
    uint8_t one = 1;
    for (auto& id : files.deny) {
        FileKey k = key_of(id);
        put(skel->maps.runac_deny, &k, &one, "filesystem.deny");
    }
    for (auto& [dir, name] : files.deny_names) {
        if (name.size() >= kNameKept) continue;  // left to the other layers: the key keeps 63 bytes
        NameKey k{key_of(dir), {}};
        std::memcpy(k.name, name.data(), name.size());
        put(skel->maps.runac_deny_names, &k, &one, "filesystem.deny");
    }
    for (auto& id : files.exec) {
        FileKey k = key_of(id);
        put(skel->maps.runac_exec, &k, &one, "shell.commands");
    }
    for (uint32_t i = 0; i < files.secrets.size(); i++) {
        FileKey k = key_of(files.secrets[i].file);
        put(skel->maps.runac_secrets, &k, &i, "secrets.allowedTools");
        for (auto& tool : files.secrets[i].tools) {
            ToolKey t{i, tool.dev, tool.ino};
            put(skel->maps.runac_tools, &t, &one, "secrets.allowedTools");
        }
    }
    for (auto& h : kHooks) {
        if (!h.needed(lsm)) continue;
        int fd = bpf_program__fd(bpf_object__find_program_by_name(skel->obj, h.program));
        if (bpf_prog_attach(fd, p.cgroup_.get(), BPF_LSM_CGROUP, BPF_F_ALLOW_MULTI) != 0)
            throw_errno("agent policy: bpf-lsm: attach " + std::string(h.program) + " to " + cgroup_dir);
        p.attached_.push_back(dup_of(fd));
    }
    if (lsm.prompt) {
        p.exec_ = dup_of(bpf_map__fd(skel->maps.runac_exec));
        p.refused_ = dup_of(bpf_map__fd(skel->maps.runac_exec_refused));
    }
    return p;
}

void LsmMaps::allow_exec(const FileId& file) const {
    FileKey k = key_of(file);
    uint8_t one = 1;
    if (bpf_map_update_elem(exec, &k, &one, BPF_ANY) != 0) throw_errno("shell.commands: bpf-lsm: add to runac_exec");
}

std::optional<ExecRefusal> exec_refusal(const void* data, size_t size) {
    if (size != sizeof(Refusal)) return std::nullopt;
    Refusal r;
    std::memcpy(&r, data, sizeof r);
    return ExecRefusal{r.pid, std::string(r.comm, strnlen(r.comm, sizeof r.comm)), {r.dev, r.ino},
                       std::string(r.name, strnlen(r.name, sizeof r.name))};
}

LsmPrograms::~LsmPrograms() {
    if (kept_) return;
    for (auto& program : attached_) bpf_prog_detach2(program.get(), cgroup_.get(), BPF_LSM_CGROUP);
}

void detach_lsm(const std::string& cgroup_dir) {
    UniqueFd cgroup(::open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (cgroup) detach_runac_programs(cgroup.get(), BPF_LSM_CGROUP);
}

}  // namespace runac::enforce
