// runac update: change a running (or paused) container's resource limits.
// Values parse as runc parses them (sizes like "64m", "-1" for unlimited);
// every value is parsed and validated before the first cgroup file is
// written, and a value the kernel refuses rolls back what was written
// before it, so a failed update changes nothing.
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "cgroups/resources.hpp"
#include "cgroups/systemd.hpp"
#include "cli/command.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/json.hpp"
#include "container/container.hpp"

namespace runac::cli {

namespace {

// Go's strconv errors, which runc's messages quote.
std::string parse_error(const char* fn, const std::string& text, bool range) {
    return std::string("strconv.") + fn + ": parsing " + json_quote(text) + (range ? ": value out of range" : ": invalid syntax");
}

std::string parse_uint(const std::string& flag, const std::string& text) {
    bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
    if (!digits) throw Error("invalid value for " + flag + ": " + parse_error("ParseUint", text, false));
    errno = 0;
    std::strtoull(text.c_str(), nullptr, 10);
    if (errno == ERANGE) throw Error("invalid value for " + flag + ": " + parse_error("ParseUint", text, true));
    return text;
}

std::string parse_int(const std::string& flag, const std::string& text) {
    size_t start = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
    bool digits = text.size() > start && text.find_first_not_of("0123456789", start) == std::string::npos;
    if (!digits) throw Error("invalid value for " + flag + ": " + parse_error("ParseInt", text, false));
    errno = 0;
    long long n = std::strtoll(text.c_str(), nullptr, 10);
    if (errno == ERANGE) throw Error("invalid value for " + flag + ": " + parse_error("ParseInt", text, true));
    return std::to_string(n);
}

// docker/go-units RAMInBytes: "512", "64m", "1.5GiB", binary multiples; "-1" is unlimited.
std::string parse_size(const std::string& flag, const std::string& text) {
    if (text == "-1") return "-1";
    auto bad = [&] { return Error("invalid value for " + flag + ": invalid size: '" + text + "'"); };
    size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) i++;
    if (i == 0 || text[0] == '.' || text[i - 1] == '.' || text.find("..") != std::string::npos) throw bad();
    double number = std::strtod(text.substr(0, i).c_str(), nullptr);
    std::string unit = text.substr(i);
    if (!unit.empty() && unit[0] == ' ') unit.erase(0, 1);
    double mult = 1;
    if (!unit.empty()) {
        const std::string prefixes = "kmgtp";
        auto p = prefixes.find(static_cast<char>(std::tolower(static_cast<unsigned char>(unit[0]))));
        if (p != std::string::npos) {
            for (size_t k = 0; k <= p; k++) mult *= 1024;
            unit.erase(0, 1);
        }
        if (!unit.empty() && (unit[0] == 'i' || unit[0] == 'I')) unit.erase(0, 1);
        if (!unit.empty() && (unit[0] == 'b' || unit[0] == 'B')) unit.erase(0, 1);
        if (!unit.empty()) throw bad();
    }
    double bytes = number * mult;
    if (bytes > 9.2e18) throw bad();
    return std::to_string(static_cast<int64_t>(bytes));
}

enum class Kind { Uint, Int, Size, String, GoInt };

struct UpdateFlag {
    const char* flag;     // runc's flag name
    const char* section;  // its place in linux.resources
    const char* key;
    Kind kind;
};

const UpdateFlag kFlags[] = {
    {"memory", "memory", "limit", Kind::Size},
    {"memory-reservation", "memory", "reservation", Kind::Size},
    {"memory-swap", "memory", "swap", Kind::Size},
    {"kernel-memory", "memory", "kernel", Kind::Size},
    {"kernel-memory-tcp", "memory", "kernelTCP", Kind::Size},
    {"cpu-share", "cpu", "shares", Kind::Uint},
    {"cpu-quota", "cpu", "quota", Kind::Int},
    {"cpu-period", "cpu", "period", Kind::Uint},
    {"cpu-rt-runtime", "cpu", "realtimeRuntime", Kind::Int},
    {"cpu-rt-period", "cpu", "realtimePeriod", Kind::Uint},
    {"cpuset-cpus", "cpu", "cpus", Kind::String},
    {"cpuset-mems", "cpu", "mems", Kind::String},
    {"pids-limit", "pids", "limit", Kind::GoInt},
    {"blkio-weight", "blockIO", "weight", Kind::GoInt},
};

// The flags as a linux.resources document, so that one parser validates
// config.json, --resources and the flags alike. Returns the JSON and, for
// error lines, the flag behind each field.
std::string flags_document(const Args& args, std::vector<std::pair<std::string, std::string>>& field_flags) {
    JsonWriter w;
    w.begin_object();
    for (const char* section : {"memory", "cpu", "pids", "blockIO"}) {
        bool open = false;
        for (auto& f : kFlags) {
            if (std::string(f.section) != section || !args.has(f.flag)) continue;
            std::string text = args.get(f.flag);
            if (text.empty()) continue;  // runc: an empty value leaves the field alone
            if (!open) w.key(section).begin_object(), open = true;
            w.key(f.key);
            std::string v;
            switch (f.kind) {
                case Kind::Uint: v = parse_uint(f.flag, text); break;
                case Kind::Int: v = parse_int(f.flag, text); break;
                case Kind::Size: v = parse_size(f.flag, text); break;
                case Kind::GoInt:
                    // urfave/cli's own parse, and its error line.
                    try {
                        v = f.key == std::string("weight") ? parse_uint(f.flag, text) : parse_int(f.flag, text);
                    } catch (const Error&) {
                        throw Error("invalid value " + json_quote(text) + " for flag -" + f.flag + ": parse error");
                    }
                    break;
                case Kind::String: w.value(text); break;
            }
            if (f.kind != Kind::String) w.value(static_cast<int64_t>(std::stoll(v)));
            field_flags.push_back({std::string(section) + "." + f.key, f.flag});
        }
        if (open) w.end_object();
    }
    w.end_object();
    return w.str();
}

oci::Resources parse_document(const std::string& text, const std::string& origin) {
    auto doc = JsonDocument::parse(text, origin, KeyMatch::AnyCase);
    return oci::parse_resources(doc.root());
}

int run_update(const GlobalOptions& global, const Args& args) {
    std::string id = container_id(args, "update");
    for (const char* rdt : {"l3-cache-schema", "mem-bw-schema"})
        if (args.has(rdt)) throw Error(std::string("--") + rdt + ": Intel RDT is not supported by this version of runac");
    oci::Resources r;
    if (args.has("resources")) {
        // runc: with a resources document every other flag is ignored.
        std::string path = args.get("resources");
        std::string text;
        if (path == "-")
            text = read_all(0, "resources (stdin)");
        else
            text = read_file(path);
        r = parse_document(text, path == "-" ? "resources" : path);
    } else {
        std::vector<std::pair<std::string, std::string>> field_flags;
        std::string doc = flags_document(args, field_flags);
        try {
            r = parse_document(doc, "flags");
        } catch (const Error& e) {
            // "memory.swap: must be ..." -> "--memory-swap: must be ..."
            std::string msg = e.what();
            for (auto& [field, flag] : field_flags)
                if (starts_with(msg, field + ":")) throw Error("--" + flag + msg.substr(field.size()));
            throw;
        }
    }
    auto c = container::Container::load(global.root, id);
    auto s = c.status();
    if (s == container::Status::Stopped || s == container::Status::Creating) throw Error("container not running");
    // As runc: systemd's properties first, which it writes into the
    // cgroup itself, then every file (the same values, and the rest).
    auto cgroup = c.cgroup();
    if (!c.state().systemd_unit.empty())
        cgroups::Systemd::connect().set_properties(c.state().systemd_unit, cgroups::resource_properties(r, !cgroup.v2()));
    cgroups::update_resources(cgroup, r);
    return 0;
}

}  // namespace

