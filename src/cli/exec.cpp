// runac exec: run a new process in a created or running container. The
// process is the container's own (config.json's process) with the flags'
// changes, or the whole process object of --process; it joins every
// namespace and the cgroup of the container and is confined as its init is.
#include <cctype>
#include <cstdlib>
#include <sys/capability.h>
#include <unistd.h>

#include "cli/command.hpp"
#include "cli/create_flags.hpp"
#include "cli/foreground.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/log.hpp"
#include "container/exec.hpp"

namespace runac::cli {

namespace {

uint32_t parse_id(const std::string& text, const char* flag) {
    char* end = nullptr;
    unsigned long n = std::strtoul(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || text[0] == '-' || n > 0xffffffffUL)
        throw Error(std::string(flag) + ": \"" + text + "\" is not a numeric id");
    return static_cast<uint32_t>(n);
}

// --cap NAME: added to the bounding, effective and permitted sets, and to
// the ambient set only when the process has inheritable capabilities at
// all (an ambient capability needs an inheritable one), as runc does.
void add_capability(oci::Process& p, const std::string& name) {
    cap_value_t cap;
    std::string lower = name;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (cap_from_name(lower.c_str(), &cap) != 0) throw Error("--cap: unknown capability \"" + name + "\"");
    if (!p.capabilities) p.capabilities = oci::Capabilities{};
    auto& c = *p.capabilities;
    for (auto* set : {&c.bounding, &c.effective, &c.permitted}) set->push_back(cap);
    if (!c.inheritable.empty()) c.ambient.push_back(cap);
}

oci::Process process_from_flags(const Args& args, const container::Container& c) {
    if (args.has("process")) {
        std::string path = args.get("process");
        std::string text = read_file(path == "-" ? "/dev/stdin" : path);
        return oci::parse_process_json(text, "--process " + path);
    }
    oci::Process p = c.config().process;
    p.args.assign(args.positional.begin() + 1, args.positional.end());
    if (!p.args.empty() && p.args[0] == "--") p.args.erase(p.args.begin());
    if (p.args.empty()) throw Error("exec: a command to run is required (or --process)");
    if (args.has("cwd")) {
        p.cwd = args.get("cwd");
        if (p.cwd.empty() || p.cwd[0] != '/') throw Error("--cwd: must be an absolute path");
    }
    for (auto& e : args.all("env")) p.env.push_back(e);
    // As runc: an exec'd process has a terminal only when --tty asks for
    // one, whatever the container's own process says.
    p.terminal = args.has("tty") && args.flag("tty");
    if (args.has("user")) {
        std::string u = args.get("user");
        auto colon = u.find(':');
        p.user.uid = parse_id(u.substr(0, colon), "--user");
        if (colon != std::string::npos) p.user.gid = parse_id(u.substr(colon + 1), "--user");
    }
    if (args.has("additional-gids")) {
        p.user.additional_gids.clear();
        for (auto& g : args.all("additional-gids")) p.user.additional_gids.push_back(parse_id(g, "--additional-gids"));
    }
    if (args.has("apparmor")) p.apparmor_profile = args.get("apparmor");
    if (args.flag("no-new-privs")) p.no_new_privileges = true;
    for (auto& cap : args.all("cap")) add_capability(p, cap);
    return p;
}

int exec_in_container(const GlobalOptions& global, const Args& args) {
    bool detach = args.flag("detach");
    container::ExecOptions options;
    options.console_socket = console_socket_flag(args);
    options.preserve_fds = preserve_fds_flag(args);
    options.cgroups = args.all("cgroup");
    options.ignore_paused = args.flag("ignore-paused");
    if (!args.get("process-label").empty())
        throw Error("--process-label: SELinux labels are not supported by this version of runac");
    UniqueFd console;
    sigset_t set = relayed_signals();
    pid_t pid;
    {
        // A shared lock: `state`, `kill` and other execs go on meanwhile.
        auto c = container::Container::load(global.root, args.positional[0], false);
        options.process = process_from_flags(args, c);
        // runc's rules: a terminal needs someone to hand its master to.
        if (detach && options.process.terminal && options.console_socket.empty())
            throw Error("cannot allocate tty if runac will detach without setting console socket");
        if ((!detach || !options.process.terminal) && !options.console_socket.empty())
            throw Error("cannot use console socket if runac will not detach or allocate tty");
        if (!detach) {
            options.console_master = &console;
            ::sigprocmask(SIG_BLOCK, &set, nullptr);
        }
        pid = container::exec(c, options);
    }
    if (args.has("pid-file"))
        write_file_atomic(absolute_path(args.get("pid-file"), current_dir()), std::to_string(pid), 0644);
    if (detach) return 0;
    return wait_relaying(pid, set, std::move(console));
}

int run_exec(const GlobalOptions& global, const Args& args) {
    if (args.positional.empty()) throw Error("exec: requires a container id");
    if (args.positional.size() < 2 && !args.has("process"))
        throw Error("exec: requires a container id and a command (or --process)");
    // As runc: once the arguments make sense, a failing exec exits 255, so
    // that engines tell it from the program's own exit status.
    try {
        return exec_in_container(global, args);
    } catch (const std::exception& e) {
        log::fatal(std::string("exec failed: ") + e.what());
        return 255;
    }
}

}  // namespace

Command exec_command() {
    return {"exec", "execute new process inside the container",
            "Usage: runac exec [options] <container-id> <command> [args...]\n"
            "       runac exec [options] --process process.json <container-id>\n\n"
            "Options:\n"
            "  --process, -p FILE          the whole process object (runtime-spec), - for stdin\n"
            "  --detach, -d                return once the process runs\n"
            "  --pid-file FILE             write the process's pid to FILE\n"
            "  --console-socket PATH       send the pty master to this AF_UNIX socket (with --tty --detach)\n"
            "  --tty, -t                   allocate a pseudo-terminal\n"
            "  --cwd DIR                   working directory in the container\n"
            "  --env, -e NAME=VALUE        add an environment variable (repeatable)\n"
            "  --user, -u UID[:GID]        run as this user\n"
            "  --additional-gids, -g GID   supplementary group (repeatable)\n"
            "  --cap, -c CAP               add a capability (repeatable)\n"
            "  --no-new-privs              set noNewPrivileges\n"
            "  --apparmor PROFILE          AppArmor profile for the process\n"
            "  --preserve-fds N            pass N more fds (3 .. 3+N-1) to the process\n"
            "  --cgroup [CTRL:]PATH        run in an existing sub-cgroup of the container's\n"
            "  --ignore-paused             allow exec in a paused container\n\n"
            "Exits with the process's status (128+N if killed by signal N), 255 when\n"
            "the exec itself fails.\n",
            {{{"process", "p"}, true},
             {{"detach", "d"}, false},
             {{"pid-file"}, true},
             {{"console-socket"}, true},
             {{"tty", "t"}, false},
             {{"cwd"}, true},
             {{"env", "e"}, true},
             {{"user", "u"}, true},
             {{"additional-gids", "g"}, true},
             {{"cap", "c"}, true},
             {{"no-new-privs"}, false},
             {{"apparmor"}, true},
             {{"process-label"}, true},
             {{"preserve-fds"}, true},
             {{"cgroup"}, true},
             {{"ignore-paused"}, false}},
            run_exec, true};
}

}  // namespace runac::cli
