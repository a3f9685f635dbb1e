// runac spec: write a default config.json, the same container runc's spec
// describes (so bundles move between the two), at runtime-spec 1.2.
#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/command.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/json.hpp"
#include "version.hpp"

namespace runac::cli {

namespace {

void mount(JsonWriter& w, const char* dest, const char* type, const char* source,
           const std::vector<std::string>& options) {
    w.begin_object().key("destination").value(dest).key("type").value(type).key("source").value(source);
    if (!options.empty()) w.key("options").strings(options);
    w.end_object();
}

std::string default_spec(bool rootless) {
    const std::vector<std::string> caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    JsonWriter w(true);
    w.begin_object();
    w.key("ociVersion").value(RUNAC_SPEC_VERSION);
    w.key("process").begin_object();
    w.key("terminal").value(true);
    w.key("user").begin_object().key("uid").value(0).key("gid").value(0).end_object();
    w.key("args").strings({"sh"});
    w.key("env").strings({"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"});
    w.key("cwd").value("/");
    w.key("capabilities").begin_object();
    for (const char* set : {"bounding", "effective", "permitted", "ambient"}) w.key(set).strings(caps);
    w.end_object();
    w.key("rlimits").begin_array();
    w.begin_object().key("type").value("RLIMIT_NOFILE").key("hard").value(1024).key("soft").value(1024).end_object();
    w.end_array();
    w.key("noNewPrivileges").value(true);
    w.end_object();
    w.key("root").begin_object().key("path").value("rootfs").key("readonly").value(true).end_object();
    w.key("hostname").value("runac");
    w.key("mounts").begin_array();
    mount(w, "/proc", "proc", "proc", {});
    mount(w, "/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"});
    if (rootless)
        mount(w, "/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"});
    else
        mount(w, "/dev/pts", "devpts", "devpts",
              {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"});
    mount(w, "/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"});
    mount(w, "/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"});
    if (rootless)
        mount(w, "/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"});
    else
        mount(w, "/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"});
    mount(w, "/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"});
    w.end_array();
    w.key("linux").begin_object();
    if (rootless) {
        for (const char* key : {"uidMappings", "gidMappings"}) {
            w.key(key).begin_array().begin_object();
            w.key("containerID").value(0);
            w.key("hostID").value(static_cast<int64_t>(key[0] == 'u' ? ::getuid() : ::getgid()));
            w.key("size").value(1);
            w.end_object().end_array();
        }
    } else {
        w.key("resources").begin_object().key("devices").begin_array();
        w.begin_object().key("allow").value(false).key("access").value("rwm").end_object();
        w.end_array().end_object();
    }
    w.key("namespaces").begin_array();
    std::vector<const char*> namespaces = {"pid", "ipc", "uts", "mount", "cgroup"};
    namespaces.insert(namespaces.begin() + 1, rootless ? "user" : "network");
    for (const char* ns : namespaces) w.begin_object().key("type").value(ns).end_object();
    w.end_array();
    w.key("maskedPaths").strings({"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                                  "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                                  "/proc/scsi"});
    w.key("readonlyPaths").strings({"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"});
    w.end_object();
    w.end_object();
    return w.str() + "\n";
}

int run_spec(const GlobalOptions&, const Args& args) {
    if (!args.positional.empty()) throw Error("spec: takes no arguments");
    std::string bundle = args.get("bundle", ".");
    std::string path = bundle + "/config.json";
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) throw Error("File " + path + " exists. Remove it first");
    write_file_atomic(path, default_spec(args.flag("rootless")), 0666 & ~0022);
    return 0;
}

}  // namespace

Command spec_command() {
    return {"spec", "create a new specification file",
            "Usage: runac spec [options]\n\n"
            "Writes a default config.json for a bundle whose root filesystem is ./rootfs.\n\n"
            "Options:\n"
            "  --bundle, -b DIR  write it into DIR (default: current directory)\n"
            "  --rootless        a spec for a container run by an unprivileged user\n",
            {{{"bundle", "b"}, true}, {{"rootless"}, false}}, run_spec};
}

}  // namespace runac::cli
