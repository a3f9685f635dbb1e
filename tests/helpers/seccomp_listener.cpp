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

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s SOCKET STATE_FILE\n", argv[0]);
        return 2;
    }
    int srv = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    unlink(argv[1]);
    if (bind(srv, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(srv, 1) != 0) {
        perror("bind");
        return 1;
    }
    int conn = accept(srv, nullptr, nullptr);
    char buf[65536];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    iovec iov = {buf, sizeof buf - 1};
    msghdr mh = {};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = control;
    mh.msg_controllen = sizeof control;
    ssize_t n = recvmsg(conn, &mh, 0);
    if (n <= 0) {
        perror("recvmsg");
        return 1;
    }
    int fd = -1;
    for (cmsghdr* cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
        if (cm->cmsg_type == SCM_RIGHTS) std::memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    FILE* out = std::fopen(argv[2], "w");
    std::fwrite(buf, 1, static_cast<size_t>(n), out);
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
