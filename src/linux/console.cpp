#include "linux/console.hpp"

#include <cerrno>
#include <algorithm>
#include <cstdlib>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "common/error.hpp"
#include "linux/sync.hpp"

namespace runac::linux {

UniqueFd open_container_console(const std::optional<std::pair<unsigned, unsigned>>& size, Console dev_console) {
    // /dev/ptmx is the container's devpts instance: the pty belongs to it.
    UniqueFd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master) throw_errno("process.terminal: open /dev/ptmx");
    if (::unlockpt(master.get()) != 0) throw_errno("process.terminal: unlockpt");
    // TIOCGPTPEER opens the slave through the master, never by a path name
    // the container could have replaced.
    UniqueFd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave) throw_errno("process.terminal: open the pty slave");
    if (size) {
        struct winsize ws = {};
        ws.ws_row = static_cast<unsigned short>(size->first);
        ws.ws_col = static_cast<unsigned short>(size->second);
        if (::ioctl(slave.get(), TIOCSWINSZ, &ws) != 0) throw_errno("process.consoleSize");
    }
    // /dev/console is the pty, as in runc (a file to bind onto, on the /dev tmpfs).
    int console = dev_console == Console::Bind
                      ? ::open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0666)
                      : -1;
    if (console >= 0) {
        ::close(console);
        std::string slave_path = "/proc/self/fd/" + std::to_string(slave.get());
        if (::mount(slave_path.c_str(), "/dev/console", nullptr, MS_BIND, nullptr) != 0)
            throw_errno("process.terminal: bind the pty onto /dev/console");
    }
    if (::setsid() < 0) throw_errno("process.terminal: setsid");
    if (::ioctl(slave.get(), TIOCSCTTY, 0) != 0) throw_errno("process.terminal: make it the controlling terminal");
    for (int fd = 0; fd <= 2; fd++)
        if (::dup2(slave.get(), fd) < 0) throw_errno("process.terminal: dup2");
    return master;
}

void send_console(const std::string& socket_path, int master) {
    UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock) throw_errno("--console-socket: socket");
    struct sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof addr.sun_path) throw Error("--console-socket: path too long");
    std::copy(socket_path.begin(), socket_path.end(), addr.sun_path);
    if (::connect(sock.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0)
        throw_errno("--console-socket: connect " + socket_path);
    send_with_fd(sock.get(), "/dev/ptmx", master);
}

ConsoleRelay::ConsoleRelay(UniqueFd master) : master_(std::move(master)) {
    // Our own terminal does the output processing: the container's must not
    // turn "\n" into "\r\n" a second time (runc clears ONLCR as it relays).
    struct termios pty;
    if (::tcgetattr(master_.get(), &pty) == 0) {
        pty.c_oflag &= ~static_cast<tcflag_t>(ONLCR);
        ::tcsetattr(master_.get(), TCSANOW, &pty);
    }
    if (::isatty(0)) {
        if (::tcgetattr(0, &saved_) == 0) {
            struct termios raw = saved_;
            ::cfmakeraw(&raw);
            restore_ = ::tcsetattr(0, TCSANOW, &raw) == 0;
        }
        resize_from_stdin();
    }
}

ConsoleRelay::~ConsoleRelay() {
    if (restore_) ::tcsetattr(0, TCSANOW, &saved_);
}

void ConsoleRelay::resize_from_stdin() const {
    struct winsize ws;
    if (::ioctl(0, TIOCGWINSZ, &ws) == 0) ::ioctl(master_.get(), TIOCSWINSZ, &ws);
}

bool ConsoleRelay::forward_output() {
    char buf[8192];
    ssize_t n = ::read(master_.get(), buf, sizeof buf);
    if (n <= 0) return n < 0 && (errno == EINTR || errno == EAGAIN);  // EIO: the container side is gone
    for (ssize_t off = 0; off < n;) {
        ssize_t w = ::write(1, buf + off, static_cast<size_t>(n - off));
        if (w <= 0) break;
        off += w;
    }
    return true;
}

bool ConsoleRelay::forward_input() {
    char buf[8192];
    ssize_t n = ::read(0, buf, sizeof buf);
    if (n <= 0) return n < 0 && errno == EINTR;
    (void)!::write(master_.get(), buf, static_cast<size_t>(n));
    return true;
}

}  // namespace runac::linux
