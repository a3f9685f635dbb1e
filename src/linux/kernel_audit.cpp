#include "linux/kernel_audit.hpp"

#include <linux/audit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "common/error.hpp"

namespace runac::linux {

namespace {

constexpr int kLogGroup = 1;  // AUDIT_NLGRP_READLOG

UniqueFd audit_socket() {
    return UniqueFd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT));
}

}  // namespace

int kernel_audit_enabled() {
    UniqueFd s = audit_socket();
    if (!s) return -errno;
    struct {
        nlmsghdr header;
        audit_status status;
    } request{};
    request.header.nlmsg_len = NLMSG_LENGTH(0);
    request.header.nlmsg_type = AUDIT_GET;
    request.header.nlmsg_flags = NLM_F_REQUEST;
    request.header.nlmsg_seq = 1;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(s.get(), &request, request.header.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
                 sizeof kernel) < 0)
        return -errno;
    // The answer, or an error message, comes at once; never wait long for it.
    pollfd p{s.get(), POLLIN, 0};
    if (::poll(&p, 1, 1000) != 1) return -ETIMEDOUT;
    alignas(nlmsghdr) char buffer[512];
    ssize_t n = ::recv(s.get(), buffer, sizeof buffer, 0);
    if (n < 0) return -errno;
    auto* h = reinterpret_cast<nlmsghdr*>(buffer);
    if (n < static_cast<ssize_t>(sizeof(nlmsghdr)) || !NLMSG_OK(h, static_cast<uint32_t>(n))) return -EPROTO;
    if (h->nlmsg_type == NLMSG_ERROR) return static_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
    constexpr size_t kEnabledEnd = offsetof(audit_status, enabled) + sizeof(uint32_t);
    if (h->nlmsg_type != AUDIT_GET || h->nlmsg_len < NLMSG_LENGTH(kEnabledEnd)) return -EPROTO;
    uint32_t enabled = 0;
    std::memcpy(&enabled, static_cast<char*>(NLMSG_DATA(h)) + offsetof(audit_status, enabled), sizeof enabled);
    return enabled != 0 ? 1 : 0;
}

UniqueFd open_audit_log_group() {
    UniqueFd s = audit_socket();
    if (!s) throw_errno("kernel audit: socket");
    sockaddr_nl group{};
    group.nl_family = AF_NETLINK;
    group.nl_groups = 1u << (kLogGroup - 1);
    if (::bind(s.get(), reinterpret_cast<sockaddr*>(&group), sizeof group) != 0)
        throw_errno("kernel audit: join its log group");
    // A storm may outrun the reader: a larger buffer loses fewer records.
    int size = 1 << 20;
    ::setsockopt(s.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    int flags = 1;
    ::ioctl(s.get(), FIONBIO, &flags);
    return s;
}

void read_audit_records(int fd, const std::function<void(uint16_t, std::string_view)>& record) {
    alignas(nlmsghdr) static char buffer[16384];
    for (;;) {
        ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR || errno == ENOBUFS) continue;  // ENOBUFS: records were lost; go on
            return;
        }
        // One record a datagram. Its nlmsg_len is not to be trusted: the
        // kernel's unicast and multicast copies count the header
        // differently; the datagram's own length is what there is.
        if (n < static_cast<ssize_t>(NLMSG_HDRLEN)) continue;
        auto* h = reinterpret_cast<nlmsghdr*>(buffer);
        std::string_view text(buffer + NLMSG_HDRLEN, static_cast<size_t>(n) - NLMSG_HDRLEN);
        while (!text.empty() && (text.back() == '\0' || text.back() == '\n')) text.remove_suffix(1);
        record(static_cast<uint16_t>(h->nlmsg_type), text);
    }
}

}  // namespace runac::linux
