// The receiving end of a runtime's fd handoff (console socket, seccomp
// listener): listen on a unix socket, accept one connection, take one
// message and the fd that came with it (SCM_RIGHTS).
#pragma once
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

// A listening socket at socket_path, or -1.
inline int listen_on(const char* socket_path) {
    int srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket_path, sizeof addr.sun_path - 1);
    unlink(socket_path);
    if (bind(srv, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(srv, 4) != 0) return -1;
    return srv;
}

// Accepts one connection on `srv`; returns the fd it passed, or -1;
// `payload` gets the message bytes.
inline int accept_fd(int srv, std::string& payload) {
    int conn = accept(srv, nullptr, nullptr);
    static char buf[65536];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    iovec iov = {buf, sizeof buf};
    msghdr mh = {};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = control;
    mh.msg_controllen = sizeof control;
    ssize_t n = recvmsg(conn, &mh, 0);
    if (n <= 0) return -1;
    payload.assign(buf, static_cast<size_t>(n));
    int fd = -1;
    for (cmsghdr* cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) std::memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    close(conn);
    return fd;
}

// One connection on a fresh socket at socket_path.
inline int receive_fd(const char* socket_path, std::string& payload) {
    int srv = listen_on(socket_path);
    if (srv < 0) return -1;
    int fd = accept_fd(srv, payload);
    close(srv);
    return fd;
}
