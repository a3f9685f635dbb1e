// shell.commands: what it turns into in the plan, what execve needs for a
// command (found on this host's own files, as the init finds them in the
// container's), and the exec boundary's verdicts.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "agent/derive.hpp"
#include "agent/narrow.hpp"
#include "agent/parse.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "enforce/exec_boundary.hpp"
#include "enforce/landlock.hpp"
#include "enforce/lsm.hpp"
#include "linux/executables.hpp"
#include "support.hpp"

using namespace runac;
using namespace runac::agent;
using runac::test::error_of;
using runac::test::TempDir;
namespace fs = enforce::fs;

namespace {

linux::KernelFeatures landlock7() {
    linux::KernelFeatures k;
    k.landlock = {true, "ABI 7"};
    k.landlock_abi = 7;
    return k;
}

oci::Config with_volume() {
    oci::Config c;
    c.root_path = "/nonexistent/rootfs";
    c.linux.namespaces = {{oci::NamespaceType::Pid, ""}};
    oci::Mount ws;
    ws.destination = "/workspace";
    ws.type = "bind";
    ws.source = "/nonexistent/ws";
    ws.options = {"rbind"};
    c.mounts = {ws};
    return c;
}

// What the rules grant at exactly this path (Landlock adds them up).
uint64_t rights(const enforce::Landlock& l, const std::string& path) {
    uint64_t out = 0;
    for (auto& r : l.rules)
        if (r.path == path) out |= r.access;
    return out;
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

TEST_CASE("with shell.commands: no EXECUTE with reading or writing, noexec on writable paths except exec trees") {
    oci::Config c = with_volume();
    Policy p = parse_policy(R"({"capabilities": {"filesystem": {"write": ["/workspace", "/tmp", "/cache"], "exec": ["/cache"]},
        "shell": {"commands": ["git", {"binary": "git", "subcommands": ["status"], "denyArgs": ["-c"]}]}}})", "t");
    enforce::Plan plan = derive(p, c, landlock7());
    CHECK(rights(plan.landlock, "/") == fs::kRead);
    CHECK((rights(plan.landlock, "/tmp") & fs::kExecute) == 0);
    CHECK((rights(plan.landlock, "/cache") & fs::kExecute) != 0);
    CHECK(has(c.mounts[0].options, "noexec"));  // the engine's volume
    for (auto& m : plan.mounts) {
        CAPTURE(m.path);
        CHECK(m.noexec == (m.path != "/cache"));
    }
    CHECK(plan.exec_allowlist);
    REQUIRE(plan.commands.size() == 2);
    CHECK(plan.commands[1].subcommands == std::vector<std::string>{"status"});
    CHECK(enforce::parse_plan(enforce::plan_json(plan)) == plan);
}

TEST_CASE("an exec tree inside a noexec write path is a mount of its own, named as filesystem.exec") {
    oci::Config c = with_volume();
    Policy p = parse_policy(R"({"capabilities": {"filesystem": {"write": ["/tmp"], "exec": ["/tmp/bin"]},
        "shell": {"commands": ["git"]}}})", "t");
    enforce::Plan plan = derive(p, c, landlock7());
    REQUIRE(plan.mounts.size() == 2);
    CHECK(plan.mounts[0] == enforce::PolicyMount{enforce::PolicyMount::Kind::WritableBind, "/tmp", true});
    CHECK(plan.mounts[1] == enforce::PolicyMount{enforce::PolicyMount::Kind::ExecBind, "/tmp/bin", false});
    CHECK(enforce::parse_plan(enforce::plan_json(plan)) == plan);
}

TEST_CASE("without shell.commands anything readable runs, written files too") {
    oci::Config c = with_volume();
    enforce::Plan plan = derive(parse_policy(R"({"capabilities": {"filesystem": {"write": ["/workspace", "/tmp"]}}})", "t"), c,
                                landlock7());
    CHECK((rights(plan.landlock, "/") & fs::kExecute));
    CHECK((rights(plan.landlock, "/tmp") & fs::kExecute));
    CHECK_FALSE(has(c.mounts[0].options, "noexec"));
    CHECK_FALSE(plan.exec_allowlist);
}

TEST_CASE("filesystem.exec is validated and narrowed like write") {
    CHECK(error_of([] { parse_policy(R"({"capabilities": {"filesystem": {"exec": ["tmp"]}}})", "t"); }).find(
              "agent.capabilities.filesystem.exec[0]") != std::string::npos);
    Policy floor = parse_policy(R"({"capabilities": {"filesystem": {"exec": ["/workspace"]}, "shell": {"commands": ["git"]}}})", "t");
    Policy inside = parse_policy(R"({"capabilities": {"filesystem": {"exec": ["/workspace/bin"]}}})", "t");
    CHECK(narrow(floor, inside, "f").exec == std::vector<std::string>{"/workspace/bin"});
    Policy outside = parse_policy(R"({"capabilities": {"filesystem": {"exec": ["/tmp"]}}})", "t");
    CHECK(error_of([&] { narrow(floor, outside, "f"); }) ==
          "agent.capabilities.filesystem.exec[0]: executing below /tmp widens the floor (profile f)");
    Policy any_binary = parse_policy(R"({})", "t");
    CHECK(error_of([&] { narrow(any_binary, outside, "f"); }).empty());
}

