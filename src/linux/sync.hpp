// The parent (runac create) and the container's init talk over a
// SOCK_SEQPACKET pair: one message per step, EOF when the other side died.
#pragma once
#include <optional>
#include <string>

namespace runac::linux {

void send_message(int fd, const std::string& msg);
// One message with one fd attached (SCM_RIGHTS).
void send_with_fd(int sock, const std::string& msg, int fd_to_pass);
struct Message {
    std::string text;
    int fd = -1;  // an attached fd, owned by the receiver
};
// nullopt on EOF.
std::optional<Message> receive_message(int fd);

// In a child of runac's: tells the parent why it gives up ("error:MESSAGE",
// best effort) and exits 1.
[[noreturn]] void fail_to_parent(int fd, const std::string& message);

}  // namespace runac::linux
