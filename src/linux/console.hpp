// process.terminal: the container's pseudoterminal. The init opens it inside
// the container's own devpts and makes it its controlling terminal; the
// master end goes to the engine (--console-socket) or to a foreground
// `runac run`, which relays it to its own terminal.
#pragma once
#include <optional>
#include <string>
#include <termios.h>

#include "common/fd.hpp"
#include "oci/config.hpp"

namespace runac::linux {

// Inside the container (after pivot_root, or joined): opens a pty in the
// container's devpts and makes it stdin/stdout/stderr and the controlling
// terminal of a new session; the init also binds it onto /dev/console (an
// exec'd process must leave the container's console alone). Returns the master.
enum class Console { Bind, Leave };
UniqueFd open_container_console(const std::optional<std::pair<unsigned, unsigned>>& size, Console dev_console);

// Sends the master to an engine's console socket, as runc does (SCM_RIGHTS).
void send_console(const std::string& socket_path, int master);

// Foreground `run`: relays between our stdio and the master until the
// master hangs up; puts our terminal in raw mode meanwhile.
class ConsoleRelay {
public:
    explicit ConsoleRelay(UniqueFd master);
    ~ConsoleRelay();
    int master() const { return master_.get(); }
    // Copies what the container wrote to our stdout; false once its side is closed.
    bool forward_output();
    // Copies our stdin to the container; false at end of input.
    bool forward_input();
    void resize_from_stdin() const;

private:
    UniqueFd master_;
    bool restore_ = false;
    struct ::termios saved_ = {};
};

}  // namespace runac::linux
