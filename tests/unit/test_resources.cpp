// linux.resources: parsing, the field named in each refusal, and the
// device rules every container gets.
#include <doctest/doctest.h>

#include "cgroups/device_rules.hpp"
#include "common/error.hpp"
#include "common/json.hpp"
#include "oci/resources.hpp"

using namespace runac;

namespace {

oci::Resources parse(const std::string& json) {
    auto doc = JsonDocument::parse(json, "resources");
    return oci::parse_resources(JsonValue(doc.root()));
}

std::string error_of(const std::string& json) {
    try {
        parse(json);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("every resource section parses into the model") {
    auto r = parse(R"({"memory": {"limit": 67108864, "reservation": 1024, "swap": -1, "disableOOMKiller": true},
        "cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0-1", "mems": "0", "idle": 1},
        "pids": {"limit": 20}, "blockIO": {"weight": 500, "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}]},
        "hugepageLimits": [{"pageSize": "2MB", "limit": 0}], "unified": {"memory.high": "50000000"},
        "devices": [{"allow": false, "access": "rwm"}]})");
    REQUIRE(r.memory);
    CHECK(r.memory->limit == 67108864);
    CHECK(r.memory->swap == -1);
    CHECK(r.memory->disable_oom_killer == true);
    REQUIRE(r.cpu);
    CHECK(r.cpu->shares == 512u);
    CHECK(r.cpu->quota == 50000);
    CHECK(r.cpu->cpus == "0-1");
    CHECK(r.pids_limit == 20);
    REQUIRE(r.block_io);
    CHECK(r.block_io->weight == 500);
    CHECK(r.block_io->read_bps.at(0).rate == 1048576u);
    CHECK(r.hugepage_limits.at(0).page_size == "2MB");
    CHECK(r.unified.at("memory.high") == "50000000");
    CHECK(r.devices.size() == 1);
}

TEST_CASE("faulty resource values are refused naming the field") {
    CHECK(error_of(R"({"memory": {"limit": -5}})") == "memory.limit: must be -1 (unlimited) or a number of bytes");
    CHECK(error_of(R"({"memory": {"limit": "1g"}})") == "memory.limit: expected an integer, got string");
    CHECK(error_of(R"({"memory": {"limit": 100000000, "swap": 1000}})") ==
          "memory.swap: must be at least the memory limit (it counts memory plus swap)");
    CHECK(error_of(R"({"cpu": {"shares": 1}})") == "cpu.shares: must be between 2 and 262144");
    CHECK(error_of(R"({"cpu": {"period": 10}})") == "cpu.period: must be between 1000 and 1000000 microseconds");
    CHECK(error_of(R"({"cpu": {"cpus": "0;rm"}})") == "cpu.cpus: must be a list of numbers and ranges (\"0-2,4\")");
    CHECK(error_of(R"({"blockIO": {"weight": 5}})") == "blockIO.weight: must be between 10 and 1000");
    CHECK(error_of(R"({"hugepageLimits": [{"pageSize": "../x", "limit": 1}]})") ==
          "hugepageLimits[0].pageSize: must be a size like \"2MB\" or \"1GB\"");
    CHECK(error_of(R"({"unified": {"../../cgroup.procs": "1"}})") == "unified.../../cgroup.procs: not a cgroup v2 interface file name");
}

TEST_CASE("the container's device rules end with the nodes every container needs") {
    oci::Config c;
    CHECK(cgroups::effective_device_rules(c).empty());
    c.linux.resources.devices.push_back({false, "a", std::nullopt, std::nullopt, "rwm"});
    auto rules = cgroups::effective_device_rules(c);
    REQUIRE(rules.size() > 3);
    CHECK(cgroups::device_rule_text(rules[0]) == "a");
    CHECK(cgroups::device_rule_text(rules[1]) == "c *:* m");
    CHECK(cgroups::device_rule_text(rules[3]) == "c 1:3 rwm");
    // A node the config makes is not a rule: the resources decide.
    oci::Device kmsg;
    kmsg.path = "/dev/kmsg";
    kmsg.type = 'c';
    kmsg.major = 1;
    kmsg.minor = 11;
    c.linux.devices.push_back(kmsg);
    for (auto& r : cgroups::effective_device_rules(c)) CHECK(cgroups::device_rule_text(r) != "c 1:11 rwm");
}

TEST_CASE("a config rule for one standard device is not overridden by the defaults") {
    oci::Config c;
    c.linux.resources.devices.push_back({false, "a", std::nullopt, std::nullopt, "rwm"});
    c.linux.resources.devices.push_back({false, "c", 1, 3, "w"});
    auto rules = cgroups::effective_device_rules(c);
    for (auto& r : rules) CHECK(cgroups::device_rule_text(r) != "c 1:3 rwm");
    CHECK(cgroups::device_rule_text(rules.at(1)) == "c 1:3 w");
    CHECK(cgroups::device_rule_text(rules.back()) == "c 10:200 rwm");
}
