// A container's policy under the floor profile: it may only narrow it; the
// effective policy is what both allow, and a widening rule is refused by name.
#include <doctest/doctest.h>

#include <string>

#include "agent/narrow.hpp"
#include "agent/parse.hpp"
#include "common/error.hpp"

using namespace runac::agent;

namespace {

const char* kFloor = R"({
  "capabilities": {
    "filesystem": {"read": ["/usr", "/workspace"], "write": ["/workspace", "/tmp"], "deny": ["/root/.ssh"]},
    "network": {
      "egress": [
        {"host": "*.github.com", "port": 443},
        {"host": "pypi.org"},
        {"host": "10.0.0.0/8", "port": 5432},
        {"host": "2001:db8::/32", "port": 443},
        {"host": "192.0.2.53", "port": 53, "protocol": "udp"}
      ],
      "deny": ["169.254.169.254"]
    },
    "shell": {"commands": ["git", {"binary": "npm", "subcommands": ["test", "ci"], "denyArgs": ["--global"]}]}
  },
  "secrets": {"GITHUB_TOKEN": {"provider": "file", "path": "/etc/runac/secrets/github", "allowedTools": ["git", "gh"]}},
  "policy": {"sessionTimeout": "8h"},
  "enforcement": {"require": ["landlock"]}
})";

Policy floor() { return parse_policy(kFloor, "floor"); }
Policy effective(const std::string& own) { return narrow(floor(), parse_policy(own, "own"), "base"); }

std::string refusal(const Policy& floor_policy, const std::string& own) {
    try {
        narrow(floor_policy, parse_policy(own, "own"), "base");
    } catch (const runac::Error& e) {
        return e.what();
    }
    return "";
}
std::string refusal(const std::string& own) { return refusal(floor(), own); }

}  // namespace

TEST_CASE("a container without rules of its own gets the floor") {
    Policy p = effective("{}");
    Policy f = floor();
    CHECK(p.read == f.read);
    CHECK(p.egress == f.egress);
    CHECK(p.commands == f.commands);
    CHECK(p.secrets == f.secrets);
    CHECK(p.session_timeout_seconds == f.session_timeout_seconds);
    CHECK(p.deny == f.deny);
    CHECK(p.require == f.require);
    // Absent write means nothing writable, for the container as well: both must allow it.
    CHECK(p.write.empty());
}

TEST_CASE("narrower filesystem rules are the effective policy; denies add up") {
    Policy p = effective(R"({"capabilities": {"filesystem": {"read": ["/workspace/src"], "write": ["/workspace/out"], "deny": ["/workspace/.env"]}}})");
    CHECK(*p.read == std::vector<std::string>{"/workspace/src"});
    CHECK(p.write == std::vector<std::string>{"/workspace/out"});
    CHECK(p.deny == std::vector<std::string>{"/root/.ssh", "/workspace/.env"});
}

TEST_CASE("filesystem rules that widen the floor are refused by name") {
    CHECK(refusal(R"({"capabilities": {"filesystem": {"read": ["/usr", "/etc"]}}})") ==
          "agent.capabilities.filesystem.read[1]: reading /etc widens the floor (profile base)");
    CHECK(refusal(R"({"capabilities": {"filesystem": {"write": ["/workspace", "/usr/lib"]}}})") ==
          "agent.capabilities.filesystem.write[1]: writing /usr/lib widens the floor (profile base)");
    // "/workspacefoo" is not below "/workspace".
    CHECK(refusal(R"({"capabilities": {"filesystem": {"write": ["/workspacefoo"]}}})") ==
          "agent.capabilities.filesystem.write[0]: writing /workspacefoo widens the floor (profile base)");
    // A floor that allows no writes allows no container to add one.
    Policy ro = parse_policy("{}", "floor");
    CHECK(refusal(ro, R"({"capabilities": {"filesystem": {"write": ["/tmp"]}}})") ==
          "agent.capabilities.filesystem.write[0]: writing /tmp widens the floor (profile base)");
    // A floor that says nothing about reading allows any read list.
    CHECK(refusal(ro, R"({"capabilities": {"filesystem": {"read": ["/etc"]}}})") == "");
}

