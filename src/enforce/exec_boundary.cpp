#include "enforce/exec_boundary.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace runac::enforce {

namespace {

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// A listed name matches the program run by that name or by any path to
// it; a listed path only itself.
bool names(const CommandRule& rule, const std::string& program) {
    if (rule.binary.find('/') != std::string::npos) return program == rule.binary;
    return program == rule.binary || base_name(program) == rule.binary;
}

bool denied_arg(const std::string& arg, const std::string& deny) {
    return arg == deny || (arg.size() > deny.size() && arg.compare(0, deny.size(), deny) == 0 && arg[deny.size()] == '=');
}

// Why `rule` refuses these arguments, or "".
std::string refusal(const CommandRule& rule, const std::vector<std::string>& args) {
    if (!rule.subcommands.empty()) {
        std::string sub = args.size() > 1 ? args[1] : "";
        if (std::find(rule.subcommands.begin(), rule.subcommands.end(), sub) == rule.subcommands.end()) {
            std::string list;
            for (auto& s : rule.subcommands) list += (list.empty() ? "" : ", ") + s;
            return (sub.empty() ? "no subcommand" : "subcommand " + sub) + " is not one of " + list;
        }
    }
    for (size_t i = 1; i < args.size(); i++)
        for (auto& d : rule.deny_args)
            if (denied_arg(args[i], d)) return "argument " + args[i] + " is refused (denyArgs " + d + ")";
    return "";
}

}  // namespace

const std::vector<Covers>& exec_boundary_covers() {
    static const std::vector<Covers> covers = {{Rule::CommandArguments, Mechanism::ExecBoundary}};
    return covers;
}

void check_exec(const Plan& plan, const std::vector<std::string>& args, const std::string& entrypoint) {
    if (!plan.exec_allowlist || args.empty()) return;
    const std::string& program = args[0];
    // What the container runs anyway: its own program, with any arguments.
    if (program == entrypoint || (!entrypoint.empty() && base_name(program) == base_name(entrypoint) &&
                                  program.find('/') == std::string::npos))
        return;
    std::string why;
    for (auto& rule : plan.commands) {
        if (!names(rule, program)) continue;
        std::string r = refusal(rule, args);
        if (r.empty()) return;  // one entry that allows it is enough
        if (why.empty()) why = r;
    }
    if (why.empty()) throw Error("agent policy: shell.commands: " + program + " is not an allowed command");
    throw Error("agent policy: shell.commands: " + program + ": " + why);
}

}  // namespace runac::enforce
