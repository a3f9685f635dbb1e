// Where a policy comes from: annotations, profiles (names that cannot escape
// the profile directory), the sha256 pin, the floor, require-agent-policy,
// Kubernetes sandbox containers, and runac.conf.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <sys/stat.h>

#include "agent/settings.hpp"
#include "agent/sources.hpp"
#include "common/digest.hpp"
#include "common/error.hpp"

using namespace runac::agent;
using Annotations = std::map<std::string, std::string>;

namespace {

// A profile directory of the test's own, removed at the end.
struct ProfileDir {
    std::string dir;
    ProfileDir() {
        char tmpl[] = "/tmp/runac-unit-profiles.XXXXXX";
        dir = ::mkdtemp(tmpl);
    }
    ~ProfileDir() { std::system(("rm -rf '" + dir + "'").c_str()); }
    void write(const std::string& name, const std::string& text) const { std::ofstream(dir + "/" + name) << text; }
    Settings settings() const {
        Settings s;
        s.profile_dir = dir;
        return s;
    }
};

std::string error_of(const Annotations& a, const Settings& s) {
    try {
        resolve_policy(a, s);
    } catch (const runac::Error& e) {
        return e.what();
    }
    return "";
}

const std::string kDoc = R"({"capabilities": {"filesystem": {"write": ["/tmp"]}}})";

}  // namespace

