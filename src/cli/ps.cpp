// runac ps: the container's processes, as runc lists them: the host's
// ps(1) output (arguments after the id go to ps, default -ef) reduced to
// the lines of pids in the container's cgroup, or those pids as JSON.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/command.hpp"
#include "common/error.hpp"
#include "common/fd.hpp"
#include "common/files.hpp"
#include "common/json.hpp"
#include "container/container.hpp"

namespace runac::cli {

namespace {

// ps ARGS..., stdout and stderr together (runc quotes both on failure).
std::string run_ps(const std::vector<std::string>& ps_args) {
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) throw_errno("pipe");
    UniqueFd read_end(pipefd[0]), write_end(pipefd[1]);
    std::vector<std::string> argv_s = {"ps"};
    argv_s.insert(argv_s.end(), ps_args.begin(), ps_args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) throw_errno("fork");
    if (pid == 0) {
        ::dup2(write_end.get(), 1);
        ::dup2(write_end.get(), 2);
        ::execvp("ps", argv.data());
        std::fprintf(stderr, "exec: \"ps\": %s\n", std::strerror(errno));
        ::_exit(127);
    }
    write_end.reset();
    std::string out;
    char buf[8192];
    for (ssize_t n; (n = ::read(read_end.get(), buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw Error("ps: exit status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) +
                    ": " + out);
    return out;
}

int run_ps_command(const GlobalOptions& global, const Args& args) {
    if (args.positional.empty()) throw Error("ps: requires a container id");
    std::string format = args.get("format", "table");
    if (format != "table" && format != "json") throw Error("invalid format option");
    std::vector<pid_t> pids;
    {
        auto c = container::Container::load(global.root, args.positional[0], false);
        pids = c.cgroup().pids();
    }
    if (format == "json") {
        // Go's encoding of a nil slice, as runc prints an empty container.
        if (pids.empty()) {
            std::printf("null\n");
            return 0;
        }
        JsonWriter w;
        w.begin_array();
        for (pid_t p : pids) w.value(static_cast<int64_t>(p));
        w.end_array();
        std::printf("%s\n", w.str().c_str());
        return 0;
    }
    std::vector<std::string> ps_args(args.positional.begin() + 1, args.positional.end());
    if (ps_args.empty()) ps_args = {"-ef"};
    std::vector<std::string> out = lines(run_ps(ps_args));
    std::string header = out.empty() ? "" : out[0];
    auto names = words(header);
    size_t pid_index = names.size();
    for (size_t i = 0; i < names.size(); i++)
        if (names[i] == "PID") pid_index = i;
    if (pid_index == names.size()) throw Error("couldn't find PID field in ps output");
    std::printf("%s\n", header.c_str());
    for (size_t i = 1; i < out.size(); i++) {
        const std::string& line = out[i];
        if (line.empty()) continue;
        auto f = words(line);
        if (f.size() <= pid_index) continue;
        pid_t p = 0;
        try {
            p = static_cast<pid_t>(std::stol(f[pid_index]));
        } catch (const std::exception&) {
            throw Error("unable to parse pid: " + f[pid_index]);
        }
        for (pid_t q : pids)
            if (q == p) std::printf("%s\n", line.c_str());
    }
    return 0;
}

}  // namespace

Command ps_command() {
    return {"ps", "ps displays the processes running inside a container",
            "Usage: runac ps [options] <container-id> [ps options]\n\n"
            "Options:\n"
            "  --format, -f table|json  table: ps(1) lines of the container's processes (ps options\n"
            "                           after the id, default -ef); json: their pids\n",
            {{{"format", "f"}, true}}, run_ps_command, true};
}

}  // namespace runac::cli
