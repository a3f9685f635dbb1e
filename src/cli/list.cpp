// runac list: every container under --root, as a table or JSON.
#include <algorithm>
#include <cstdio>

#include "cli/command.hpp"
#include "common/error.hpp"
#include "common/json.hpp"
#include "container/container.hpp"

namespace runac::cli {

namespace {

struct Row {
    container::ContainerState state;
    container::Status status;
    std::string owner;
};

// Go's tabwriter as runc configures it: min width 12, padding 3, last column unpadded.
void print_table(const std::vector<Row>& rows) {
    std::vector<std::vector<std::string>> cells = {{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
    for (auto& r : rows)
        cells.push_back({r.state.id, std::to_string(r.status == container::Status::Stopped ? 0 : r.state.pid),
                         container::status_name(r.status), r.state.bundle, r.state.created, r.owner});
    std::vector<size_t> width(6, 12);
    for (auto& row : cells)
        for (size_t i = 0; i + 1 < row.size(); i++) width[i] = std::max(width[i], row[i].size() + 3);
    for (auto& row : cells) {
        std::string line;
        for (size_t i = 0; i < row.size(); i++) {
            line += row[i];
            if (i + 1 < row.size()) line += std::string(width[i] - row[i].size(), ' ');
        }
        std::printf("%s\n", line.c_str());
    }
}

int run_list(const GlobalOptions& global, const Args& args) {
    std::string format = args.get("format", "table");
    if (format != "table" && format != "json") throw Error("invalid format option");
    std::vector<Row> rows;
    for (auto& id : container::Container::list(global.root)) {
        try {
            auto c = container::Container::load(global.root, id, false);
            rows.push_back({c.state(), c.status(), c.owner()});
        } catch (const Error&) {
            // Being created or deleted right now: not a container yet, or no more.
        }
    }
    if (args.flag("quiet")) {
        for (auto& r : rows) std::printf("%s\n", r.state.id.c_str());
    } else if (format == "json") {
        if (rows.empty()) {
            std::printf("null\n");
            return 0;
        }
        JsonWriter w;
        w.begin_array();
        for (auto& r : rows) oci::write_state(w, container::oci_state(r.state, r.status, r.owner));
        w.end_array();
        std::printf("%s\n", w.str().c_str());
    } else {
        print_table(rows);
    }
    return 0;
}

}  // namespace

Command list_command() {
    return {"list", "lists containers started by runac with the given root",
            "Usage: runac list [options]\n\n"
            "Options:\n"
            "  --format, -f table|json  output format (default: table)\n"
            "  --quiet, -q              display only container ids\n",
            {{{"format", "f"}, true}, {{"quiet", "q"}, false}}, run_list};
}

}  // namespace runac::cli
