// The agent policy schema: every key, every shorthand, and every error names
// its JSON path.
#include <doctest/doctest.h>

#include <string>

#include "agent/parse.hpp"
#include "common/error.hpp"

using namespace runac::agent;

namespace {

Policy parse(const std::string& json) { return parse_policy(json, "test"); }

std::string error_of(const std::string& json) {
    try {
        parse(json);
    } catch (const runac::Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("an empty policy is the baseline: everything readable, nothing writable, strict, audited") {
    Policy p = parse("{}");
    CHECK_FALSE(p.read);
    CHECK(p.write.empty());
    CHECK(p.deny.empty());
    CHECK_FALSE(p.egress);
    CHECK_FALSE(p.commands);
    CHECK(p.secrets.empty());
    CHECK(p.escalation == Escalation::Deny);
    CHECK(p.audit_log);
    CHECK_FALSE(p.session_timeout_seconds);
    CHECK(p.mode == Mode::Strict);
    CHECK(p.require.empty());
}

TEST_CASE("the canonical form parses into the model, comments allowed") {
    Policy p = parse(R"({
      // JSONC, as agentcontainer.json
      "capabilities": {
        "filesystem": {"read": ["/usr", "/workspace"], "write": ["/workspace", "/tmp"], "deny": ["/workspace/.env"]},
        "network": {
          "egress": [
            {"host": "api.github.com", "port": 443},
            {"host": "*.NPMJS.org", "port": 443},
            {"host": "10.1.2.0/24", "port": 5432, "protocol": "tcp"},
            {"host": "2001:db8::/64", "port": 443},
            {"host": "192.0.2.7", "port": 53, "protocol": "udp"}
          ],
          "deny": ["169.254.169.254", "metadata.google.internal"] /* wins */
        },
        "shell": {"commands": ["git", "npm test", {"binary": "/usr/bin/git", "subcommands": ["status", "diff"], "denyArgs": ["-c"]}]}
      },
      "secrets": {
        "GITHUB_TOKEN": {"provider": "file", "path": "/etc/runac/secrets/github", "allowedTools": ["git"]},
        "NPM_TOKEN": "env://NPM_TOKEN",
        "OTHER": {"provider": "env", "name": "SOURCE_VAR"},
        "PINNED": "file:///etc/runac/secrets/pinned"
      },
      "policy": {"escalation": "prompt", "auditLog": false, "sessionTimeout": "1h30m"},
      "enforcement": {"mode": "best-effort", "require": ["landlock", "bpf-lsm", "landlock"]},
      "tools": {"mcp": {"servers": []}, "skills": ["x"]},
      "provenance": {"any": "thing"},
      "git": {"signing": true}
    })");
    CHECK(*p.read == std::vector<std::string>{"/usr", "/workspace"});
    CHECK(p.write == std::vector<std::string>{"/workspace", "/tmp"});
    CHECK(p.deny == std::vector<std::string>{"/workspace/.env"});
    REQUIRE(p.egress);
    REQUIRE(p.egress->size() == 5);
    CHECK((*p.egress)[0] == EgressRule{"api.github.com", 443, Protocol::Tcp});
    CHECK((*p.egress)[1].host == "*.npmjs.org");
    CHECK((*p.egress)[2] == EgressRule{"10.1.2.0/24", 5432, Protocol::Tcp});
    CHECK((*p.egress)[3].host == "2001:db8::/64");
    CHECK((*p.egress)[4] == EgressRule{"192.0.2.7", 53, Protocol::Udp});
    CHECK(p.network_deny == std::vector<std::string>{"169.254.169.254", "metadata.google.internal"});
    REQUIRE(p.commands);
    REQUIRE(p.commands->size() == 3);
    CHECK((*p.commands)[0] == Command{"git", {}, {}});
    CHECK((*p.commands)[1] == Command{"npm", {"test"}, {}});
    CHECK((*p.commands)[2] == Command{"/usr/bin/git", {"status", "diff"}, {"-c"}});
    REQUIRE(p.secrets.size() == 4);
    CHECK(p.secrets[0].name == "GITHUB_TOKEN");
    CHECK(p.secrets[0].provider == SecretProvider::File);
    CHECK(p.secrets[0].source == "/etc/runac/secrets/github");
    CHECK(*p.secrets[0].allowed_tools == std::vector<std::string>{"git"});
    CHECK(p.secrets[1].provider == SecretProvider::Env);
    CHECK(p.secrets[1].source == "NPM_TOKEN");
    CHECK_FALSE(p.secrets[1].allowed_tools);
    CHECK(p.secrets[2].source == "SOURCE_VAR");
    CHECK(p.secrets[3].provider == SecretProvider::File);
    CHECK(p.secrets[3].source == "/etc/runac/secrets/pinned");
    CHECK(p.escalation == Escalation::Prompt);
    CHECK_FALSE(p.audit_log);
    CHECK(*p.session_timeout_seconds == 5400);
    CHECK(p.mode == Mode::BestEffort);
    CHECK(p.require == std::vector<Layer>{Layer::Landlock, Layer::BpfLsm});
    CHECK(p.outside_runtime == std::vector<std::string>{"tools.mcp", "tools.skills", "provenance", "git"});
}

TEST_CASE("the agentcontainers shorthands mean the same as the canonical form") {
    Policy p = parse(R"({
      "capabilities": {
        "filesystem": {"readOnlyPaths": ["/usr"], "writablePaths": ["/workspace"]},
        "network": {"egress": {"allowedDomains": ["github.com", "*.pypi.org"]}}
      },
      "tools": {"allowedBinaries": ["git", "python3"], "requireApproval": true}
    })");
    CHECK(*p.read == std::vector<std::string>{"/usr"});
    CHECK(p.write == std::vector<std::string>{"/workspace"});
    REQUIRE(p.egress);
    CHECK(*p.egress == std::vector<EgressRule>{{"github.com", 0, Protocol::Tcp}, {"*.pypi.org", 0, Protocol::Tcp}});
    REQUIRE(p.commands);
    CHECK(*p.commands == std::vector<Command>{{"git", {}, {}}, {"python3", {}, {}}});
    CHECK(p.escalation == Escalation::Prompt);
    CHECK(parse(R"({"tools": {"requireApproval": false}})").escalation == Escalation::Deny);
    CHECK(parse(R"({"policy": {"escalation": "prompt"}, "tools": {"requireApproval": true}})").escalation ==
          Escalation::Prompt);
}

TEST_CASE("an empty list is a restriction, not an absent key") {
    Policy p = parse(R"({"capabilities": {"filesystem": {"read": []}, "network": {"egress": []}, "shell": {"commands": []}}})");
    CHECK(p.read->empty());
    CHECK(p.egress->empty());
    CHECK(p.commands->empty());
}

TEST_CASE("unknown and duplicate keys are errors naming their JSON path") {
    CHECK(error_of(R"({"capabilites": {}})").rfind("agent.capabilites: unknown key (allowed here: capabilities,", 0) == 0);
    CHECK(error_of(R"({"capabilities": {"filesystem": {"writeable": []}}})")
              .rfind("agent.capabilities.filesystem.writeable: unknown key", 0) == 0);
    CHECK(error_of(R"({"capabilities": {"network": {"egress": [{"host": "a.com", "prot": 1}]}}})")
              .rfind("agent.capabilities.network.egress[0].prot: unknown key", 0) == 0);
    CHECK(error_of(R"({"capabilities": {"network": {"egress": {"allowed": []}}}})")
              .rfind("agent.capabilities.network.egress.allowed: unknown key", 0) == 0);
    CHECK(error_of(R"({"capabilities": {"shell": {"commands": [{"binary": "git", "args": []}]}}})")
              .rfind("agent.capabilities.shell.commands[0].args: unknown key", 0) == 0);
    CHECK(error_of(R"({"capabilities": {"shell": {"cmds": []}}})").rfind("agent.capabilities.shell.cmds: unknown key", 0) == 0);
    CHECK(error_of(R"({"policy": {"timeout": "1h"}})").rfind("agent.policy.timeout: unknown key", 0) == 0);
    CHECK(error_of(R"({"enforcement": {"modes": "strict"}})").rfind("agent.enforcement.modes: unknown key", 0) == 0);
    CHECK(error_of(R"({"tools": {"allowed": []}})").rfind("agent.tools.allowed: unknown key", 0) == 0);
    CHECK(error_of(R"({"secrets": {"A": {"provider": "file", "path": "/etc/runac/secrets/a", "mode": 1}}})")
              .rfind("agent.secrets.A.mode: unknown key", 0) == 0);
    CHECK(error_of(R"({"secrets": {"A": {"provider": "env", "path": "/x"}}})").rfind("agent.secrets.A.path: unknown key", 0) == 0);
    CHECK(error_of(R"({"policy": {}, "policy": {}})") == "agent.policy: duplicate key");
    // runac's own schema: a key in another case is unknown, never folded.
    CHECK(error_of(R"({"Capabilities": {}})").rfind("agent.Capabilities: unknown key", 0) == 0);
    CHECK(error_of(R"({"capabilities": {"filesystem": {"write": [], "write": ["/"]}}})") ==
          "agent.capabilities.filesystem.write: duplicate key");
    CHECK(error_of(R"({"secrets": {"A": "env://A", "A": "env://B"}})") == "agent.secrets.A: duplicate key");
}

TEST_CASE("wrong types name their JSON path") {
    CHECK(error_of("[]") == "agent: expected an object, got array");
    CHECK(error_of(R"({"capabilities": []})") == "agent.capabilities: expected an object, got array");
    CHECK(error_of(R"({"capabilities": {"filesystem": {"write": "/tmp"}}})") ==
          "agent.capabilities.filesystem.write: expected an array, got string");
    CHECK(error_of(R"({"capabilities": {"filesystem": {"write": null}}})") ==
          "agent.capabilities.filesystem.write: expected an array, got null");
    CHECK(error_of(R"({"capabilities": {"filesystem": {"read": [1]}}})") ==
          "agent.capabilities.filesystem.read[0]: expected a string, got number");
    CHECK(error_of(R"({"capabilities": {"network": {"egress": [{"host": "a.com", "port": "443"}]}}})") ==
          "agent.capabilities.network.egress[0].port: expected an integer, got string");
    CHECK(error_of(R"({"capabilities": {"network": {"egress": [{"host": "a.com", "port": 443.5}]}}})") ==
          "agent.capabilities.network.egress[0].port: expected an integer, got number");
    CHECK(error_of(R"({"capabilities": {"network": {"egress": "a.com"}}})") ==
          "agent.capabilities.network.egress: expected an array, got string");
    CHECK(error_of(R"({"capabilities": {"shell": {"commands": [7]}}})") ==
          "agent.capabilities.shell.commands[0]: expected an object, got number");
    CHECK(error_of(R"({"policy": {"auditLog": "yes"}})") == "agent.policy.auditLog: expected a boolean, got string");
    CHECK(error_of(R"({"tools": {"requireApproval": 1}})") == "agent.tools.requireApproval: expected a boolean, got number");
    CHECK(error_of(R"({"secrets": {"A": 5}})") == "agent.secrets.A: expected a secret URI (string) or an object");
    CHECK(error_of(R"({"enforcement": {"require": "bpf-lsm"}})") == "agent.enforcement.require: expected an array, got string");
}

TEST_CASE("bad JSON, NUL bytes and oversized documents are one line naming the origin") {
    std::string e = error_of("{\"policy\": ");
    CHECK(e.rfind("test: invalid JSON", 0) == 0);
    CHECK(e.find('\n') == std::string::npos);
    CHECK(error_of(std::string("{}\0{\"x\": 1}", 11)) == "test: invalid JSON: NUL byte");
    CHECK(error_of("{\"git\": \"" + std::string(1 << 20, 'a') + "\"}") == "test: policy document larger than 1 MiB");
}

TEST_CASE("paths must be absolute and normalised, without wildcards") {
    const std::string prefix = R"({"capabilities": {"filesystem": {"write": [")";
    auto err = [&](const std::string& path) { return error_of(prefix + path + "\"]}}}"); };
    CHECK(err("/ok/path") == "");
    CHECK(err("/") == "");
    CHECK(err("tmp") == "agent.capabilities.filesystem.write[0]: \"tmp\" is not an absolute path");
    CHECK(err("") == "agent.capabilities.filesystem.write[0]: empty path");
    CHECK(err("/tmp/") == "agent.capabilities.filesystem.write[0]: \"/tmp/\" is not normalised (trailing slash)");
    CHECK(err("/a//b").find("is not normalised") != std::string::npos);
    CHECK(err("/a/./b").find("is not normalised") != std::string::npos);
    CHECK(err("/a/../etc").find("is not normalised") != std::string::npos);
    CHECK(err("/workspace/*.env") ==
          "agent.capabilities.filesystem.write[0]: \"/workspace/*.env\": wildcards are not supported in paths");
    CHECK(error_of(R"({"capabilities": {"filesystem": {"deny": ["rel"]}}})") ==
          "agent.capabilities.filesystem.deny[0]: \"rel\" is not an absolute path");
    CHECK(error_of(R"({"capabilities": {"filesystem": {"readOnlyPaths": ["/a/.."]}}})")
              .rfind("agent.capabilities.filesystem.readOnlyPaths[0]:", 0) == 0);
}

TEST_CASE("a canonical key and its shorthand together are refused") {
    CHECK(error_of(R"({"capabilities": {"filesystem": {"read": [], "readOnlyPaths": []}}})") ==
          "agent.capabilities.filesystem.readOnlyPaths: means the same as read; use one of them");
    CHECK(error_of(R"({"capabilities": {"filesystem": {"write": [], "writablePaths": []}}})") ==
          "agent.capabilities.filesystem.writablePaths: means the same as write; use one of them");
    CHECK(error_of(R"({"capabilities": {"shell": {"commands": []}}, "tools": {"allowedBinaries": []}})") ==
          "agent.tools.allowedBinaries: means the same as capabilities.shell.commands; use one of them");
    CHECK(error_of(R"({"policy": {"escalation": "deny"}, "tools": {"requireApproval": true}})") ==
          "agent.tools.requireApproval: contradicts agent.policy.escalation");
}

TEST_CASE("egress hosts, ports and protocols are checked") {
    auto err = [](const std::string& rule) {
        return error_of(R"({"capabilities": {"network": {"egress": [{"host": "ok.com"}, {"host": "ok.com"}, )" + rule +
                        "]}}}");
    };
    CHECK(err(R"({"host": "a.com", "port": 443})") == "");
    CHECK(err(R"({"host": "a.com", "port": 0})") == "agent.capabilities.network.egress[2].port: port 0 out of range (1-65535)");
    CHECK(err(R"({"host": "a.com", "port": 65536})") ==
          "agent.capabilities.network.egress[2].port: port 65536 out of range (1-65535)");
    CHECK(err(R"({"host": "a.com", "port": -1})") == "agent.capabilities.network.egress[2].port: port -1 out of range (1-65535)");
    CHECK(err(R"({"host": "a.com", "protocol": "icmp"})") ==
          "agent.capabilities.network.egress[2].protocol: unknown protocol \"icmp\" (tcp or udp)");
    CHECK(err(R"({"port": 443})") == "agent.capabilities.network.egress[2]: host: must be set");
    CHECK(err(R"({"host": ""})") == "agent.capabilities.network.egress[2].host: empty host");
    CHECK(err(R"({"host": "10.1.2.5/24"})") ==
          "agent.capabilities.network.egress[2].host: \"10.1.2.5/24\": host bits set beyond the /24 prefix");
    CHECK(err(R"({"host": "10.1.2.0/33"})") ==
          "agent.capabilities.network.egress[2].host: \"10.1.2.0/33\": prefix length above 32");
    CHECK(err(R"({"host": "2001:db8::/129"})").find("prefix length above 128") != std::string::npos);
    CHECK(err(R"({"host": "10.1.2.0/x"})") ==
          "agent.capabilities.network.egress[2].host: \"10.1.2.0/x\" is not a CIDR network (ADDRESS/PREFIX)");
    CHECK(err(R"({"host": "bad.host/24"})").find("is not a CIDR network") != std::string::npos);
    CHECK(err(R"({"host": "10.1.2.300"})") ==
          "agent.capabilities.network.egress[2].host: \"10.1.2.300\": not an IP address, network or host name");
    CHECK(err(R"({"host": "under_score.com"})").find("not an IP address, network or host name") != std::string::npos);
    CHECK(err(R"({"host": "-a.com"})").find("not an IP address, network or host name") != std::string::npos);
    CHECK(err(R"({"host": "a..com"})").find("not an IP address, network or host name") != std::string::npos);
    CHECK(err(R"({"host": "*"})") ==
          "agent.capabilities.network.egress[2].host: \"*\": a wildcard is only \"*.\" followed by a domain");
    CHECK(err(R"({"host": "*.*.com"})").find("a wildcard is only") != std::string::npos);
    CHECK(err(R"({"host": "a*.com"})").find("a wildcard is only") != std::string::npos);
    CHECK(err(R"({"host": "foo.*.com"})").find("a wildcard is only") != std::string::npos);
    CHECK(err(R"({"host": "*."})").find("a wildcard is only") != std::string::npos);
    CHECK(err(R"({"host": "*.-x.com"})").find("not an IP address, network or host name") != std::string::npos);
    CHECK(error_of(R"({"capabilities": {"network": {"deny": ["10.0.0.0/8", "*.evil.com", "bad host"]}}})") ==
          "agent.capabilities.network.deny[2]: \"bad host\": not an IP address, network or host name");
    CHECK(error_of(R"({"capabilities": {"network": {"egress": {"allowedDomains": ["ok.com", "*"]}}}})")
              .rfind("agent.capabilities.network.egress.allowedDomains[1]: ", 0) == 0);
}

TEST_CASE("commands need a binary: a name or an absolute path") {
    auto err = [](const std::string& cmd) { return error_of(R"({"capabilities": {"shell": {"commands": [)" + cmd + "]}}}"); };
    CHECK(err(R"("")") == "agent.capabilities.shell.commands[0]: empty binary");
    CHECK(err(R"("   ")") == "agent.capabilities.shell.commands[0]: empty binary");
    CHECK(err(R"({"binary": ""})") == "agent.capabilities.shell.commands[0].binary: empty binary");
    CHECK(err(R"({"subcommands": ["x"]})") == "agent.capabilities.shell.commands[0]: binary: must be set");
    CHECK(err(R"({"binary": "bin/git"})") ==
          "agent.capabilities.shell.commands[0].binary: \"bin/git\": a binary is a name or an absolute path");
    CHECK(err(R"({"binary": "/usr/bin/../git"})").find("is not normalised") != std::string::npos);
    CHECK(err(R"({"binary": "git", "subcommands": [""]})") == "agent.capabilities.shell.commands[0].subcommands[0]: empty subcommand");
    CHECK(err(R"({"binary": "git", "denyArgs": [""]})") == "agent.capabilities.shell.commands[0].denyArgs[0]: empty argument");
    CHECK(err(R"("./x run")") == "agent.capabilities.shell.commands[0]: \"./x\": a binary is a name or an absolute path");
    CHECK(error_of(R"({"tools": {"allowedBinaries": [""]}})") == "agent.tools.allowedBinaries[0]: empty binary");
}

TEST_CASE("secrets: names, providers and where file secrets may come from") {
    CHECK(error_of(R"({"secrets": {"1BAD": "env://X"}})").rfind("agent.secrets.1BAD: \"1BAD\" is not a valid secret name", 0) == 0);
    CHECK(error_of(R"({"secrets": {"a-b": "env://X"}})").rfind("agent.secrets.a-b: ", 0) == 0);
    CHECK(error_of(R"({"secrets": {"A": "env://"}})") == "agent.secrets.A: \"\" is not an environment variable name");
    CHECK(error_of(R"({"secrets": {"A": "env://X-Y"}})") == "agent.secrets.A: \"X-Y\" is not an environment variable name");
    CHECK(error_of(R"({"secrets": {"A": {"provider": "env", "name": "X Y"}}})") ==
          "agent.secrets.A.name: \"X Y\" is not an environment variable name");
    CHECK(error_of(R"({"secrets": {"A": {"provider": 1}}})") == "agent.secrets.A.provider: expected a string, got number");
    CHECK(error_of(R"({"secrets": {"A": "NPM_TOKEN"}})") ==
          "agent.secrets.A: \"NPM_TOKEN\" is not a secret URI (env://NAME, file:///PATH, vault://, op://, infisical://)");
    CHECK(error_of(R"({"secrets": {"A": "https://x"}})") == "agent.secrets.A: unknown secret provider \"https\"");
    CHECK(error_of(R"({"secrets": {"A": {"provider": "ldap"}}})") ==
          "agent.secrets.A.provider: unknown secret provider \"ldap\" (file, env, vault, op, infisical)");
    CHECK(error_of(R"({"secrets": {"A": {"path": "/etc/runac/secrets/a"}}})") == "agent.secrets.A: provider: must be set");
    CHECK(error_of(R"({"secrets": {"A": {"provider": "file"}}})") == "agent.secrets.A: path: must be set");
    CHECK(error_of(R"({"secrets": {"A": {"provider": "file", "path": "/etc/passwd"}}})") ==
          "agent.secrets.A.path: /etc/passwd is outside /etc/runac/secrets/ (file secrets come only from there)");
    CHECK(error_of(R"({"secrets": {"A": {"provider": "file", "path": "/etc/runac/secrets"}}})").find("is outside") !=
          std::string::npos);
    CHECK(error_of(R"({"secrets": {"A": {"provider": "file", "path": "/etc/runac/secrets/../../shadow"}}})")
              .find("is not normalised") != std::string::npos);
    CHECK(error_of(R"({"secrets": {"A": {"provider": "file", "path": "/etc/runac/secretsX/a"}}})").find("is outside") !=
          std::string::npos);
    CHECK(error_of(R"({"secrets": {"A": "file:///root/.ssh/id_rsa"}})").find("is outside /etc/runac/secrets/") !=
          std::string::npos);
    CHECK(error_of(R"({"secrets": {"A": {"provider": "file", "path": "/etc/runac/secrets/a", "allowedTools": ["a b"]}}})") ==
          "agent.secrets.A.allowedTools[0]: \"a b\": a binary has no blanks");
    // The secrets directory is the admin's setting.
    CHECK_NOTHROW(parse_policy(R"({"secrets": {"A": "file:///srv/s/a"}})", "test", "/srv/s"));
}

TEST_CASE("policy values: escalation, durations") {
    CHECK(error_of(R"({"policy": {"escalation": "allow"}})") ==
          "agent.policy.escalation: unknown escalation \"allow\" (deny or prompt)");
    CHECK(*parse(R"({"policy": {"sessionTimeout": "8h"}})").session_timeout_seconds == 8 * 3600);
    CHECK(*parse(R"({"policy": {"sessionTimeout": "90s"}})").session_timeout_seconds == 90);
    CHECK(*parse(R"({"policy": {"sessionTimeout": "2d"}})").session_timeout_seconds == 2 * 86400);
    CHECK(*parse(R"({"policy": {"sessionTimeout": "1h30m15s"}})").session_timeout_seconds == 5415);
    for (const char* bad : {"", "8", "h", "8x", "1.5h", "-1h", "8h ", "999999999999h"})
        CHECK(error_of(std::string(R"({"policy": {"sessionTimeout": ")") + bad + "\"}}") ==
              std::string("agent.policy.sessionTimeout: \"") + bad + "\" is not a duration (e.g. 8h, 30m, 1h30m, 90s)");
    CHECK(error_of(R"({"policy": {"sessionTimeout": "0s"}})") ==
          "agent.policy.sessionTimeout: \"0s\": a session timeout must be longer than zero");
    CHECK(error_of(R"({"policy": {"sessionTimeout": 3600}})") ==
          "agent.policy.sessionTimeout: expected a string, got number");
}

TEST_CASE("enforcement: mode and the layers it can require") {
    CHECK(error_of(R"({"enforcement": {"mode": "lenient"}})") ==
          "agent.enforcement.mode: unknown mode \"lenient\" (strict or best-effort)");
    CHECK(error_of(R"({"enforcement": {"require": ["seccomp", "selinux"]}})") ==
          "agent.enforcement.require[1]: unknown layer \"selinux\" (landlock, seccomp, cgroup-bpf, bpf-lsm, apparmor, memfd-noexec)");
    Policy p = parse(R"({"enforcement": {"require": ["landlock", "seccomp", "cgroup-bpf", "bpf-lsm", "apparmor", "memfd-noexec"]}})");
    CHECK(p.require.size() == 6);
    CHECK(parse(R"({"enforcement": {"mode": "strict"}})").mode == Mode::Strict);
}
