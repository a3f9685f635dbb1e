// runac approvals / approve / deny: the requests of a container with
// policy.escalation: prompt, decided by a human. Its monitor holds them
// and applies an approval live (monitor/approver.hpp); --persist also
// keeps the grant for the container's next create (agent/grants.hpp).
#include <cstdio>
#include <ctime>

#include "agent/grants.hpp"
#include "agent/parse.hpp"
#include "cli/command.hpp"
#include "common/error.hpp"
#include "common/json.hpp"
#include "container/container.hpp"
#include "monitor/control.hpp"

namespace runac::cli {

namespace {

const Flag kHelp = {{"help", "h"}, false};

// The monitor's answer to `question`, its "error" thrown.
JsonDocument ask(const container::Container& c, const std::string& question) {
    if (!c.monitor()) throw Error("the container has no approval requests (its policy does not prompt)");
    auto text = monitor::ask(c.dir() + "/" + monitor::kControlSocket, question);
    JsonDocument doc = JsonDocument::parse(text, "the monitor's answer");
    if (auto e = doc.root().get("error")) throw Error(e->as_string());
    return doc;
}

std::string age(int64_t asked) {
    int64_t s = ::time(nullptr) - asked;
    return s < 120 ? std::to_string(s) + "s" : std::to_string(s / 60) + "m";
}

void print_requests(const std::string& id, const JsonValue& requests, bool header) {
    if (header) std::printf("%-12s  %-3s  %-9s  %-5s  %-8s  %-16s  %s\n", "CONTAINER", "REQ", "STATE", "AGE", "REFUSALS",
                            "COMMAND", "GRANT");
    for (auto& r : requests.items()) {
        std::string command = r.get("command") ? r.get("command")->as_string() : "-";
        std::printf("%-12s  %-3llu  %-9s  %-5s  %-8llu  %-16s  %s\n", id.substr(0, 12).c_str(),
                    static_cast<unsigned long long>(r.required("request").as_uint()),
                    r.required("state").as_string().c_str(), age(r.required("asked").as_int()).c_str(),
                    static_cast<unsigned long long>(r.required("refusals").as_uint()), command.c_str(),
                    r.required("diff").as_string().c_str());
    }
}

int run_approvals(const GlobalOptions& global, const Args& args) {
    if (args.positional.size() > 1) throw Error("approvals: takes at most 1 argument, a container id");
    std::vector<std::string> ids = args.positional.empty() ? container::Container::list(global.root) : args.positional;
    bool header = true;
    for (auto& id : ids) {
        try {
            auto c = container::Container::load(global.root, id, false);
            if (args.positional.empty() && c.state().grant_file.empty() && !c.monitor()) continue;
            JsonDocument doc = ask(c, R"({"list": true})");
            print_requests(id, doc.root().required("requests"), header);
            header = false;
        } catch (const Error&) {
            if (!args.positional.empty()) throw;
            // Listing all: a container without requests is not listed.
        }
    }
    if (header) std::printf("no approval requests\n");
    return 0;
}

uint32_t request_number(const Args& args, const char* command) {
    if (args.positional.size() != 2)
        throw Error(std::string(command) + ": requires exactly 2 arguments, a container id and a request number");
    const std::string& n = args.positional[1];
    if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string::npos)
        throw Error(std::string(command) + ": " + n + " is not a request number");
    return static_cast<uint32_t>(std::stoul(n));
}

void print_decision(const JsonValue& r) {
    std::printf("request %llu %s: %s\n", static_cast<unsigned long long>(r.required("request").as_uint()),
                r.required("state").as_string().c_str(), r.required("diff").as_string().c_str());
}

int run_approve(const GlobalOptions& global, const Args& args) {
    uint32_t n = request_number(args, "approve");
    auto c = container::Container::load(global.root, args.positional[0], false);
    bool persist = args.flag("persist");
    // Checked before the monitor grants anything.
    // create names no grant file for a policy pinned by sha256 or signed.
    if (persist && c.state().grant_file.empty())
        throw Error("approve --persist: the container's policy is pinned by sha256 or signed: a grant cannot outlive "
                    "the session");
    JsonDocument doc = ask(c, std::string(R"({"approve": )") + std::to_string(n) +
                                  (persist ? R"(, "persist": true})" : "}"));
    JsonValue r = doc.root().required("request");
    if (persist) agent::add_grant(c.state().grant_file, agent::parse_egress_rule(r.required("grant")));
    print_decision(r);
    if (persist) std::printf("kept in %s for the container's next create\n", c.state().grant_file.c_str());
    return 0;
}

int run_deny(const GlobalOptions& global, const Args& args) {
    uint32_t n = request_number(args, "deny");
    auto c = container::Container::load(global.root, args.positional[0], false);
    JsonDocument doc = ask(c, R"({"deny": )" + std::to_string(n) + "}");
    print_decision(doc.root().required("request"));
    return 0;
}

}  // namespace

Command approvals_command() {
    return {"approvals", "list the approval requests of containers whose policy prompts",
            "Usage: runac approvals [<container-id>]\n\n"
            "Each refusal a human may lift (policy.escalation: prompt) is one request,\n"
            "shown with the capability diff approving it grants. Without an id: the\n"
            "requests of every container.\n",
            {kHelp}, run_approvals};
}

Command approve_command() {
    return {"approve", "grant an approval request, live",
            "Usage: runac approve [--persist] <container-id> <request>\n\n"
            "The running container may do what the request asked from now on.\n"
            "--persist: also for the container's next create with the same id (not\n"
            "for a policy pinned by sha256).\n",
            {{{"persist"}, false}, kHelp}, run_approve};
}

Command deny_command() {
    return {"deny", "refuse an approval request", "Usage: runac deny <container-id> <request>\n", {kHelp}, run_deny};
}

}  // namespace runac::cli
