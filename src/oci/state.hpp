// The runtime-spec's state of a container: what `runac state` prints and
// what every hook (and a seccomp listener) reads.
#pragma once
#include <map>
#include <string>

namespace runac { class JsonWriter; }

namespace runac::oci {

enum class Status { Creating, Created, Running, Paused, Stopped };
const char* status_name(Status s);

struct State {
    std::string oci_version;
    std::string id;
    Status status = Status::Creating;
    int pid = 0;
    std::string bundle;
    std::string rootfs;   // runc's extras: rootfs, created and owner
    std::string created;  // RFC 3339 with nanoseconds, UTC
    std::string owner;
    std::map<std::string, std::string> annotations;
};

// runc's shape (2-space indent with `indent`); a stopped container's pid is 0.
void write_state(JsonWriter& w, const State& s);
std::string state_json(const State& s, bool indent = false);
// The inverse, for a state that crossed the parent <-> init channel, or
// that another runtime gave a hook (`runac hook`).
State parse_state(const std::string& json);

}  // namespace runac::oci
