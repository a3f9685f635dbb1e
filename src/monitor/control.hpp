// The monitor's control socket: a unix stream socket in the container's
// state directory (root's alone, 0700), where `runac approvals`, `approve`
// and `deny` ask the monitor of a container with escalation: prompt. One
// JSON object a connection each way, then the monitor closes it:
//
//   {"list": true}                     -> {"requests": [REQUEST, ...]}
//   {"approve": 3, "persist": false}   -> {"request": REQUEST} or {"error": "..."}
//   {"deny": 3}                        -> {"request": REQUEST} or {"error": "..."}
//
// The monitor binds it while still root and answers only root's processes.
#pragma once
#include <string>

#include "common/fd.hpp"

namespace runac::monitor {

inline constexpr const char* kControlSocket = "approvals.sock";

// Binds and listens at `path` (0600); throws an Error.
UniqueFd listen_control(const std::string& path);

// The monitor's side of one connection on `listener`: the question, or ""
// when it was not root's or not one line in time (answer nothing then).
struct Question {
    UniqueFd conn;
    std::string text;
};
Question accept_question(int listener);
void answer(const Question& q, const std::string& json);

// The CLI's side: the monitor's answer to `question`. Throws an Error when
// there is no monitor listening.
std::string ask(const std::string& path, const std::string& question);

}  // namespace runac::monitor
