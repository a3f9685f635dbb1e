// The state file round-trips, and the OCI state printed matches runc's shape.
#include <ctime>
#include <doctest/doctest.h>

#include "container/state.hpp"

using namespace runac::container;

TEST_CASE("the state file round-trips every field") {
    ContainerState s;
    s.oci_version = "1.2.0";
    s.id = "c1";
    s.pid = 42;
    s.pid_start_time = 123456789012345ULL;
    s.bundle = "/b";
    s.rootfs = "/b/rootfs";
    s.created = "2026-01-02T03:04:05.5Z";
    s.annotations = {{"a", "1"}, {"org.agentcontainers.agent", "{\"x\": \"y\"}"}};
    s.cgroup_paths = {"/sys/fs/cgroup/memory/c1", "/sys/fs/cgroup/unified/c1"};
    ContainerState r = deserialize(serialize(s));
    CHECK(r.oci_version == s.oci_version);
    CHECK(r.id == s.id);
    CHECK(r.pid == s.pid);
    CHECK(r.pid_start_time == s.pid_start_time);
    CHECK(r.bundle == s.bundle);
    CHECK(r.rootfs == s.rootfs);
    CHECK(r.created == s.created);
    CHECK(r.annotations == s.annotations);
    CHECK(r.cgroup_paths == s.cgroup_paths);
}

TEST_CASE("the OCI state uses runc's keys, indentation and omits empty annotations") {
    ContainerState s;
    s.oci_version = "1.2.0";
    s.id = "c1";
    s.pid = 7;
    s.bundle = "/b";
    s.rootfs = "/b/rootfs";
    s.created = "2026-01-02T03:04:05Z";
    CHECK(runac::oci::state_json(oci_state(s, Status::Running), true) ==
          "{\n"
          "  \"ociVersion\": \"1.2.0\",\n"
          "  \"id\": \"c1\",\n"
          "  \"pid\": 7,\n"
          "  \"status\": \"running\",\n"
          "  \"bundle\": \"/b\",\n"
          "  \"rootfs\": \"/b/rootfs\",\n"
          "  \"created\": \"2026-01-02T03:04:05Z\",\n"
          "  \"owner\": \"\"\n"
          "}");
    s.annotations["k"] = "v";
    CHECK(runac::oci::state_json(oci_state(s, Status::Stopped, "root")) ==
          R"({"ociVersion":"1.2.0","id":"c1","pid":0,"status":"stopped","bundle":"/b","rootfs":"/b/rootfs","created":"2026-01-02T03:04:05Z","owner":"root","annotations":{"k":"v"}})");
}

TEST_CASE("a state crosses the init channel unchanged, annotations of any size included") {
    runac::oci::State s;
    s.oci_version = "1.2.0";
    s.id = "c1";
    s.status = runac::oci::Status::Creating;
    s.pid = 42;
    s.bundle = "/b";
    s.rootfs = "/b/rootfs";
    s.created = "2026-01-02T03:04:05Z";
    s.annotations["big"] = std::string(64 * 1024, 'x');
    s.annotations["quote\"d"] = "line\nbreak";
    runac::oci::State r = runac::oci::parse_state(runac::oci::state_json(s));
    CHECK(runac::oci::state_json(r) == runac::oci::state_json(s));
    CHECK(r.status == runac::oci::Status::Creating);
    CHECK(r.annotations.at("big").size() == 64 * 1024);
    CHECK_THROWS_WITH(runac::oci::parse_state(R"({"ociVersion":"1","id":"c","pid":1,"status":"odd"})"),
                      doctest::Contains("status"));
}

TEST_CASE("created timestamps are RFC 3339 UTC with trimmed nanoseconds") {
    std::string t = now_rfc3339nano();
    CHECK(t.size() >= 20);
    CHECK(t.back() == 'Z');
    CHECK(t[10] == 'T');
    if (t.size() > 20) CHECK(t[t.size() - 2] != '0');
}

TEST_CASE("created timestamps name the same second as the C library's UTC") {
    auto utc = [](time_t at) {
        struct tm tm;
        ::gmtime_r(&at, &tm);
        char s[32];
        std::strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
        return std::string(s);
    };
    time_t before = ::time(nullptr);
    std::string t = now_rfc3339nano().substr(0, 19);
    time_t after = ::time(nullptr);
    CHECK((t == utc(before) || t == utc(after)));
}
