// The text helpers every /proc and cgroup file goes through (no iostreams
// in runac), and the mountinfo parser built on them.
#include <doctest/doctest.h>

#include "common/files.hpp"
#include "common/mountinfo.hpp"

using namespace runac;

TEST_CASE("lines are read as getline reads them") {
    CHECK(lines("") == std::vector<std::string>{});
    CHECK(lines("a\n\nb\n") == std::vector<std::string>{"a", "", "b"});
    CHECK(lines("a\nb") == std::vector<std::string>{"a", "b"});
    CHECK(lines("\n") == std::vector<std::string>{""});
}

TEST_CASE("words split on spaces and tabs, runs of them included") {
    CHECK(words("") == std::vector<std::string>{});
    CHECK(words("   ") == std::vector<std::string>{});
    CHECK(words(" a  b\tc ") == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("parse_uint takes a whole decimal number and nothing else") {
    CHECK(parse_uint("0") == 0u);
    CHECK(parse_uint("18446744073709551615") == UINT64_MAX);
    CHECK(!parse_uint("18446744073709551616"));  // overflows
    CHECK(!parse_uint(""));
    CHECK(!parse_uint("12x"));
    CHECK(!parse_uint("-1"));
    CHECK(!parse_uint(" 1"));
}

TEST_CASE("mountinfo: fields, optional tags, escapes; malformed lines are skipped") {
    auto m = parse_mountinfo(
        "36 35 98:0 /mnt1 /mnt\\040x rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue\n"
        "37 36 0:5 / /proc rw - proc proc rw\n"
        "38 36 0:6 / /bad rw no-separator here\n"
        "x 36 0:7 / /bad rw - tmpfs tmpfs rw\n"
        "39 36 0:8 / /short rw - tmpfs\n"
        "41 36 0:6 / /back\\134slash rw - tmpfs tmpfs rw\n");
    REQUIRE(m.size() == 3);
    CHECK(m[0].id == 36);
    CHECK(m[0].parent == 35);
    CHECK(m[0].root == "/mnt1");
    CHECK(m[0].mountpoint == "/mnt x");
    CHECK(m[0].options == "rw,noatime");
    CHECK(m[0].optional == std::vector<std::string>{"master:1", "shared:2"});
    CHECK(m[0].fstype == "ext3");
    CHECK(m[0].source == "/dev/root");
    CHECK(m[0].super_options == "rw,errors=continue");
    CHECK(m[1].mountpoint == "/proc");
    CHECK(m[1].optional.empty());
    CHECK(m[2].mountpoint == "/back\\slash");
}
