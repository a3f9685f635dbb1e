// runc-style flag parsing.
#include <doctest/doctest.h>

#include <csignal>

#include "cli/args.hpp"
#include "common/error.hpp"
#include "linux/process.hpp"

using namespace runac::cli;

namespace {
const std::vector<Flag> kFlags = {{{"bundle", "b"}, true}, {{"detach", "d"}, false}};
Args parse(std::vector<std::string> argv) { return parse_args(kFlags, argv, 0, "test", true); }
}  // namespace

TEST_CASE("single and double dashes, = and separate values are the same flag") {
    for (auto argv : std::vector<std::vector<std::string>>{
             {"--bundle", "/b", "id"}, {"-bundle", "/b", "id"}, {"--bundle=/b", "id"}, {"-b", "/b", "id"}}) {
        Args a = parse(argv);
        CHECK(a.get("bundle") == "/b");
        CHECK(a.positional == std::vector<std::string>{"id"});
    }
}

TEST_CASE("boolean flags take an optional =true|false") {
    CHECK(parse({"-d", "id"}).flag("detach"));
    CHECK_FALSE(parse({"--detach=false", "id"}).flag("detach"));
    CHECK_THROWS_AS(parse({"--detach=maybe", "id"}), runac::Error);
}

TEST_CASE("parsing stops at the first positional argument and after --") {
    Args a = parse({"id", "-d"});
    CHECK_FALSE(a.flag("detach"));
    CHECK(a.positional == std::vector<std::string>{"id", "-d"});
    CHECK(parse({"--", "-d"}).positional == std::vector<std::string>{"-d"});
}

TEST_CASE("unknown flags and missing values are errors") {
    CHECK_THROWS_WITH(parse({"--nope", "id"}), "test: flag provided but not defined: -nope");
    CHECK_THROWS_WITH(parse({"--bundle"}), "test: flag needs an argument: -bundle");
}

TEST_CASE("signals parse by name, SIG-name and number") {
    using runac::linux::parse_signal;
    CHECK(parse_signal("KILL") == 9);
    CHECK(parse_signal("SIGKILL") == 9);
    CHECK(parse_signal("sigterm") == 15);
    CHECK(parse_signal("9") == 9);
    CHECK(parse_signal("RTMIN+1") == SIGRTMIN + 1);
    CHECK_THROWS_WITH(parse_signal("NOPE"), "unknown signal \"NOPE\"");
    CHECK_THROWS_WITH(parse_signal("0"), "unknown signal \"0\"");
}

TEST_CASE("a repeated flag keeps every value, in order") {
    Args a = parse({"-b", "/one", "--bundle=/two", "id"});
    CHECK(a.all("bundle") == std::vector<std::string>{"/one", "/two"});
    CHECK(a.get("bundle") == "/two");
    CHECK(a.all("detach").empty());
}
