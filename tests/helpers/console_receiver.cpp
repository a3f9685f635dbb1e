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

#include "receive_fd.hpp"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s SOCKET INPUT\n", argv[0]);
        return 2;
    }
    std::string name;
    int master = receive_fd(argv[1], name);
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
