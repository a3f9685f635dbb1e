// runac features: what this build (and, where it depends on it, this
// kernel) implements, as runtime-spec's features document. Engines read it
// to learn what they may ask for; every claim here is one runac honours.
#include <cstdio>
#include <cctype>
#include <seccomp.h>
#include <sys/capability.h>

#include "agent/enforcement.hpp"
#include "cli/command.hpp"
#include "common/json.hpp"
#include "linux/mount_options.hpp"
#include "linux/seccomp.hpp"
#include "oci/config.hpp"
#include "version.hpp"

namespace runac::cli {

namespace {

std::vector<std::string> capability_names() {
    std::vector<std::string> out;
    for (int cap = 0; cap < static_cast<int>(cap_max_bits()); cap++) {
        char* name = cap_to_name(cap);
        if (!name) continue;
        std::string n = name;
        cap_free(name);
        if (n.rfind("cap_", 0) != 0) continue;  // a number: libcap does not know its name
        for (auto& ch : n) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        out.push_back(n);
    }
    return out;
}

// The agent policy's kernel layers this kernel offers ("landlock,seccomp,...").
std::string agent_layers() {
    std::string out;
    for (agent::Layer layer : agent::all_layers())
        if (agent::layer_feature(linux::kernel_features(), layer).available)
            out += (out.empty() ? "" : ",") + std::string(agent::layer_name(layer));
    return out;
}

std::string libseccomp_version() {
    const struct scmp_version* v = seccomp_version();
    return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

void enabled(JsonWriter& w, const char* key, bool on) { w.key(key).begin_object().key("enabled").value(on).end_object(); }

int run_features(const GlobalOptions&, const Args&) {
    JsonWriter w(true);
    w.begin_object();
    w.key("ociVersionMin").value("1.0.0");
    w.key("ociVersionMax").value(RUNAC_SPEC_VERSION);
    w.key("hooks").strings({"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"});
    w.key("mountOptions").strings(linux::mount_option_names());
    w.key("linux").begin_object();
    w.key("namespaces").strings(oci::namespace_names());
    w.key("capabilities").strings(capability_names());
    w.key("cgroup").begin_object();
    w.key("v1").value(true).key("v2").value(true).key("systemd").value(true).key("systemdUser").value(false);
    w.key("rdma").value(false);
    w.end_object();
    w.key("seccomp").begin_object();
    w.key("enabled").value(true);
    w.key("actions").strings(oci::seccomp_action_names());
    w.key("operators").strings(oci::seccomp_operator_names());
    w.key("archs").strings(linux::seccomp_architectures());
    w.key("knownFlags").strings(oci::seccomp_flag_names());
    w.key("supportedFlags").strings(linux::seccomp_supported_flags());
    w.end_object();
    enabled(w, "apparmor", true);
    enabled(w, "selinux", false);
    enabled(w, "intelRdt", false);
    w.key("mountExtensions").begin_object();
    enabled(w, "idmap", true);
    w.end_object();
    w.end_object();  // linux
    w.key("annotations").begin_object();
    w.key("io.github.seccomp.libseccomp.version").value(libseccomp_version());
    w.key("io.runac.version").value(RUNAC_VERSION);
    w.key("io.runac.agent.layers").value(agent_layers());
    w.end_object();
    w.end_object();
    std::printf("%s\n", w.str().c_str());
    return 0;
}

}  // namespace

Command features_command() {
    return {"features", "show the enabled features",
            "Usage: runac features\n\n"
            "Prints runtime-spec's features document: the hooks, mount options,\n"
            "namespaces, capabilities, cgroup drivers and seccomp actions, operators,\n"
            "architectures and flags this runac implements; its annotations name\n"
            "runac's and libseccomp's versions and the agent policy's kernel layers\n"
            "this kernel offers.\n",
            {}, run_features};
}

}  // namespace runac::cli
