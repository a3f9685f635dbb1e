#include "linux/sync.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

#include "common/error.hpp"

namespace runac::linux {

namespace {

struct Header {
    uint32_t kind;
    uint32_t has_fd;
    uint64_t size;
};

// A SOCK_SEQPACKET message is bounded by the socket's send buffer (about
// 200 KiB by default), so a payload travels in pieces well below it.
constexpr size_t kChunk = 32 * 1024;
// Both ends are runac; a larger size means a corrupted stream.
constexpr uint64_t kMaxPayload = 256ull << 20;

void send_bytes(int fd, const void* data, size_t size, int fd_to_pass) {
    struct iovec iov = {const_cast<void*>(data), size};
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    struct msghdr mh = {};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (fd_to_pass >= 0) {
        mh.msg_control = control;
        mh.msg_controllen = sizeof control;
        struct cmsghdr* cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(cm), &fd_to_pass, sizeof(int));
    }
    while (::sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
        if (errno != EINTR) throw_errno("sync: send");
}

// One datagram of exactly `size` bytes, or 0 on EOF; -1 with `fd` set when
// a descriptor came along.
ssize_t receive_bytes(int fd, void* data, size_t size, UniqueFd* passed) {
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    for (;;) {
        struct iovec iov = {data, size};
        struct msghdr mh = {};
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = control;
        mh.msg_controllen = sizeof control;
        ssize_t n = ::recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == ECONNRESET) return 0;
        if (n < 0) throw_errno("sync: receive");
        for (struct cmsghdr* cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
            if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
                int got;
                std::memcpy(&got, CMSG_DATA(cm), sizeof(int));
                if (passed) passed->reset(got);
                else ::close(got);
            }
        if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) throw Error("sync: a message was longer than announced");
        return n;
    }
}

}  // namespace

const char* message_name(Msg kind) {
    switch (kind) {
        case Msg::Go: return "go";
        case Msg::RunHooks: return "run-hooks";
        case Msg::HooksDone: return "hooks-done";
        case Msg::Console: return "console";
        case Msg::SeccompNotify: return "seccomp-notify";
        case Msg::Ready: return "ready";
        case Msg::Failed: return "failed";
        case Msg::InitCloned: return "init-cloned";
        case Msg::MountSource: return "mount-source";
    }
    return "an unknown message";
}

void Channel::send(Msg kind, const std::string& payload, int fd_to_pass) const {
    Header h = {static_cast<uint32_t>(kind), fd_to_pass >= 0, payload.size()};
    send_bytes(fd_, &h, sizeof h, fd_to_pass);
    for (size_t off = 0; off < payload.size(); off += kChunk)
        send_bytes(fd_, payload.data() + off, std::min(kChunk, payload.size() - off), -1);
}

std::optional<Message> Channel::receive() const {
    Header h;
    UniqueFd passed;
    ssize_t n = receive_bytes(fd_, &h, sizeof h, &passed);
    if (n == 0) return std::nullopt;
    if (n != sizeof h || h.size > kMaxPayload) throw Error("sync: a malformed message header");
    if (h.has_fd && !passed) throw Error(std::string("sync: ") + message_name(static_cast<Msg>(h.kind)) + " came without its fd");
    Message m{static_cast<Msg>(h.kind), std::string(h.size, '\0'), std::move(passed)};
    for (size_t off = 0; off < h.size;) {
        ssize_t got = receive_bytes(fd_, m.payload.data() + off, std::min<size_t>(kChunk, h.size - off), nullptr);
        if (got <= 0) return std::nullopt;  // the sender died halfway
        off += static_cast<size_t>(got);
    }
    return m;
}

Message Channel::expect(Msg want, const std::string& who) const {
    auto m = receive();
    if (!m) throw Error(who + ": the other side closed the channel before " + message_name(want));
    if (m->kind == want) return std::move(*m);
    if (m->kind == Msg::Failed) throw Error(m->payload);
    throw Error(who + ": expected " + message_name(want) + ", got " + message_name(m->kind));
}

void Channel::fail(const std::string& message) const {
    try {
        send(Msg::Failed, message);
    } catch (...) {
    }
    ::_exit(1);
}

void send_with_fd(int sock, const std::string& msg, int fd_to_pass) { send_bytes(sock, msg.data(), msg.size(), fd_to_pass); }

}  // namespace runac::linux
