// config.json parsing: every fault names its JSON path; unknown properties
// are ignored as the runtime-spec requires.
#include <doctest/doctest.h>

#include <string>

#include "common/error.hpp"
#include "oci/config.hpp"

using runac::Error;
using runac::oci::parse_config;

namespace {

const char* kMinimal = R"({
  "ociVersion": "1.2.0",
  "root": {"path": "rootfs", "readonly": true},
  "process": {"args": ["sh"], "cwd": "/", "env": ["PATH=/bin"]},
  "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}]}
})";

std::string error_of(const std::string& json) {
    try {
        parse_config(json, "/bundle");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

std::string with(const std::string& from, const std::string& to) {
    std::string s = kMinimal;
    auto pos = s.find(from);
    REQUIRE(pos != std::string::npos);
    return s.replace(pos, from.size(), to);
}

}  // namespace

TEST_CASE("a minimal config parses, with root.path resolved against the bundle") {
    auto c = parse_config(kMinimal, "/bundle");
    CHECK(c.oci_version == "1.2.0");
    CHECK(c.root_path == "/bundle/rootfs");
    CHECK(c.root_readonly);
    CHECK(c.process.args == std::vector<std::string>{"sh"});
    CHECK(c.linux.has_namespace(runac::oci::NamespaceType::Pid));
    CHECK_FALSE(c.linux.has_namespace(runac::oci::NamespaceType::Network));
}

TEST_CASE("unknown properties are ignored") {
    CHECK(error_of(with("\"ociVersion\"", "\"x-future\": {\"a\": [1]}, \"ociVersion\"")) == "");
}

TEST_CASE("keys match in any case, an exact match first, as runc's Go decoder reads them") {
    auto c = parse_config(R"({"OCIVERSION": "1.2.0", "Root": {"path": "rootfs"}, "hostname": "exact",
        "HostName": "folded", "process": {"Args": ["sh"], "cwd": "/", "User": {"UID": 7, "gid": 8}},
        "linux": {"Namespaces": [{"Type": "uts"}, {"type": "mount"}]}})", "/bundle");
    CHECK(c.oci_version == "1.2.0");
    CHECK(c.hostname == "exact");
    CHECK(c.process.args == std::vector<std::string>{"sh"});
    CHECK(c.process.user.uid == 7);
    CHECK(c.process.user.gid == 8);
    CHECK(c.linux.has_namespace(runac::oci::NamespaceType::Uts));
    // An error names the field as the schema spells it.
    CHECK(error_of(R"({"ociVersion": "1.2.0", "Root": {"PATH": 1}, "process": {"args": ["sh"], "cwd": "/"}})") ==
          "root.path: expected a string, got number");
}

TEST_CASE("bad JSON is one line naming config.json") {
    std::string e = error_of("{\"ociVersion\": ");
    CHECK(e.rfind("config.json: invalid JSON", 0) == 0);
    CHECK(e.find('\n') == std::string::npos);
}

TEST_CASE("a missing root is named") {
    CHECK(error_of(R"({"ociVersion":"1.2.0","process":{"args":["sh"],"cwd":"/"}})") == "root: must be set");
    CHECK(error_of(with("\"path\": \"rootfs\", ", "")) == "root.path: must be set");
}

TEST_CASE("an absolute rootfs path is kept, a relative one joins the bundle") {
    CHECK(parse_config(with("\"rootfs\"", "\"/srv/root\""), "/bundle").root_path == "/srv/root");
    CHECK(parse_config(with("\"rootfs\"", "\"../x/./rootfs\""), "/b/bundle").root_path == "/b/x/rootfs");
}

TEST_CASE("an unknown namespace type names its JSON path") {
    CHECK(error_of(with("{\"type\": \"pid\"}", "{\"type\": \"pidx\"}")) ==
          "linux.namespaces[0].type: unknown namespace type \"pidx\"");
}

TEST_CASE("a namespace given twice is refused") {
    CHECK(error_of(with("{\"type\": \"mount\"}", "{\"type\": \"pid\"}")) ==
          "linux.namespaces[1].type: namespace \"pid\" given twice");
}

TEST_CASE("wrong types name the path and the type found") {
    CHECK(error_of(with("\"args\": [\"sh\"]", "\"args\": \"sh\"")) == "process.args: expected an array, got string");
    CHECK(error_of(with("\"readonly\": true", "\"readonly\": 1")) == "root.readonly: expected a boolean, got number");
}

TEST_CASE("process needs args and an absolute cwd") {
    CHECK(error_of(with("\"args\": [\"sh\"], ", "")) == "process.args: must be set");
    CHECK(error_of(with("\"args\": [\"sh\"]", "\"args\": []")) == "process.args: must name the program to run");
    CHECK(error_of(with("\"cwd\": \"/\"", "\"cwd\": \"tmp\"")) == "process.cwd: must be an absolute path");
}

