#include "linux/sync.hpp"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

#include "common/error.hpp"

namespace runac::linux {

void send_message(int fd, const std::string& msg) {
    while (::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL) < 0)
        if (errno != EINTR) throw_errno("sync: send");
}

void send_with_fd(int sock, const std::string& msg, int fd_to_pass) {
    struct iovec iov = {const_cast<char*>(msg.data()), msg.size()};
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    struct msghdr mh = {};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = control;
    mh.msg_controllen = sizeof control;
    struct cmsghdr* cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cm), &fd_to_pass, sizeof(int));
    while (::sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
        if (errno != EINTR) throw_errno("send an fd");
}

std::optional<Message> receive_message(int fd) {
    char buf[4096];
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    for (;;) {
        struct iovec iov = {buf, sizeof buf};
        struct msghdr mh = {};
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = control;
        mh.msg_controllen = sizeof control;
        ssize_t n = ::recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
        if (n > 0) {
            Message m{std::string(buf, static_cast<size_t>(n)), -1};
            for (struct cmsghdr* cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
                if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
                    std::memcpy(&m.fd, CMSG_DATA(cm), sizeof(int));
            return m;
        }
        if (n == 0) return std::nullopt;
        if (errno != EINTR) {
            if (errno == ECONNRESET) return std::nullopt;
            throw_errno("sync: receive");
        }
    }
}

void fail_to_parent(int fd, const std::string& message) {
    try {
        send_message(fd, "error:" + message);
    } catch (...) {
    }
    ::_exit(1);
}

}  // namespace runac::linux
