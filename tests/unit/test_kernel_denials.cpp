// The kernel's audit records of a container's refusals, as the kernel
// writes them (lines taken from this host's Landlock ABI 7 and seccomp),
// turned into the audit log's denials.
#include <doctest/doctest.h>

#include <set>

#include "monitor/kernel_denials.hpp"

using namespace runac::monitor;

namespace {

struct Fixture {
    std::vector<KernelDenial> out;
    KernelDenials denials;
    explicit Fixture(std::set<uint32_t> members, std::vector<std::string> deny = {}, bool commands = true)
        : denials(ContainerView{[members](uint32_t pid) { return members.count(pid) > 0; }, std::move(deny), commands},
                  [this](const KernelDenial& d) { out.push_back(d); }) {}
    void feed(uint16_t type, const std::string& text) { denials.record(type, text); }
};

const char* kSyscall87 =
    "audit(1796301983.279:87): arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c a1=7ffd028f2f77 a2=0 "
    "a3=0 items=0 ppid=7366 pid=7367 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
    "tty=(none) ses=4294967295 comm=\"cat\" exe=\"/bin/busybox\" key=(null)";

}  // namespace

TEST_CASE("a Landlock refusal is the container's when its domain's maker is, with the process of its event") {
    Fixture f({7366, 7367});
    f.feed(1423, "audit(1796301983.279:87): domain=166641d60 blockers=fs.read_file path=\"/etc/passwd\" dev=\"vda\" ino=10953459");
    // The domain's record follows its first refusal, in the same event.
    f.feed(1424, "audit(1796301983.279:87): domain=166641d60 status=allocated mode=enforcing pid=7366 uid=0 "
                 "exe=\"/work/main/build/runac\" comm=\"runac\"");
    f.feed(1300, kSyscall87);
    CHECK(f.out.empty());  // the event is not over yet
    f.feed(1320, "audit(1796301983.279:87): ");
    REQUIRE(f.out.size() == 1);
    CHECK(f.out[0].rule == "filesystem.read");
    CHECK(f.out[0].layer == "landlock");
    CHECK(f.out[0].access == "fs.read_file");
    CHECK(f.out[0].path == "/etc/passwd");
    CHECK(f.out[0].pid == 7367);
    CHECK(f.out[0].command == "cat");
    CHECK(f.out[0].executable == "/bin/busybox");

    // Later refusals of the same domain: execute (shell.commands), writes.
    f.feed(1423, "audit(1796301983.279:88): domain=166641d60 blockers=fs.execute path=\"/bin/bb2\" dev=\"vda\" ino=1");
    f.feed(1423, "audit(1796301983.279:89): domain=166641d60 blockers=fs.make_dir path=\"/sys/fs/cgroup\" dev=\"tmpfs\" ino=1");
    f.feed(1320, "audit(1796301983.279:88): ");
    f.feed(1320, "audit(1796301983.279:89): ");
    REQUIRE(f.out.size() == 3);
    CHECK(f.out[1].rule == "shell.commands");
    CHECK(f.out[2].rule == "filesystem.write");
}

TEST_CASE("another container's or the host's Landlock domain is not the container's") {
    Fixture f({100});
    f.feed(1423, "audit(1.1:5): domain=aaa blockers=fs.read_file path=\"/etc/shadow\" dev=\"vda\" ino=2");
    f.feed(1424, "audit(1.1:5): domain=aaa status=allocated mode=enforcing pid=999 uid=0 exe=\"/x\" comm=\"x\"");
    f.feed(1320, "audit(1.1:5): ");
    CHECK(f.out.empty());
}

