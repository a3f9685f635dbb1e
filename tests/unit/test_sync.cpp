// The parent <-> init channel: typed messages of any size, fds alongside,
// and errors that say what was expected and what came.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "common/error.hpp"
#include "linux/sync.hpp"

using namespace runac;
using namespace runac::linux;

namespace {
struct Pair {
    UniqueFd a, b;
    Pair() {
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) == 0);
        a.reset(fds[0]);
        b.reset(fds[1]);
    }
};
}  // namespace

TEST_CASE("a payload far larger than the socket's buffer arrives whole") {
    Pair p;
    std::string big(3 * 1024 * 1024, '\0');
    for (size_t i = 0; i < big.size(); i++) big[i] = static_cast<char>(i * 7 + i / 4096);
    std::thread sender([&] { Channel(p.a.get()).send(Msg::Go, big); });
    Message m = Channel(p.b.get()).expect(Msg::Go, "container init");
    sender.join();
    CHECK(m.payload == big);
    CHECK(!m.fd);
}

TEST_CASE("an fd rides along with its message, and an empty payload stays empty") {
    Pair p;
    UniqueFd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    Channel(p.a.get()).send(Msg::Console, "", devnull.get());
    Channel(p.a.get()).send(Msg::Ready);
    Message m = Channel(p.b.get()).expect(Msg::Console, "runac create");
    CHECK(m.fd);
    CHECK(m.payload.empty());
    CHECK(Channel(p.b.get()).expect(Msg::Ready, "runac create").payload.empty());
}

TEST_CASE("an unexpected message names both kinds; Failed carries the child's error line") {
    Pair p;
    Channel(p.a.get()).send(Msg::Ready);
    CHECK_THROWS_WITH(Channel(p.b.get()).expect(Msg::HooksDone, "container init"),
                      "container init: expected hooks-done, got ready");
    Channel(p.a.get()).send(Msg::Failed, "mount /proc: Permission denied");
    CHECK_THROWS_WITH(Channel(p.b.get()).expect(Msg::Ready, "runac create"), "mount /proc: Permission denied");
}

TEST_CASE("the other side's end is reported as such, not as a message") {
    Pair p;
    Channel(p.a.get()).send(Msg::RunHooks);
    p.a.reset();
    CHECK(Channel(p.b.get()).receive()->kind == Msg::RunHooks);
    CHECK_FALSE(Channel(p.b.get()).receive().has_value());
    Pair q;
    q.a.reset();
    CHECK_THROWS_WITH(Channel(q.b.get()).expect(Msg::Go, "container init"),
                      "container init: the other side closed the channel before go");
}

TEST_CASE("a datagram that is not a header is refused") {
    Pair p;
    REQUIRE(::send(p.a.get(), "go", 2, 0) == 2);
    CHECK_THROWS_WITH(Channel(p.b.get()).receive(), "sync: a malformed message header");
}
