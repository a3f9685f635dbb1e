// Secrets: where their values come from, where they go in the plan, and
// that the state directory's copy of config.json keeps none of them.
#include <doctest/doctest.h>

#include <filesystem>
#include <unistd.h>

#include "agent/derive.hpp"
#include "agent/parse.hpp"
#include "agent/secrets.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/json.hpp"
#include "support.hpp"

using namespace runac;
using namespace runac::agent;
using runac::test::error_of;
using SecretsDir = runac::test::TempDir;  // a secrets directory of the test's own

namespace {

oci::Config with_pid_ns() {
    oci::Config c;
    c.linux.namespaces = {{oci::NamespaceType::Pid, ""}};
    return c;
}

Settings in_dir(const std::string& dir) {
    Settings s;
    s.secrets_dir = dir;
    return s;
}

linux::KernelFeatures landlock7() {
    linux::KernelFeatures k;
    k.landlock = {true, "ABI 7"};
    k.landlock_abi = 7;
    return k;
}

}  // namespace

TEST_CASE("env:// secrets move out of process.env; file secrets are read from the secrets directory") {
    SecretsDir dir;
    dir.put("github", "gh-value");
    Policy p = parse_policy(R"({"secrets": {"NPM_TOKEN": "env://NPM", "GH": {"provider": "file", "path": ")" +
                                dir.path + R"(/github"}}})",
                            "t", dir.path);
    oci::Process process;
    process.env = {"PATH=/bin", "NPM=npm-value", "NPMX=other", "NPM_OTHER=x"};
    auto files = take_secrets(p, process, in_dir(dir.path));
    REQUIRE(files.size() == 2);
    CHECK(files[0].name == "NPM_TOKEN");
    CHECK(files[0].value == "npm-value");
    CHECK(files[1].name == "GH");
    CHECK(files[1].value == "gh-value");
    CHECK(process.env == std::vector<std::string>{"PATH=/bin", "NPMX=other", "NPM_OTHER=x"});
}

TEST_CASE("a missing variable, a file that leads outside the directory or is not a file: refused, naming no value") {
    SecretsDir dir;
    auto take = [&](const std::string& json, std::vector<std::string> env) {
        Policy p = parse_policy(json, "t", dir.path);
        oci::Process process;
        process.env = std::move(env);
        return error_of([&] { take_secrets(p, process, in_dir(dir.path)); });
    };
    CHECK(take(R"({"secrets": {"T": "env://T"}})", {"TT=x"}) ==
          "agent policy: secrets.T: env://T: process.env has no T");
    std::filesystem::create_symlink("/etc/hostname", dir.path + "/out");
    CHECK(take(R"({"secrets": {"T": "file://)" + dir.path + R"(/out"}})", {}) ==
          "agent policy: secrets.T: " + dir.path + "/out: leads outside " + dir.path);
    std::filesystem::create_directory(dir.path + "/sub");
    CHECK(take(R"({"secrets": {"T": "file://)" + dir.path + R"(/sub"}})", {}) ==
          "agent policy: secrets.T: " + dir.path + "/sub: not a regular file");
    dir.put("big", std::string(64 * 1024 + 1, 'x'));
    CHECK(take(R"({"secrets": {"T": "file://)" + dir.path + R"(/big"}})", {}) ==
          "agent policy: secrets.T: " + dir.path + "/big: larger than 64 KiB");
    // A symlink that stays inside the directory is the admin's choice.
    dir.put("real", "v");
    std::filesystem::create_symlink("real", dir.path + "/alias");
    CHECK(take(R"({"secrets": {"T": "file://)" + dir.path + R"(/alias"}})", {}).empty());
}

TEST_CASE("the plan names the secret files and the variables every process loses, never a value") {
    Policy p = parse_policy(R"({"secrets": {"A": "env://VAR_A", "B": "env://VAR_A", "C": "env://VAR_C"}})", "t");
    oci::Config c = with_pid_ns();
    enforce::Plan plan = derive(p, c, landlock7());
    CHECK(plan.secrets == std::vector<std::string>{"A", "B", "C"});
    CHECK(plan.secret_env == std::vector<std::string>{"VAR_A", "VAR_C"});
    CHECK(enforce::parse_plan(enforce::plan_json(plan)) == plan);
    // Read everywhere already: no rule of their own; with read restricted, one.
    auto has_rule = [](const enforce::Plan& pl) {
        for (auto& r : pl.landlock.rules)
            if (r.path == "/run/secrets") return true;
        return false;
    };
    CHECK_FALSE(has_rule(plan));
    Policy restricted = parse_policy(R"({"capabilities": {"filesystem": {"read": ["/usr"]}}, "secrets": {"A": "env://A"}})", "t");
    oci::Config c2 = with_pid_ns();
    CHECK(has_rule(derive(restricted, c2, landlock7())));
}

TEST_CASE("a config mount on or below /run/secrets is refused; one on /run is not") {
    Policy p = parse_policy(R"({"secrets": {"A": "env://A"}})", "t");
    for (const char* dest : {"/run/secrets", "/run/secrets/x"}) {
        oci::Config c = with_pid_ns();
        c.mounts.push_back({});
        c.mounts.back().destination = dest;
        c.mounts.back().type = "tmpfs";
        CHECK(error_of([&] { derive(p, c, landlock7()); }) ==
              std::string("agent policy: mounts[0]: ") + dest + " is where the policy's secrets are mounted");
    }
    oci::Config run = with_pid_ns();
    run.mounts.push_back({});
    run.mounts.back().destination = "/run";
    run.mounts.back().type = "tmpfs";
    CHECK(error_of([&] { derive(p, run, landlock7()); }).empty());
}

TEST_CASE("the state directory's config.json: the same document without the secrets' variables") {
    std::string text = R"({"ociVersion": "1.2.0", "process": {"env": ["PATH=/bin", "TOKEN=v", "TOKENS=keep"],
        "args": ["sh"], "user": {"uid": 0, "gid": 0}, "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 18446744073709551615, "soft": 1024}]},
        "annotations": {"env": "TOKEN=v stays: not process.env"}, "x": [true, false, null, 1.5e3]})";
    std::string out = config_without_env(text, {"TOKEN"});
    CHECK(out.find("TOKEN=v\"") == std::string::npos);
    JsonDocument doc = JsonDocument::parse(out, "t");
    CHECK(doc.root().required("process").required("env").string_list() == std::vector<std::string>{"PATH=/bin", "TOKENS=keep"});
    CHECK(doc.root().required("process").required("rlimits").items()[0].required("hard").as_uint() == 18446744073709551615ull);
    CHECK(doc.root().required("annotations").required("env").as_string() == "TOKEN=v stays: not process.env");
    CHECK(out.find("1.5e3") != std::string::npos);
    CHECK(out.find("[\n    true,\n    false,\n    null,") != std::string::npos);
    CHECK(config_without_env(text, {}) == text);
}

TEST_CASE("the state directory's config.json loses the secrets' variables whatever the keys' case") {
    std::string text = R"({"ociVersion": "1.2.0", "Process": {"Env": ["TOKEN=v", "PATH=/bin"], "args": ["sh"]}})";
    std::string out = config_without_env(text, {"TOKEN"});
    CHECK(out.find("TOKEN=v") == std::string::npos);
    CHECK(out.find("PATH=/bin") != std::string::npos);
}

TEST_CASE("remove_env removes NAME=..., never a longer name") {
    std::vector<std::string> env = {"A=1", "AB=2", "A", "B=3", "A=4"};
    remove_env(env, {"A", "B"});
    CHECK(env == std::vector<std::string>{"AB=2", "A"});
}
