// runac policy suggest without a container: audit logs as runac writes
// them, and the document each one yields.
#include <doctest/doctest.h>

#include <fstream>

#include "agent/suggest.hpp"
#include "common/json.hpp"
#include "support.hpp"

using namespace runac;
using namespace runac::agent;

namespace {

// A log's create record holds the document on its one line.
std::string log_of(std::string document, const std::vector<std::string>& records) {
    std::erase(document, '\n');
    std::string log = R"({"seq":1,"event":"create","source":"annotation")" +
                      (document.empty() ? std::string() : R"(,"document":)" + document) + "}\n";
    for (auto& r : records) log += r + "\n";
    return log;
}

std::string strings_at(const Suggestion& s, const std::string& path) {
    JsonDocument doc = JsonDocument::parse(s.document, "suggestion");
    JsonValue v = doc.root();
    size_t at = 0;
    while (at != std::string::npos) {
        size_t dot = path.find('.', at);
        v = v.required(path.substr(at, dot == std::string::npos ? std::string::npos : dot - at));
        at = dot == std::string::npos ? dot : dot + 1;
    }
    JsonWriter w;
    w.copy(v);
    return w.str();
}

const char* kDocument = R"J({"capabilities": {"filesystem": {"read": ["/usr"], "write": ["/workspace"]},
    "network": {"egress": [{"host": "api.test", "port": 443}], "deny": ["192.0.2.66", "evil.test"]},
    "shell": {"commands": ["sh", "git"]}}, "policy": {"auditLog": true}})J";

}  // namespace

TEST_CASE("each refusal an entry can lift is added once, where the document restricts it; the rest is left") {
    Suggestion s = suggest(log_of(kDocument, {
        R"J({"event":"denied","rule":"network.egress","protocol":"tcp","address":"192.0.2.10","port":8080})J",
        R"J({"event":"denied","rule":"network.egress","protocol":"tcp","address":"192.0.2.10","port":8080})J",
        R"J({"event":"denied","rule":"network.egress","protocol":"udp","address":"192.0.2.11","port":53})J",
        R"J({"event":"denied","rule":"network.deny","protocol":"tcp","address":"192.0.2.66","port":80})J",
        R"J({"event":"dns","name":"pypi.org","type":1,"answer":"refused: not allowed (NXDOMAIN)"})J",
        R"J({"event":"dns","name":"evil.test","type":1,"answer":"refused: not allowed (NXDOMAIN)"})J",
        R"J({"event":"dns","name":"api.test","type":1,"answer":"answered 192.0.2.1"})J",
        R"J({"event":"denied","rule":"filesystem.read","layer":"landlock","access":"fs.read_file","path":"/etc/ssl/certs/ca.pem"})J",
        R"J({"event":"denied","rule":"filesystem.write","layer":"landlock","access":"fs.make_reg","path":"/home/agent"})J",
        R"J({"event":"denied","rule":"filesystem.write","layer":"landlock","access":"fs.write_file","path":"/proc/7/oom_score_adj"})J",
        R"J({"event":"denied","rule":"shell.commands","layer":"landlock","access":"fs.execute","path":"/usr/bin/make"})J",
        R"J({"event":"denied","rule":"shell.commands","pid":9,"command":"sh","executable":"jq"})J",
        R"J({"event":"denied","rule":"baseline","layer":"seccomp","syscall":"ptrace"})J",
        R"J({"event":"exec","argv":["cargo","build"],"refused":"agent policy: shell.commands: cargo is not an allowed command"})J",
        R"J({"event":"exec","argv":["git","push"],"refused":"agent policy: shell.commands: git: push is not an allowed subcommand"})J",
    }), Settings{});
    CHECK(strings_at(s, "capabilities.network.egress") ==
          R"([{"host":"api.test","port":443},{"host":"192.0.2.10","port":8080},)"
          R"({"host":"192.0.2.11","port":53,"protocol":"udp"},{"host":"pypi.org"}])");
    CHECK(strings_at(s, "capabilities.filesystem.read") == R"(["/usr","/etc/ssl/certs/ca.pem"])");
    CHECK(strings_at(s, "capabilities.filesystem.write") == R"(["/workspace","/home/agent"])");
    CHECK(strings_at(s, "capabilities.shell.commands") == R"(["sh","git","/usr/bin/make","jq","cargo"])");
    // Untouched: the deny list and the other sections.
    CHECK(strings_at(s, "capabilities.network.deny") == R"(["192.0.2.66","evil.test"])");
    CHECK(strings_at(s, "policy") == R"J({"auditLog":true})J");
    CHECK(s.added.size() == 8);
    REQUIRE(s.left.size() == 5);
    CHECK(s.left[0] == "network.deny 192.0.2.66: no policy entry allows it");
    CHECK(s.left[1] == "network.deny evil.test: denied by the policy");
    CHECK(s.left[2] == "filesystem.write /proc/7/oom_score_adj: a kernel interface, not suggested");
    CHECK(s.left[3] == "baseline ptrace: no policy entry allows it");
    CHECK(s.left[4].find("git: push is not an allowed subcommand (arguments are not suggested)") != std::string::npos);
}

TEST_CASE("what only the floor restricts, or what the floor forbids, is left with the reason") {
    test::TempDir dir;
    std::ofstream(dir.path + "/base.json") << (R"J({"capabilities": {"filesystem": {"write": ["/workspace"]}, "network": {"egress": [{"host": "api.test"}]}}})J");
    Settings settings;
    settings.profile_dir = dir.path;
    settings.floor_profile = "base";
    // The container's own document restricts writes (within the floor) but not egress.
    Suggestion s = suggest(log_of(R"J({"capabilities": {"filesystem": {"write": ["/workspace/src"]}}})J", {
        R"J({"event":"denied","rule":"filesystem.write","layer":"landlock","access":"fs.make_reg","path":"/workspace/build"})J",
        R"J({"event":"denied","rule":"filesystem.write","layer":"landlock","access":"fs.make_reg","path":"/opt"})J",
        R"J({"event":"denied","rule":"network.egress","protocol":"tcp","address":"192.0.2.10","port":443})J",
    }), settings);
    CHECK(strings_at(s, "capabilities.filesystem.write") == R"(["/workspace/src","/workspace/build"])");
    REQUIRE(s.left.size() == 2);
    CHECK(s.left[0].find("network.egress {\"host\":\"192.0.2.10\",\"port\":443}: restricted by the floor profile") == 0);
    CHECK(s.left[1].find("capabilities.filesystem.write \"/opt\": ") == 0);
    CHECK(s.left[1].find("/opt") != std::string::npos);
    // Without a create record there is nothing to start from.
    CHECK(test::error_of([&] { suggest(R"J({"seq":1,"event":"start"})J", Settings{}); }) ==
          "policy suggest: the log has no create record");
}