TEST_CASE("capabilities are checked by name") {
    auto c = parse_config(with("\"cwd\": \"/\"", "\"cwd\": \"/\", \"capabilities\": {\"bounding\": [\"CAP_KILL\"]}"),
                          "/b");
    REQUIRE(c.process.capabilities);
    CHECK(c.process.capabilities->bounding.size() == 1);
    CHECK(error_of(with("\"cwd\": \"/\"", "\"cwd\": \"/\", \"capabilities\": {\"effective\": [\"CAP_NOPE\"]}")) ==
          "process.capabilities.effective[0]: unknown capability \"CAP_NOPE\"");
}

TEST_CASE("rlimits accept RLIM_INFINITY and refuse unknown types and soft above hard") {
    auto c = parse_config(
        with("\"cwd\": \"/\"",
             "\"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 18446744073709551615, \"hard\": 18446744073709551615}]"),
        "/b");
    REQUIRE(c.process.rlimits.size() == 1);
    CHECK(c.process.rlimits[0].hard == UINT64_MAX);
    CHECK(error_of(with("\"cwd\": \"/\"", "\"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_X\", \"soft\": 1, \"hard\": 1}]")) ==
          "process.rlimits[0].type: unknown rlimit \"RLIMIT_X\"");
    CHECK(error_of(with("\"cwd\": \"/\"", "\"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 2, \"hard\": 1}]")) ==
          "process.rlimits[0].soft: soft limit is above the hard limit");
    CHECK(error_of(with("\"cwd\": \"/\"", "\"cwd\": \"/\", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": -1, \"hard\": 1}]")) ==
          "process.rlimits[0].soft: expected an unsigned integer, got a negative number");
}

TEST_CASE("mount destinations must be absolute") {
    CHECK(error_of(with("\"linux\"", "\"mounts\": [{\"destination\": \"proc\", \"type\": \"proc\"}], \"linux\"")) ==
          "mounts[0].destination: must be an absolute path");
}

TEST_CASE("features of later versions are refused by name, not ignored") {
    CHECK(error_of(with("\"namespaces\"", "\"intelRdt\": {\"closID\": \"g\"}, \"namespaces\"")) ==
          "linux.intelRdt: not supported by this version of runac");
    CHECK(error_of(with("\"namespaces\"", "\"resources\": {\"network\": {\"classID\": 1}}, \"namespaces\"")) ==
          "linux.resources.network: not supported by this version of runac");
}

TEST_CASE("a user namespace needs root mapped; mappings and offsets need their namespace") {
    const std::string maps = "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 10}], "
                             "\"gidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 10}], \"namespaces\"";
    CHECK(error_of(with("\"namespaces\"", maps)) == "linux.uidMappings: mappings need a user namespace in linux.namespaces");
    CHECK(error_of(with("{\"type\": \"pid\"}", "{\"type\": \"user\"}")) ==
          "linux.uidMappings: a new user namespace needs uid 0 mapped");
    std::string mapped = with("\"namespaces\"", maps);
    mapped.replace(mapped.find("{\"type\": \"pid\"}"), 15, "{\"type\": \"user\"}, {\"type\": \"pid\"}");
    CHECK(error_of(mapped) == "");
    CHECK(error_of(with("\"namespaces\"", "\"timeOffsets\": {\"boottime\": {\"secs\": 1}}, \"namespaces\"")) ==
          "linux.timeOffsets: offsets need a new time namespace in linux.namespaces");
    CHECK(error_of(with("\"namespaces\"", "\"timeOffsets\": {\"boottime\": {\"nanosecs\": 1000000000}}, \"namespaces\"")) ==
          "linux.timeOffsets.boottime.nanosecs: must be below 1000000000");
}

TEST_CASE("an empty section of a later feature is no reason to refuse") {
    CHECK(error_of(with("\"namespaces\"", "\"seccomp\": null, \"resources\": {\"memory\": {}}, \"namespaces\"")) == "");
}

TEST_CASE("a hostname needs a uts namespace") {
    CHECK(error_of(with("\"linux\"", "\"hostname\": \"h\", \"linux\"")) == "hostname: setting it needs a new uts namespace");
}

TEST_CASE("device rules and devices are validated") {
    CHECK(error_of(with("\"namespaces\"", "\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]}, \"namespaces\"")) ==
          "linux.resources.devices[0].access: must be made of r, w, m");
    CHECK(error_of(with("\"namespaces\"", "\"devices\": [{\"path\": \"/dev/x\", \"type\": \"q\"}], \"namespaces\"")) ==
          "linux.devices[0].type: must be one of c, b, u, p");
}