TEST_CASE("egress: names, wildcards, networks, ports and protocols covered by the floor") {
    Policy p = effective(R"({"capabilities": {"network": {"egress": [
        {"host": "api.github.com", "port": 443},
        {"host": "*.api.github.com", "port": 443},
        {"host": "pypi.org", "port": 443},
        {"host": "10.1.2.0/24", "port": 5432},
        {"host": "10.9.9.9", "port": 5432},
        {"host": "2001:db8:1::/48", "port": 443},
        {"host": "192.0.2.53", "port": 53, "protocol": "udp"}
    ], "deny": ["10.6.6.6"]}}})");
    REQUIRE(p.egress);
    CHECK(p.egress->size() == 7);
    CHECK(p.network_deny == std::vector<std::string>{"169.254.169.254", "10.6.6.6"});
}

TEST_CASE("egress that widens the floor is refused naming the rule") {
    auto egress = [](const std::string& rule) {
        return refusal(R"({"capabilities": {"network": {"egress": [{"host": "pypi.org"}, )" + rule + "]}}}");
    };
    CHECK(egress(R"({"host": "github.com", "port": 443})") ==
          "agent.capabilities.network.egress[1]: egress to github.com:443/tcp widens the floor (profile base)");
    CHECK(egress(R"({"host": "*.github.com"})") ==
          "agent.capabilities.network.egress[1]: egress to *.github.com:*/tcp widens the floor (profile base)");
    CHECK(egress(R"({"host": "*.com", "port": 443})").find("egress to *.com:443/tcp widens") != std::string::npos);
    CHECK(egress(R"({"host": "evil.com", "port": 443})").find("egress[1]: egress to evil.com:443/tcp") != std::string::npos);
    CHECK(egress(R"({"host": "api.github.com.evil.com", "port": 443})").find("widens") != std::string::npos);
    CHECK(egress(R"({"host": "10.0.0.0/7", "port": 5432})").find("widens") != std::string::npos);
    CHECK(egress(R"({"host": "11.0.0.1", "port": 5432})").find("widens") != std::string::npos);
    CHECK(egress(R"({"host": "10.1.1.1", "port": 5433})").find("widens") != std::string::npos);
    CHECK(egress(R"({"host": "10.1.1.1", "port": 5432, "protocol": "udp"})").find("widens") != std::string::npos);
    CHECK(egress(R"({"host": "2001:db9::1", "port": 443})").find("widens") != std::string::npos);
    CHECK(egress(R"({"host": "192.0.2.53", "port": 53})").find("widens") != std::string::npos);
    // Without a floor egress list, any list narrows "unrestricted".
    CHECK(refusal(parse_policy("{}", "floor"), R"({"capabilities": {"network": {"egress": [{"host": "x.org"}]}}})") == "");
}

TEST_CASE("commands: covered by a floor entry of the same binary with at least its subcommands") {
    Policy p = effective(R"({"capabilities": {"shell": {"commands": ["git status", "npm test", {"binary": "npm", "subcommands": ["ci"], "denyArgs": ["--force"]}]}}})");
    REQUIRE(p.commands);
    REQUIRE(p.commands->size() == 3);
    CHECK((*p.commands)[0] == Command{"git", {"status"}, {}});
    // The floor's denyArgs stay with the command.
    CHECK((*p.commands)[1] == Command{"npm", {"test"}, {"--global"}});
    CHECK((*p.commands)[2] == Command{"npm", {"ci"}, {"--force", "--global"}});
    CHECK(refusal(R"({"capabilities": {"shell": {"commands": ["git", "curl"]}}})") ==
          "agent.capabilities.shell.commands[1]: running curl (any arguments) widens the floor (profile base)");
    CHECK(refusal(R"({"capabilities": {"shell": {"commands": ["npm"]}}})") ==
          "agent.capabilities.shell.commands[0]: running npm (any arguments) widens the floor (profile base)");
    CHECK(refusal(R"({"capabilities": {"shell": {"commands": ["npm publish"]}}})") ==
          "agent.capabilities.shell.commands[0]: running npm publish widens the floor (profile base)");
    CHECK(refusal(R"({"tools": {"allowedBinaries": ["python3"]}})") ==
          "agent.capabilities.shell.commands[0]: running python3 (any arguments) widens the floor (profile base)");
}

