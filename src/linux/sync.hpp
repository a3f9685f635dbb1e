// The parent (runac create) and the container's init talk over a
// SOCK_SEQPACKET pair: one message per step, EOF when the other side died.
#pragma once
#include <optional>
#include <string>

namespace runac::linux {

void send_message(int fd, const std::string& msg);
// nullopt on EOF.
std::optional<std::string> receive_message(int fd);

}  // namespace runac::linux
