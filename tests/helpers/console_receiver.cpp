// Plays an engine's side of --console-socket for the tests: receives the pty
// master on a unix socket, prints its window size, types INPUT into the
// terminal and copies what the container writes to stdout until it hangs up.
//   console-receiver SOCKET INPUT
#include <cstdio>
#include <cstring>
#include <poll.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s SOCKET INPUT\n", argv[0]);
        return 2;
    }
    int srv = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    unlink(argv[1]);
    if (bind(srv, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(srv, 1) != 0) return 1;
    int conn = accept(srv, nullptr, nullptr);
    char name[256] = {};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    iovec iov = {name, sizeof name - 1};
    msghdr mh = {};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = control;
    mh.msg_controllen = sizeof control;
    if (recvmsg(conn, &mh, 0) <= 0) return 1;
    int master = -1;
    for (cmsghdr* cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
        if (cm->cmsg_type == SCM_RIGHTS) std::memcpy(&master, CMSG_DATA(cm), sizeof master);
    if (master < 0) return 1;
    winsize ws = {};
    ioctl(master, TIOCGWINSZ, &ws);
    std::printf("size %u %u\n", ws.ws_row, ws.ws_col);
    std::fflush(stdout);
    std::string input = std::string(argv[2]) + "\n";
    if (write(master, input.data(), input.size()) < 0) return 1;
    char buf[4096];
    for (;;) {
        pollfd p = {master, POLLIN, 0};
        if (poll(&p, 1, 20000) <= 0) return 1;
        ssize_t n = read(master, buf, sizeof buf);
        if (n <= 0) return 0;  // EIO: the container closed its side
        fwrite(buf, 1, static_cast<size_t>(n), stdout);
        fflush(stdout);
    }
}
