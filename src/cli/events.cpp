// runac events: the container's resource usage and OOM kills as runc's
// JSON lines ({"type":"stats","id":ID,"data":{...}} and {"type":"oom",...}),
// once (--stats) or every --interval until the container stops. containerd
// and Docker's `stats` read these.
#include <cctype>
#include <chrono>
#include <cstdio>
#include <thread>

#include "cgroups/stats.hpp"
#include "cli/command.hpp"
#include "common/error.hpp"
#include "common/json.hpp"
#include "container/container.hpp"
#include "linux/process.hpp"

namespace runac::cli {

namespace {

// Go's time.ParseDuration: "5s", "500ms", "1m30s".
std::chrono::milliseconds parse_duration(const std::string& text) {
    auto bad = [&] { return Error("invalid value " + json_quote(text) + " for flag -interval: parse error"); };
    double total_ms = 0;
    size_t i = 0;
    if (text.empty()) throw bad();
    while (i < text.size()) {
        size_t start = i;
        while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) i++;
        if (start == i) throw bad();
        double n = std::stod(text.substr(start, i - start));
        size_t u = i;
        while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) i++;
        std::string unit = text.substr(u, i - u);
        double ms = unit == "h" ? 3600000 : unit == "m" ? 60000 : unit == "s" ? 1000 : unit == "ms" ? 1
                  : unit == "us" || unit == "µs" ? 0.001 : unit == "ns" ? 0.000001 : -1;
        if (ms < 0) throw bad();
        total_ms += n * ms;
    }
    if (total_ms <= 0) throw Error("duration interval must be greater than 0");
    return std::chrono::milliseconds(static_cast<int64_t>(total_ms < 1 ? 1 : total_ms));
}

void print_event(const char* type, const std::string& id, const cgroups::Cgroup* stats_of) {
    JsonWriter w;
    w.begin_object().key("type").value(type).key("id").value(id);
    if (stats_of) {
        w.key("data");
        cgroups::write_stats(w, *stats_of);
    }
    w.end_object();
    std::printf("%s\n", w.str().c_str());
    std::fflush(stdout);
}

int run_events(const GlobalOptions& global, const Args& args) {
    std::string id = container_id(args, "events");
    auto interval = parse_duration(args.get("interval", "5s"));
    container::ContainerState state;
    bool running;
    {
        // The lock is held only to read the state: a long `events` must not
        // block `delete`.
        auto c = container::Container::load(global.root, id, false);
        state = c.state();
        running = c.status() != container::Status::Stopped;
    }
    if (!running) throw Error("container with id " + id + " is not running");
    auto cg = cgroups::Cgroup::from_paths(state.cgroup_paths);
    if (args.flag("stats")) {
        print_event("stats", id, &cg);
        return 0;
    }
    // OOM kills are counted by the kernel; a rise between two looks is an
    // event. Looked at often, stats printed every interval.
    uint64_t ooms = cgroups::oom_kills(cg);
    const auto tick = std::chrono::milliseconds(100);
    auto next_stats = std::chrono::steady_clock::now();
    for (;;) {
        uint64_t now_ooms = cgroups::oom_kills(cg);
        for (; ooms < now_ooms; ooms++) print_event("oom", id, nullptr);
        if (!linux::is_alive(state.pid, state.pid_start_time)) return 0;
        if (std::chrono::steady_clock::now() >= next_stats) {
            print_event("stats", id, &cg);
            next_stats += interval;
        }
        std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(tick, interval));
    }
}

}  // namespace

Command events_command() {
    return {"events", "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
            "Usage: runac events [options] <container-id>\n\n"
            "Options:\n"
            "  --interval DURATION  time between stats lines (default 5s; Go durations: 500ms, 1m30s)\n"
            "  --stats              print the stats once and exit\n",
            {{{"interval"}, true}, {{"stats"}, false}}, run_events};
}

}  // namespace runac::cli
