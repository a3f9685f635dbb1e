#include "linux/hooks.hpp"

#include "common/log.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "common/files.hpp"

namespace runac::linux {

namespace {

// A signal as Go names it in an exit status: "killed", "segmentation fault".
std::string signal_words(int sig) {
    const char* d = sigdescr_np(sig);
    std::string words = d ? d : "signal " + std::to_string(sig);
    for (auto& c : words) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return words;
}

long now_ms() {
    struct timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

// The hook's output joins its error message, as runc reports it.
void run_hook(const oci::Hook& hook, const std::string& where, const std::string& state_json, const char* kind) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw_errno(where + ": pipe");
    UniqueFd in_read(in[0]), in_write(in[1]), out_read(out[0]), out_write(out[1]);
    std::vector<char*> argv, envp;
    std::vector<std::string> args = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (auto& e : hook.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);

    pid_t pid = ::fork();
    if (pid < 0) throw_errno(where + ": fork");
    if (pid == 0) {
        ::dup2(in_read.get(), 0);
        ::dup2(out_write.get(), 1);
        ::dup2(out_write.get(), 2);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execve(hook.path.c_str(), argv.data(), envp.data());
        std::string msg = std::string("exec: ") + std::strerror(errno);
        (void)!::write(2, msg.data(), msg.size());
        ::_exit(127);
    }
    in_read.reset();
    out_write.reset();
    // The state goes in while the output comes out, whatever their sizes:
    // a state larger than the pipe (big annotations) must neither block on a
    // hook that does not read it nor outlast the hook's timeout. A hook
    // that does not read its stdin must not kill us with SIGPIPE either; the
    // old disposition comes back, since the init execs the user's program
    // next and an ignored signal would stay ignored there.
    if (::fcntl(in_write.get(), F_SETFL, O_NONBLOCK) != 0) throw_errno(where + ": fcntl");
    struct sigaction ignore = {}, old = {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &old);
    size_t written = 0;
    if (state_json.empty()) in_write.reset();
    std::string output;
    long deadline = hook.timeout ? now_ms() + *hook.timeout * 1000L : -1;
    bool timed_out = false;
    for (;;) {
        int wait_ms = deadline < 0 ? -1 : static_cast<int>(std::max(0L, deadline - now_ms()));
        struct pollfd p[2] = {{out_read.get(), POLLIN, 0}, {in_write.get(), POLLOUT, 0}};
        int n = ::poll(p, in_write ? 2 : 1, wait_ms);
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) {
            timed_out = true;
            ::kill(pid, SIGKILL);
            break;
        }
        if (in_write && p[1].revents) {
            ssize_t w = ::write(in_write.get(), state_json.data() + written, state_json.size() - written);
            if (w > 0) written += static_cast<size_t>(w);
            if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == state_json.size()) in_write.reset();
        }
        if (!p[0].revents) continue;
        char buf[4096];
        ssize_t r = ::read(out_read.get(), buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;  // EOF: the hook (and whatever inherited its output) is done
        if (output.size() < 4096) output.append(buf, static_cast<size_t>(r));
    }
    in_write.reset();
    ::sigaction(SIGPIPE, &old, nullptr);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    output = trim(output);
    std::string detail = output.empty() ? "" : ": " + output;
    if (timed_out) throw Error(where + ": " + hook.path + " timed out after " + std::to_string(*hook.timeout) + "s");
    // runc's words, which callers match: "error running hook", then Go's
    // "signal: killed" or "exit status 3".
    if (WIFSIGNALED(status))
        throw Error(where + ": error running " + kind + " " + hook.path + ": signal: " + signal_words(WTERMSIG(status)) +
                    detail);
    if (WEXITSTATUS(status) != 0)
        throw Error(where + ": error running " + kind + " " + hook.path + ": exit status " +
                    std::to_string(WEXITSTATUS(status)) + detail);
}

void run_hooks(const std::vector<oci::Hook>& hooks, const std::string& name, const oci::State& state) {
    if (hooks.empty()) return;
    const std::string state_json = oci::state_json(state);
    for (size_t i = 0; i < hooks.size(); i++)
        run_hook(hooks[i], "hooks." + name + "[" + std::to_string(i) + "]", state_json);
}

void run_hooks_warning_on_failure(const std::vector<oci::Hook>& hooks, const std::string& name,
                                  const oci::State& state) {
    if (hooks.empty()) return;
    const std::string state_json = oci::state_json(state);
    for (size_t i = 0; i < hooks.size(); i++) {
        try {
            run_hook(hooks[i], "hooks." + name + "[" + std::to_string(i) + "]", state_json);
        } catch (const Error& e) {
            log::warn(e.what());
        }
    }
}

}  // namespace runac::linux