TEST_CASE("an event without its end is emitted by the second flush, or at the end; a freed domain's last refusals go first") {
    Fixture f({100});
    f.feed(1423, "audit(1.1:5): domain=aaa blockers=fs.write_file path=\"/etc/hosts\" dev=\"vda\" ino=2");
    f.feed(1424, "audit(1.1:5): domain=aaa status=allocated mode=enforcing pid=100 uid=0 exe=\"/x\" comm=\"x\"");
    f.denials.flush();
    CHECK(f.out.empty());
    f.denials.flush();
    REQUIRE(f.out.size() == 1);
    CHECK(f.out[0].pid == 0);  // no SYSCALL record came: the process is not known

    f.feed(1423, "audit(1.1:6): domain=aaa blockers=fs.read_dir path=\"/root\" dev=\"vda\" ino=3");
    f.feed(1424, "audit(1.1:7): domain=aaa status=deallocated denials=2");
    REQUIRE(f.out.size() == 2);
    CHECK(f.out[1].path == "/root");
    // The id is gone: a refusal naming it is no longer the container's.
    f.feed(1423, "audit(1.1:8): domain=aaa blockers=fs.read_dir path=\"/root\" dev=\"vda\" ino=3");
    f.feed(1320, "audit(1.1:8): ");
    CHECK(f.out.size() == 2);
    // At the end, what is open goes out at once.
    f.feed(1424, "audit(1.1:9): domain=bbb status=allocated mode=enforcing pid=100 uid=0 exe=\"/x\" comm=\"x\"");
    f.feed(1423, "audit(1.1:10): domain=bbb blockers=fs.read_dir path=\"/srv\" dev=\"vda\" ino=4");
    f.denials.finish_all();
    REQUIRE(f.out.size() == 3);
    CHECK(f.out[2].path == "/srv");
}

TEST_CASE("the rule of a Landlock refusal: a deny path wins; without shell.commands an execute is a read") {
    Fixture f({100}, {"/workspace/.env"}, false);
    f.feed(1424, "audit(1.1:1): domain=aaa status=allocated mode=enforcing pid=100 uid=0 exe=\"/x\" comm=\"x\"");
    f.feed(1423, "audit(1.1:2): domain=aaa blockers=fs.read_file path=\"/workspace/.env\" dev=\"vda\" ino=3");
    f.feed(1423, "audit(1.1:3): domain=aaa blockers=fs.execute path=\"/opt/tool\" dev=\"vda\" ino=4");
    f.feed(1423, "audit(1.1:4): domain=aaa blockers=net.connect_tcp daddr=192.0.2.1 dest=443");
    f.feed(1423, "audit(1.1:5): domain=aaa blockers=scope.signal opid=1 ocomm=\"systemd\"");
    for (int serial = 2; serial <= 5; serial++) f.feed(1320, "audit(1.1:" + std::to_string(serial) + "): ");
    REQUIRE(f.out.size() == 4);
    CHECK(f.out[0].rule == "filesystem.deny");
    CHECK(f.out[1].rule == "filesystem.read");
    CHECK(f.out[2].rule == "network.egress");
    CHECK(f.out[3].rule == "baseline");
}

TEST_CASE("a path the audit wrote in hex (it has a space) is decoded") {
    Fixture f({100});
    f.feed(1424, "audit(1.1:1): domain=aaa status=allocated mode=enforcing pid=100 uid=0 exe=\"/x\" comm=\"x\"");
    f.feed(1423, "audit(1.1:2): domain=aaa blockers=fs.make_reg path=2F746D702F612062 dev=\"vda\" ino=3");
    f.feed(1320, "audit(1.1:2): ");
    REQUIRE(f.out.size() == 1);
    CHECK(f.out[0].path == "/tmp/a b");
}

TEST_CASE("a seccomp refusal is the refused process's, named by its system call") {
    Fixture f({8775});
    f.feed(1326, "audit(1.1:9): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=8775 comm=\"escape\" exe=\"/bin/escape\" "
                 "sig=0 arch=c000003e syscall=101 compat=0 ip=0x4a2b3d code=0x50000");
    f.feed(1326, "audit(1.1:11): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=4242 comm=\"other\" exe=\"/bin/other\" "
                 "sig=0 arch=c000003e syscall=101 compat=0 ip=0x4a2b3d code=0x50000");
    REQUIRE(f.out.size() == 1);
    CHECK(f.out[0].layer == "seccomp");
    CHECK(f.out[0].access == "ptrace");
    CHECK(f.out[0].rule == "baseline");
    CHECK(f.out[0].pid == 8775);
    CHECK(f.out[0].executable == "/bin/escape");
}
