// A seccomp user-notification agent for the tests: it receives the listener
// fd and the container's process state on a unix socket (runtime-spec
// `listenerPath`), records the state, and answers every notified syscall
// with EXDEV, so a test can see from inside the container that its syscall
// was decided here.
//   seccomp-listener SOCKET STATE_FILE
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <poll.h>
#include <seccomp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "receive_fd.hpp"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s SOCKET STATE_FILE\n", argv[0]);
        return 2;
    }
    std::string state;
    int fd = receive_fd(argv[1], state);
    FILE* out = std::fopen(argv[2], "w");
    std::fwrite(state.data(), 1, state.size(), out);
    std::fclose(out);
    if (fd < 0) return 1;
    for (;;) {
        pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 30000) <= 0 || (p.revents & (POLLHUP | POLLERR))) return 0;
        seccomp_notif* req;
        seccomp_notif_resp* resp;
        if (seccomp_notify_alloc(&req, &resp) != 0) return 1;
        if (seccomp_notify_receive(fd, req) == 0) {
            resp->id = req->id;
            resp->error = -EXDEV;
            resp->val = 0;
            resp->flags = 0;
            seccomp_notify_respond(fd, resp);
        }
        seccomp_notify_free(req, resp);
    }
}
