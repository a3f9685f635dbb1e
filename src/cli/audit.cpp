// runac audit verify|show: read a container's audit log (policy.auditLog),
// check its hash chain, print its records.
#include <chrono>
#include <cstdio>
#include <thread>

#include "audit/audit_log.hpp"
#include "cli/command.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/json.hpp"
#include "container/container.hpp"

namespace runac::cli {

namespace {

const char* kUsage =
    "Usage: runac audit verify FILE\n"
    "       runac audit show [--json] [--follow] ID|FILE\n\n"
    "verify walks the log's hash chain and compares its end with FILE.head:\n"
    "exit status 0, or 1 with one line naming the first bad record.\n"
    "show prints the records of a container's log (by id: the running\n"
    "container's, else the audit directory's ID.jsonl), one line each, or as\n"
    "they are with --json; --follow keeps printing what is appended.\n";

const Flag kHelp = {{"help", "h"}, false};

// One record as a line: time, event, then the other fields as key=value.
std::string human(const std::string& line) {
    JsonDocument doc = JsonDocument::parse(line, "record");
    JsonValue r = doc.root();
    std::string out = r.required("time").as_string() + "  " + r.required("event").as_string();
    r.for_each([&](const std::string& key, const JsonValue& v) {
        if (key == "seq" || key == "time" || key == "container" || key == "event" || key == "prev") return;
        std::string text;
        if (v.is_string()) {
            text = v.as_string();
        } else {
            JsonWriter w;
            w.copy(v);
            text = w.str();
        }
        out += "  " + key + "=" + text;
    });
    return out;
}

std::string log_of(const GlobalOptions& global, const std::string& what) {
    if (what.find('/') != std::string::npos) return what;
    try {
        auto c = container::Container::load(global.root, what, false);
        if (!c.state().audit_log.empty()) return c.state().audit_log;
    } catch (const container::NoSuchContainer&) {
    }
    return audit::log_path(agent_settings(global).audit_dir, what);
}

int show(const std::string& path, bool json, bool follow) {
    size_t offset = 0;
    for (;;) {
        auto text = read_file_if_exists(path);
        if (!text) throw Error("audit show: no log at " + path);
        size_t end;
        while ((end = text->find('\n', offset)) != std::string::npos) {
            std::string line = text->substr(offset, end - offset);
            offset = end + 1;
            std::string shown = json ? line : human(line);
            std::printf("%s\n", shown.c_str());
        }
        std::fflush(stdout);
        if (!follow) return 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

int run_audit(const GlobalOptions& global, const Args& outer) {
    if (outer.positional.empty()) throw Error("audit: requires a subcommand: verify or show");
    std::string sub = outer.positional[0];
    std::vector<std::string> rest(outer.positional.begin(), outer.positional.end());
    if (sub == "verify") {
        Args args = parse_args({kHelp}, rest, 1, "audit verify", false);
        if (args.flag("help")) return std::printf("%s", kUsage), 0;
        if (args.positional.size() != 1) throw Error("audit verify: requires exactly 1 argument, a log file");
        auto v = audit::verify(args.positional[0]);
        if (!v.ok) throw Error(args.positional[0] + ": " + v.problem);
        std::printf("%s: %llu records, the chain and its head agree\n", args.positional[0].c_str(),
                    static_cast<unsigned long long>(v.records));
        return 0;
    }
    if (sub == "show") {
        Args args = parse_args({{{"json"}, false}, {{"follow", "f"}, false}, kHelp}, rest, 1, "audit show", false);
        if (args.flag("help")) return std::printf("%s", kUsage), 0;
        if (args.positional.size() != 1) throw Error("audit show: requires exactly 1 argument, a container id or a log file");
        return show(log_of(global, args.positional[0]), args.flag("json"), args.flag("follow"));
    }
    throw Error("audit: unknown subcommand \"" + sub + "\" (verify or show)");
}

}  // namespace

Command audit_command() { return {"audit", "verify or show a container's audit log", kUsage, {}, run_audit, true}; }

}  // namespace runac::cli