TEST_CASE("seccomp parses actions, arguments and flags, and names faults") {
    auto c = parse_config(
        with("\"namespaces\"",
             R"("seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "architectures": ["SCMP_ARCH_X86_64"],
                "flags": ["SECCOMP_FILTER_FLAG_LOG"], "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ALLOW",
                "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_NE"}]}]}, "namespaces")"),
        "/b");
    REQUIRE(c.linux.seccomp);
    CHECK(c.linux.seccomp->default_errno_ret == 38u);
    CHECK(c.linux.seccomp->syscalls.at(0).args.at(0).op == "SCMP_CMP_NE");
    CHECK_FALSE(c.linux.seccomp->notifies());
    CHECK(error_of(with("\"namespaces\"", R"("seccomp": {"defaultAction": "SCMP_ACT_NOPE"}, "namespaces")")) ==
          "linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_NOPE\"");
    CHECK(error_of(with("\"namespaces\"", R"("seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"],
          "action": "SCMP_ACT_ERRNO", "args": [{"index": 7, "value": 1, "op": "SCMP_CMP_EQ"}]}]}, "namespaces")")) ==
          "linux.seccomp.syscalls[0].args[0].index: must be between 0 and 5");
    CHECK(error_of(with("\"namespaces\"", R"("seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"],
          "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 1, "op": "SCMP_CMP_ISH"}]}]}, "namespaces")")) ==
          "linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_ISH\"");
    CHECK(error_of(with("\"namespaces\"", R"("seccomp": {"defaultAction": "SCMP_ACT_NOTIFY"}, "namespaces")")) ==
          "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be used as default action");
    CHECK(error_of(with("\"namespaces\"", R"("seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"],
          "action": "SCMP_ACT_NOTIFY"}]}, "namespaces")")) ==
          "linux.seccomp.listenerPath: must be set when a rule uses SCMP_ACT_NOTIFY");
}

TEST_CASE("hooks parse per moment and need absolute paths and positive timeouts") {
    auto c = parse_config(with("\"linux\"", R"("hooks": {"prestart": [{"path": "/bin/a", "args": ["a", "x"], "env": ["K=V"],
        "timeout": 5}], "poststop": [{"path": "/bin/b"}]}, "linux")"), "/b");
    REQUIRE(c.hooks.prestart.size() == 1);
    CHECK(c.hooks.prestart[0].args == std::vector<std::string>{"a", "x"});
    CHECK(c.hooks.prestart[0].timeout == 5);
    CHECK(c.hooks.poststop.size() == 1);
    CHECK(error_of(with("\"linux\"", R"("hooks": {"createRuntime": [{"path": "/x", "timeout": 0}]}, "linux")")) ==
          "hooks.createRuntime[0].timeout: must be a positive number of seconds");
    CHECK(error_of(with("\"linux\"", R"("hooks": {"poststart": [{"args": ["x"]}]}, "linux")")) ==
          "hooks.poststart[0].path: must be set");
}

TEST_CASE("scheduler, I/O priority and personality parse into kernel values") {
    auto c = parse_config(with("\"cwd\": \"/\"", R"("cwd": "/", "scheduler": {"policy": "SCHED_RR", "priority": 10,
        "flags": ["SCHED_FLAG_RESET_ON_FORK"]}, "ioPriority": {"class": "IOPRIO_CLASS_IDLE"})"), "/b");
    REQUIRE(c.process.scheduler);
    CHECK(c.process.scheduler->policy == 2u);
    CHECK(c.process.scheduler->priority == 10u);
    CHECK(c.process.scheduler->flags == 1u);
    CHECK(c.process.io_priority == (3 << 13));
    auto p = parse_config(with("\"namespaces\"", R"("personality": {"domain": "LINUX32", "flags": ["ADDR_NO_RANDOMIZE"]}, "namespaces")"), "/b");
    CHECK(p.linux.personality == 0x0040008ul);
    CHECK(error_of(with("\"cwd\": \"/\"", R"("cwd": "/", "scheduler": {"policy": "SCHED_OTHER", "nice": 40})")) ==
          "process.scheduler.nice: must be between -20 and 19");
    CHECK(error_of(with("\"cwd\": \"/\"", R"("cwd": "/", "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 9})")) ==
          "process.ioPriority.priority: must be between 0 and 7");
    CHECK(error_of(with("\"namespaces\"", R"("personality": {"domain": "LINUX64"}, "namespaces")")) ==
          "linux.personality.domain: unknown personality domain \"LINUX64\"");
}
