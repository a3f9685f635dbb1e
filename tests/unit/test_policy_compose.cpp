// include: the rules of named profiles added to a document's own.
#include <doctest/doctest.h>

#include "agent/settings.hpp"
#include "agent/sources.hpp"
#include "support.hpp"

using namespace runac::agent;
using runac::test::error_of;
using runac::test::TempDir;

namespace {

struct Profiles {
    TempDir dir;
    Settings settings;
    Profiles() { settings.profile_dir = dir.path; }
    void put(const std::string& name, const std::string& json) const { dir.put(name + ".json", json); }
    Policy resolve(const std::string& doc) const {
        return *resolve_policy({{kPolicyAnnotation, doc}}, settings).policy;
    }
    std::string error(const std::string& doc) const {
        return error_of([&] { resolve(doc); });
    }
};

}  // namespace

TEST_CASE("include adds the lists of each profile, nested; a list nobody states stays absent") {
    Profiles p;
    p.put("npm", R"({"capabilities": {"network": {"egress": [{"host": "registry.npmjs.org", "port": 443}]},
                                       "filesystem": {"write": ["/root/.npm"]}}})");
    p.put("node", R"({"include": ["npm"], "capabilities": {"shell": {"commands": ["node", "npm"]}}})");
    Policy r = p.resolve(R"({"include": ["node"], "capabilities": {
        "filesystem": {"write": ["/work"], "deny": ["/work/.env"]},
        "network": {"egress": [{"host": "api.anthropic.com", "port": 443}]}}})");
    CHECK(r.write == std::vector<std::string>{"/work", "/root/.npm"});
    CHECK(r.deny == std::vector<std::string>{"/work/.env"});
    REQUIRE(r.egress);
    CHECK(r.egress->size() == 2);
    CHECK((*r.egress)[1].host == "registry.npmjs.org");
    REQUIRE(r.commands);
    CHECK(r.commands->size() == 2);
    CHECK_FALSE(r.read);
    CHECK(r.include == std::vector<std::string>{"node"});
    // A document that states no egress of its own is restricted to its includes'.
    Policy only = p.resolve(R"({"include": ["npm"]})");
    REQUIRE(only.egress);
    CHECK(only.egress->size() == 1);
}

TEST_CASE("include: cycles, depth, missing or badly named profiles, session rules and conflicts are refused") {
    Profiles p;
    p.put("a", R"({"include": ["b"]})");
    p.put("b", R"({"include": ["a"]})");
    CHECK(p.error(R"({"include": ["a"]})") == "include a: a cycle (a -> b -> a)");
    for (int i = 0; i < 9; i++) p.put("d" + std::to_string(i), "{\"include\": [\"d" + std::to_string(i + 1) + "\"]}");
    p.put("d9", "{}");
    CHECK(p.error(R"({"include": ["d0"]})").find("include d8: nested more than 8 deep") == 0);
    CHECK(p.error(R"({"include": ["nope"]})") == "include nope: include: no profile \"nope\" (" + p.dir.path +
                                                    "/nope.json does not exist)");
    CHECK(p.error(R"({"include": ["../x"]})") ==
          "agent.include[0]: invalid profile name \"../x\" (must match [a-z0-9][a-z0-9._-]*)");
    CHECK(p.error(R"({"include": ["a", "a"]})") == "agent.include[1]: included twice");
    p.put("session", R"({"policy": {"escalation": "prompt"}})");
    CHECK(p.error(R"({"include": ["session"]})").find("include session: agent.policy: an included profile holds only "
                                                       "capabilities, secrets and include") == 0);
    p.put("git1", R"({"capabilities": {"shell": {"commands": [{"binary": "git", "subcommands": ["status"]}]}}})");
    CHECK(p.error(R"({"include": ["git1"], "capabilities": {"shell": {"commands": ["git"]}}})") ==
          "include git1: capabilities.shell.commands: git is listed with other arguments already");
    p.put("tok", R"({"secrets": {"T": "env://OTHER"}})");
    CHECK(p.error(R"({"include": ["tok"], "secrets": {"T": "env://T"}})") ==
          "include tok: secrets.T: env://OTHER differs from env://T");
}

TEST_CASE("an included profile's rules are narrowed by the floor like the document's own") {
    Profiles p;
    p.put("floor", R"({"capabilities": {"network": {"egress": [{"host": "api.anthropic.com", "port": 443}]}}})");
    p.put("npm", R"({"capabilities": {"network": {"egress": [{"host": "registry.npmjs.org", "port": 443}]}}})");
    p.settings.floor_profile = "floor";
    CHECK(p.error(R"({"include": ["npm"]})").find("registry.npmjs.org") != std::string::npos);
    CHECK(p.error(R"({"include": ["npm"]})").find("widens the floor (profile floor)") != std::string::npos);
}