TEST_CASE("secrets: file secrets must come from the floor, env secrets move what the container has") {
    Policy p = effective(R"({"secrets": {"NPM_TOKEN": "env://NPM_TOKEN", "GITHUB_TOKEN": {"provider": "file", "path": "/etc/runac/secrets/github", "allowedTools": ["git"]}}})");
    REQUIRE(p.secrets.size() == 2);
    CHECK(p.secrets[0].name == "GITHUB_TOKEN");
    CHECK(*p.secrets[0].allowed_tools == std::vector<std::string>{"git"});
    CHECK(p.secrets[1].name == "NPM_TOKEN");
    CHECK(refusal(R"({"secrets": {"OTHER": "file:///etc/runac/secrets/other"}})") ==
          "agent.secrets.OTHER: the secret file:///etc/runac/secrets/other widens the floor (profile base)");
    CHECK(refusal(R"({"secrets": {"GITHUB_TOKEN": "env://GITHUB_TOKEN"}})") ==
          "agent.secrets.GITHUB_TOKEN: a different source for GITHUB_TOKEN widens the floor (profile base)");
    CHECK(refusal(R"({"secrets": {"GITHUB_TOKEN": {"provider": "file", "path": "/etc/runac/secrets/github", "allowedTools": ["curl"]}}})") ==
          "agent.secrets.GITHUB_TOKEN.allowedTools: access by curl widens the floor (profile base)");
}

TEST_CASE("session rules: prompt, no audit, a longer session, best-effort widen a strict floor") {
    CHECK(refusal(R"({"policy": {"escalation": "prompt"}})") == "agent.policy.escalation: prompt widens the floor (profile base)");
    CHECK(refusal(R"({"tools": {"requireApproval": true}})") == "agent.policy.escalation: prompt widens the floor (profile base)");
    CHECK(refusal(R"({"policy": {"auditLog": false}})") == "agent.policy.auditLog: false widens the floor (profile base)");
    CHECK(refusal(R"({"policy": {"sessionTimeout": "9h"}})") ==
          "agent.policy.sessionTimeout: a session of 32400s widens the floor (profile base)");
    CHECK(refusal(R"({"enforcement": {"mode": "best-effort"}})") ==
          "agent.enforcement.mode: best-effort widens the floor (profile base)");
    Policy p = effective(R"({"policy": {"sessionTimeout": "1h"}, "enforcement": {"require": ["seccomp"]}, "provenance": {}})");
    CHECK(*p.session_timeout_seconds == 3600);
    CHECK(p.require == std::vector<Layer>{Layer::Landlock, Layer::Seccomp});
    CHECK(p.outside_runtime == std::vector<std::string>{"provenance"});
}

TEST_CASE("a permissive floor lets the container choose, and the narrower side wins") {
    Policy lax = parse_policy(R"({"policy": {"escalation": "prompt", "auditLog": false}, "enforcement": {"mode": "best-effort"}})", "floor");
    Policy p = narrow(lax, parse_policy(R"({"policy": {"escalation": "prompt", "auditLog": false}, "enforcement": {"mode": "best-effort"}})", "own"), "lax");
    CHECK(p.escalation == Escalation::Prompt);
    CHECK_FALSE(p.audit_log);
    CHECK(p.mode == Mode::BestEffort);
    Policy q = narrow(lax, parse_policy("{}", "own"), "lax");
    CHECK(q.escalation == Escalation::Deny);
    CHECK(q.audit_log);
    CHECK(q.mode == Mode::Strict);
}