TEST_CASE("sha256 of the exact bytes, through OpenSSL") {
    CHECK(runac::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(runac::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("no annotation and no floor: no policy, the container runs as runc would run it") {
    auto r = resolve_policy({{"other", "x"}}, Settings{});
    CHECK_FALSE(r.policy);
    CHECK_FALSE(r.sandbox);
}

TEST_CASE("the inline annotation is the policy") {
    auto r = resolve_policy({{kPolicyAnnotation, kDoc}}, Settings{});
    REQUIRE(r.policy);
    CHECK(r.policy->write == std::vector<std::string>{"/tmp"});
    CHECK(r.source == "annotation org.agentcontainers.agent");
    CHECK(error_of({{kPolicyAnnotation, "{\"x\": 1}"}}, Settings{}).rfind("agent.x: unknown key", 0) == 0);
    CHECK(error_of({{kPolicyAnnotation, "{"}}, Settings{}).rfind("org.agentcontainers.agent: invalid JSON", 0) == 0);
}

TEST_CASE("a profile annotation reads the admin's profile; errors name the profile") {
    ProfileDir d;
    d.write("claude.json", kDoc);
    d.write("broken.json", R"({"capabilities": {"filesystem": {"write": ["tmp"]}}})");
    auto r = resolve_policy({{kProfileAnnotation, "claude"}}, d.settings());
    REQUIRE(r.policy);
    CHECK(r.policy->write == std::vector<std::string>{"/tmp"});
    CHECK(error_of({{kProfileAnnotation, "broken"}}, d.settings()) ==
          "profile broken (" + d.dir + "/broken.json): agent.capabilities.filesystem.write[0]: \"tmp\" is not an absolute path");
    CHECK(error_of({{kProfileAnnotation, "absent"}}, d.settings()) ==
          "org.agentcontainers.profile: no profile \"absent\" (" + d.dir + "/absent.json does not exist)");
    CHECK(error_of({{kProfileAnnotation, "claude"}, {kPolicyAnnotation, kDoc}}, d.settings()) ==
          "org.agentcontainers.profile: set together with org.agentcontainers.agent; use one of them");
}

TEST_CASE("a profile name that could leave the profile directory is refused") {
    ProfileDir d;
    d.write("ok.json", "{}");
    for (const char* name : {"../etc/passwd", "..", ".", ".hidden", "/etc/passwd", "a/b", "UPPER", "-x", "_x", "", "a b",
                             "a\\b", "ok.json/..", "ok\n"}) {
        CAPTURE(name);
        CHECK(error_of({{kProfileAnnotation, name}}, d.settings()) ==
              std::string("org.agentcontainers.profile: invalid profile name \"") + name +
                  "\" (must match [a-z0-9][a-z0-9._-]*)");
    }
    CHECK_NOTHROW(profile_path(d.settings(), "a0._-b", "x"));
    CHECK(profile_path(d.settings(), "ok", "x") == d.dir + "/ok.json");
    // a..b stays a file name inside the directory.
    CHECK(profile_path(d.settings(), "a..b", "x") == d.dir + "/a..b.json");
}

TEST_CASE("the sha256 pin must match the exact bytes of the document") {
    std::string sum = runac::sha256_hex(kDoc);
    CHECK(resolve_policy({{kPolicyAnnotation, kDoc}, {kPinAnnotation, sum}}, Settings{}).policy);
    std::string upper = sum;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(resolve_policy({{kPolicyAnnotation, kDoc}, {kPinAnnotation, upper}}, Settings{}).policy);
    // One byte of whitespace more is another document.
    CHECK(error_of({{kPolicyAnnotation, kDoc + " "}, {kPinAnnotation, sum}}, Settings{}) ==
          "org.agentcontainers.agent.sha256: mismatch: org.agentcontainers.agent has sha256 " +
              runac::sha256_hex(kDoc + " ") + ", the pin is " + sum);
    CHECK(error_of({{kPolicyAnnotation, kDoc}, {kPinAnnotation, "abc"}}, Settings{}) ==
          "org.agentcontainers.agent.sha256: not a hex sha256 (64 hex digits)");
    CHECK(error_of({{kPolicyAnnotation, kDoc}, {kPinAnnotation, std::string(64, 'g')}}, Settings{}) ==
          "org.agentcontainers.agent.sha256: not a hex sha256 (64 hex digits)");
    CHECK(error_of({{kPinAnnotation, sum}}, Settings{}) ==
          "org.agentcontainers.agent.sha256: set, but the container has no policy document");
    // The pin is checked before the document is parsed: an unreviewed document is never interpreted.
    CHECK(error_of({{kPolicyAnnotation, "{"}, {kPinAnnotation, sum}}, Settings{}).rfind(
              "org.agentcontainers.agent.sha256: mismatch", 0) == 0);
}

TEST_CASE("the sha256 pin covers a profile file's bytes") {
    ProfileDir d;
    d.write("p.json", kDoc);
    CHECK(resolve_policy({{kProfileAnnotation, "p"}, {kPinAnnotation, runac::sha256_hex(kDoc)}}, d.settings()).policy);
    d.write("p.json", kDoc + "\n");
    CHECK(error_of({{kProfileAnnotation, "p"}, {kPinAnnotation, runac::sha256_hex(kDoc)}}, d.settings())
              .rfind("org.agentcontainers.agent.sha256: mismatch: profile p (", 0) == 0);
}

TEST_CASE("a floor applies to every container and only narrows") {
    ProfileDir d;
    d.write("base.json", R"({"capabilities": {"filesystem": {"write": ["/workspace"]}}})");
    Settings s = d.settings();
    s.floor_profile = "base";
    auto none = resolve_policy({}, s);
    REQUIRE(none.policy);
    CHECK(none.source == "floor profile base");
    CHECK(none.policy->write == std::vector<std::string>{"/workspace"});
    auto narrowed = resolve_policy({{kPolicyAnnotation, R"({"capabilities": {"filesystem": {"write": ["/workspace/a"]}}})"}}, s);
    CHECK(narrowed.policy->write == std::vector<std::string>{"/workspace/a"});
    CHECK(narrowed.source == "annotation org.agentcontainers.agent, narrowing the floor profile base");
    CHECK(error_of({{kPolicyAnnotation, kDoc}}, s) == "agent.capabilities.filesystem.write[0]: writing /tmp widens the floor (profile base)");
    s.floor_profile = "missing";
    CHECK(error_of({}, s) == "agent-profile: no profile \"missing\" (" + d.dir + "/missing.json does not exist)");
    s.floor_profile = "../x";
    CHECK(error_of({}, s).rfind("agent-profile: invalid profile name", 0) == 0);
}

TEST_CASE("require-agent-policy refuses a container that ends up without one") {
    Settings s;
    s.require_policy = true;
    CHECK(error_of({}, s).rfind("no agent policy: this runtime requires one (require-agent-policy)", 0) == 0);
    CHECK(resolve_policy({{kPolicyAnnotation, "{}"}}, s).policy);
}

TEST_CASE("Kubernetes sandbox containers are left unconfined, even with a floor and require") {
    Settings s;
    s.require_policy = true;
    s.floor_profile = "whatever";
    auto r = resolve_policy({{kContainerTypeAnnotation, "sandbox"}, {kPolicyAnnotation, "{broken"}}, s);
    CHECK(r.sandbox);
    CHECK_FALSE(r.policy);
    Settings required;
    required.require_policy = true;
    CHECK(error_of({{kContainerTypeAnnotation, "container"}}, required).rfind("no agent policy", 0) == 0);
}

TEST_CASE("runac.conf: keys, comments, quoting; unknown keys and bad values name the line") {
    Settings s = parse_settings(
        "# host settings\n"
        "agent-profile = \"base\"  # the floor\n"
        "require-agent-policy = true\n"
        "\n"
        "profile-dir = /srv/runac/profiles\n"
        "secrets-dir = \"/srv/runac/secrets\"\n",
        "runac.conf");
    CHECK(s.floor_profile == "base");
    CHECK(s.require_policy);
    CHECK(s.profile_dir == "/srv/runac/profiles");
    CHECK(s.secrets_dir == "/srv/runac/secrets");
    auto err = [](const std::string& text) {
        try {
            parse_settings(text, "runac.conf");
        } catch (const runac::Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(err("\n\nagent-profle = x\n") == "runac.conf:3: unknown key \"agent-profle\"");
    CHECK(err("require-agent-policy = yes") == "runac.conf:1: expected true or false, got \"yes\"");
    CHECK(err("profile-dir = relative") == "runac.conf:1: \"relative\" is not an absolute path");
    CHECK(err("agent-profile") == "runac.conf:1: expected KEY = VALUE");
    CHECK(err("agent-profile = \"base") == "runac.conf:1: unterminated string");
    CHECK(err("agent-profile = \"a\" b") == "runac.conf:1: unexpected text after the value");
}

TEST_CASE("load_settings: a missing default file is nothing configured; flags win over the file") {
    Settings none = load_settings("/nonexistent/runac.conf", false, "", false);
    CHECK(none.floor_profile.empty());
    CHECK_FALSE(none.require_policy);
    CHECK_THROWS_WITH_AS(load_settings("/nonexistent/runac.conf", true, "", false),
                         "--config: cannot read /nonexistent/runac.conf", runac::Error);
    ProfileDir d;
    d.write("runac.conf", "agent-profile = fromfile\n");
    Settings s = load_settings(d.dir + "/runac.conf", true, "fromflag", true);
    CHECK(s.floor_profile == "fromflag");
    CHECK(s.require_policy);
    CHECK(load_settings(d.dir + "/runac.conf", true, "", false).floor_profile == "fromfile");
}
