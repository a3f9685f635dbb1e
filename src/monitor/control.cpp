#include "monitor/control.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/error.hpp"

namespace runac::monitor {

namespace {

constexpr size_t kMaxMessage = 64 * 1024;
constexpr int kTimeoutMs = 2000;

sockaddr_un address_of(const std::string& path) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (path.size() >= sizeof a.sun_path)
        throw Error("policy.escalation: the control socket path " + path + " is longer than " +
                    std::to_string(sizeof a.sun_path - 1) + " bytes");
    std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
    return a;
}

// Up to a newline or the peer's end, within the timeout.
std::string read_message(int fd) {
    std::string text;
    char buf[4096];
    while (text.size() < kMaxMessage && text.find('\n') == std::string::npos) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, kTimeoutMs) <= 0) break;
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        text.append(buf, static_cast<size_t>(n));
    }
    if (auto nl = text.find('\n'); nl != std::string::npos) text.resize(nl);
    return text;
}

void send_message(int fd, const std::string& json) {
    std::string line = json + "\n";
    size_t off = 0;
    while (off < line.size()) {
        ssize_t n = ::send(fd, line.data() + off, line.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        off += static_cast<size_t>(n);
    }
}

}  // namespace

UniqueFd listen_control(const std::string& path) {
    sockaddr_un a = address_of(path);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) throw_errno("policy.escalation: control socket");
    ::unlink(path.c_str());
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::chmod(path.c_str(), 0600) != 0 ||
        ::listen(fd.get(), 8) != 0)
        throw_errno("policy.escalation: listen at " + path);
    return fd;
}

Question accept_question(int listener) {
    Question q;
    q.conn.reset(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    if (!q.conn) return q;
    ucred peer{};
    socklen_t len = sizeof peer;
    if (::getsockopt(q.conn.get(), SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 || peer.uid != 0) return q;
    q.text = read_message(q.conn.get());
    return q;
}

void answer(const Question& q, const std::string& json) {
    if (q.conn) send_message(q.conn.get(), json);
}

std::string ask(const std::string& path, const std::string& question) {
    sockaddr_un a = address_of(path);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw_errno("socket");
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
        throw Error("the container's monitor is not running (" + std::string(std::strerror(errno)) +
                    "): its requests ended with it");
    send_message(fd.get(), question);
    std::string reply = read_message(fd.get());
    if (reply.empty()) throw Error("the container's monitor did not answer");
    return reply;
}

}  // namespace runac::monitor
