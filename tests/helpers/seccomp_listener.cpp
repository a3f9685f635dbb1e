// A seccomp user-notification agent for the tests: it receives listener fds
// and process states on a unix socket (runtime-spec `listenerPath`: one
// connection for the container's init, one more for each `exec`), appends
// each state to STATE_FILE (a line each), and answers every notified
// syscall with EXDEV, so a test can see from inside the container that its
// syscall was decided here. With HOLD_FILE, the syscalls of every process
// after the first (the exec'd ones) are answered only once HOLD_FILE
// exists: the test keeps such a process parked inside its syscall.
//   seccomp-listener SOCKET STATE_FILE [HOLD_FILE]
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <poll.h>
#include <seccomp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

#include "receive_fd.hpp"

namespace {

void answer(int fd) {
    seccomp_notif* req;
    seccomp_notif_resp* resp;
    if (seccomp_notify_alloc(&req, &resp) != 0) return;
    if (seccomp_notify_receive(fd, req) == 0) {
        resp->id = req->id;
        resp->error = -EXDEV;
        resp->val = 0;
        resp->flags = 0;
        seccomp_notify_respond(fd, resp);
    }
    seccomp_notify_free(req, resp);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3 && argc != 4) {
        std::fprintf(stderr, "usage: %s SOCKET STATE_FILE [HOLD_FILE]\n", argv[0]);
        return 2;
    }
    const char* hold = argc == 4 ? argv[3] : nullptr;
    int srv = listen_on(argv[1]);
    if (srv < 0) return 1;
    std::vector<int> fds;  // notify fds, in the order they came
    for (;;) {
        std::vector<pollfd> p = {{srv, POLLIN, 0}};
        struct stat st;
        bool held = hold && ::stat(hold, &st) != 0;
        for (size_t i = 0; i < fds.size(); i++)
            p.push_back({(i > 0 && held) ? -1 : fds[i], POLLIN, 0});
        int n = poll(p.data(), p.size(), held ? 20 : 30000);
        if (n < 0) return 1;
        if (n == 0 && !held) return 0;  // idle: the test is over
        if (p[0].revents & POLLIN) {
            std::string state;
            int fd = accept_fd(srv, state);
            FILE* out = std::fopen(argv[2], "a");
            std::fprintf(out, "%s\n", state.c_str());
            std::fclose(out);
            if (fd >= 0) fds.push_back(fd);
        }
        for (size_t i = 1; i < p.size(); i++) {
            if (p[i].revents & POLLIN) answer(fds[i - 1]);
            if (p[i].revents & (POLLHUP | POLLERR)) {
                close(fds[i - 1]);
                fds[i - 1] = -1;
            }
        }
        bool any = false;
        for (int fd : fds) any = any || fd >= 0;
        if (!fds.empty() && !any && !held) return 0;
    }
}
