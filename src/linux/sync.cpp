#include "linux/sync.hpp"

#include <cerrno>
#include <sys/socket.h>

#include "common/error.hpp"

namespace runac::linux {

void send_message(int fd, const std::string& msg) {
    while (::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL) < 0)
        if (errno != EINTR) throw_errno("sync: send");
}

std::optional<std::string> receive_message(int fd) {
    char buf[4096];
    for (;;) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) return std::string(buf, static_cast<size_t>(n));
        if (n == 0) return std::nullopt;
        if (errno != EINTR) {
            if (errno == ECONNRESET) return std::nullopt;
            throw_errno("sync: receive");
        }
    }
}

}  // namespace runac::linux
