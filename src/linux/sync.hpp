// The parent (runac create or exec) and the process it starts talk over a
// SOCK_SEQPACKET pair, in typed messages of any length: a header (kind,
// payload size, maybe one fd) and then the payload in chunks. EOF means
// the other side is gone.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "common/fd.hpp"

namespace runac::linux {

enum class Msg : uint32_t {
    Go = 1,         // parent -> child: in its cgroups, id maps written; payload: the state (init) or ""
    RunHooks,       // init -> parent: the mounts are in place, run prestart and createRuntime now
    HooksDone,      // parent -> init
    Console,        // child -> parent: fd, the terminal's master
    SeccompNotify,  // child -> parent: fd, the seccomp listener
    Ready,          // child -> parent: set up; the init now waits for start, an exec'd process execs
    Failed,         // child -> parent: payload, the error line
    InitCloned,     // namespace joiner -> parent: fd, the init's pidfd; payload "cgroup" if born in it
    MountSource,    // init -> parent: payload, the index of a config mount whose bind source it cannot reach;
                    // parent -> init: fd, that source opened as the host's root (none if it cannot be)
};

// "go", "run-hooks", ...: what error lines call a message.
const char* message_name(Msg kind);

struct Message {
    Msg kind;
    std::string payload;
    UniqueFd fd;  // the attached fd, if any
};

class Channel {
public:
    explicit Channel(int fd) : fd_(fd) {}
    int fd() const { return fd_; }

    void send(Msg kind, const std::string& payload = "", int fd_to_pass = -1) const;
    // nullopt on EOF. A malformed or truncated message throws.
    std::optional<Message> receive() const;
    // The next message, which must be `want`: a Failed message throws its
    // text; another kind throws "WHO: expected WANT, got OTHER"; EOF
    // throws "WHO: the other side closed the channel before WANT". `who`
    // names the receiver ("container init").
    Message expect(Msg want, const std::string& who) const;

    // In a child of runac's: tells the parent why it gives up (best effort)
    // and exits 1.
    [[noreturn]] void fail(const std::string& message) const;

private:
    int fd_;
};

// One message with one fd attached (SCM_RIGHTS): the protocol of a
// --console-socket and of a seccomp listenerPath.
void send_with_fd(int sock, const std::string& msg, int fd_to_pass);

}  // namespace runac::linux