TEST_CASE("a command is what PATH finds, plus the loader its ELF header names") {
    linux::Executables e = linux::resolve_executables({"true", "no-such-command-here"}, "", "relative:/usr/bin:/bin");
    CHECK(has(e.allowed, "/usr/bin/true"));
    std::string loader = "/lib64/ld-linux-x86-64.so.2";
    CHECK(has(e.allowed, loader));
    CHECK(e.missing == std::vector<std::string>{"no-such-command-here"});
    // Only an interpreter: BPF LSM refuses it as a command (`ld.so BINARY`).
    CHECK(e.loaders == std::vector<std::string>{loader});
    // Named as a command, or as the entrypoint, it is one.
    CHECK(linux::resolve_executables({"true", loader}, "", "/usr/bin").loaders.empty());
    CHECK(linux::resolve_executables({"true"}, loader, "/usr/bin").loaders.empty());
}

TEST_CASE("a script brings its #! chain: env and the program it runs, and that program's loader") {
    TempDir d;
    std::string viaenv = d.put("viaenv", "#!/usr/bin/env -S true --flag\necho\n", 0755);
    std::string direct = d.put("direct", "#!" + d.path + "/viaenv -x\n", 0755);
    std::string loop = d.put("loop", "#!" + d.path + "/loop\n", 0755);
    linux::Executables e = linux::resolve_executables({direct, loop}, "", "/usr/bin");
    for (auto& f : {direct, viaenv, std::string("/usr/bin/env"), std::string("/usr/bin/true"),
                    std::string("/lib64/ld-linux-x86-64.so.2"), loop}) {
        CAPTURE(f);
        CHECK(has(e.allowed, f));
    }
    CHECK(std::count(e.allowed.begin(), e.allowed.end(), loop) == 1);
    CHECK(e.missing.empty());
}

TEST_CASE("the files the init found for BPF LSM reach the parent whole, 64-bit inode numbers too") {
    enforce::LsmFiles f;
    f.deny = {{2049, 12}, {44, 0xf000000000000001ull}};
    f.deny_names = {{{2049, 2}, ".env"}};
    f.exec = {{2049, 77}};
    f.secrets = {{{30, 5}, {{2049, 77}, {2049, 78}}}};
    JsonWriter w;
    enforce::write_lsm_files(w, f);
    JsonDocument doc = JsonDocument::parse(w.str(), "t");
    enforce::LsmFiles back = enforce::parse_lsm_files(doc.root());
    CHECK(back.deny == f.deny);
    CHECK(back.deny_names == f.deny_names);
    CHECK(back.exec == f.exec);
    REQUIRE(back.secrets.size() == 1);
    CHECK(back.secrets[0].file == f.secrets[0].file);
    CHECK(back.secrets[0].tools == f.secrets[0].tools);
    // The kernel's device encoding: major << 20 | minor.
    struct stat st {};
    st.st_dev = makedev(259, 3);
    st.st_ino = 9;
    CHECK(enforce::file_id(st) == enforce::FileId{(259u << 20) | 3u, 9});
}

TEST_CASE("the exec boundary: the binary, its subcommands, its denyArgs; the entrypoint runs as it is") {
    enforce::Plan plan;
    plan.exec_allowlist = true;
    plan.commands = {{"git", {"status", "diff"}, {"-c", "--upload-pack"}}, {"/usr/bin/node", {}, {}}, {"npm", {"test"}, {}}};
    auto check = [&](std::vector<std::string> args) {
        return error_of([&] { enforce::check_exec(plan, args, "/usr/local/bin/claude"); });
    };
    CHECK(check({"git", "status"}).empty());
    CHECK(check({"/usr/bin/git", "diff", "--stat"}).empty());
    CHECK(check({"git", "push"}) == "agent policy: shell.commands: git: subcommand push is not one of status, diff");
    CHECK(check({"git"}) == "agent policy: shell.commands: git: no subcommand is not one of status, diff");
    CHECK(check({"git", "status", "-c"}) == "agent policy: shell.commands: git: argument -c is refused (denyArgs -c)");
    CHECK(check({"git", "diff", "--upload-pack=evil"}) ==
          "agent policy: shell.commands: git: argument --upload-pack=evil is refused (denyArgs --upload-pack)");
    CHECK(check({"git", "diff", "-cx"}).empty());  // not -c itself, nor -c=...
    CHECK(check({"/usr/bin/node", "x.js"}).empty());
    CHECK(check({"node", "x.js"}) == "agent policy: shell.commands: node is not an allowed command");
    CHECK(check({"sh", "-c", "git push"}) == "agent policy: shell.commands: sh is not an allowed command");
    CHECK(check({"claude", "--resume"}).empty());
    CHECK(check({"/usr/local/bin/claude"}).empty());
    // A second entry for the same binary that allows it is enough.
    plan.commands.push_back({"git", {}, {}});
    CHECK(check({"git", "push"}).empty());
    plan.exec_allowlist = false;
    CHECK(check({"anything"}).empty());
}