Command update_command() {
    std::vector<Flag> flags = {{{"resources", "r"}, true}, {{"l3-cache-schema"}, true}, {{"mem-bw-schema"}, true}};
    for (auto& f : kFlags) flags.push_back({{f.flag}, true});
    return {"update", "update container resource constraints",
            "Usage: runac update [options] <container-id>\n\n"
            "Options:\n"
            "  --resources, -r FILE|-     a linux.resources JSON document (other flags are then ignored)\n"
            "  --memory SIZE              memory limit (\"64m\", bytes; -1 unlimited)\n"
            "  --memory-reservation SIZE  soft limit\n"
            "  --memory-swap SIZE         memory plus swap; -1 unlimited\n"
            "  --kernel-memory SIZE       deprecated by the kernel: warned about, not applied\n"
            "  --kernel-memory-tcp SIZE   kernel TCP buffer limit (cgroup v1)\n"
            "  --cpu-share N              relative CPU weight (v1 shares; converted on cgroup v2)\n"
            "  --cpu-quota N              CFS quota in microseconds per period (-1 unlimited)\n"
            "  --cpu-period N             CFS period in microseconds\n"
            "  --cpu-rt-runtime N         realtime runtime in microseconds (cgroup v1)\n"
            "  --cpu-rt-period N          realtime period in microseconds (cgroup v1)\n"
            "  --cpuset-cpus LIST         CPUs to use (\"0-1\")\n"
            "  --cpuset-mems LIST         memory nodes to use\n"
            "  --pids-limit N             maximum number of processes (<= 0 unlimited)\n"
            "  --blkio-weight N           block I/O weight, 10 to 1000\n",
            flags, run_update};
}

}  // namespace runac::cli
