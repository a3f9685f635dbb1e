#include "oci/state.hpp"

#include "common/error.hpp"
#include "common/json.hpp"

namespace runac::oci {

namespace {
constexpr Status kStatuses[] = {Status::Creating, Status::Created, Status::Running, Status::Paused, Status::Stopped};
}

const char* status_name(Status s) {
    switch (s) {
        case Status::Creating: return "creating";
        case Status::Created: return "created";
        case Status::Running: return "running";
        case Status::Paused: return "paused";
        case Status::Stopped: return "stopped";
    }
    return "unknown";
}

void write_state(JsonWriter& w, const State& s) {
    w.begin_object();
    w.key("ociVersion").value(s.oci_version);
    w.key("id").value(s.id);
    w.key("pid").value(s.status == Status::Stopped ? 0 : s.pid);
    w.key("status").value(status_name(s.status));
    w.key("bundle").value(s.bundle);
    w.key("rootfs").value(s.rootfs);
    w.key("created").value(s.created);
    w.key("owner").value(s.owner);
    if (!s.annotations.empty()) {
        w.key("annotations").begin_object();
        for (auto& [k, v] : s.annotations) w.key(k).value(v);
        w.end_object();
    }
    w.end_object();
}

std::string state_json(const State& s, bool indent) {
    JsonWriter w(indent);
    write_state(w, s);
    return w.str();
}

State parse_state(const std::string& json) {
    JsonDocument doc = JsonDocument::parse(json, "state");
    JsonValue root = doc.root();
    State s;
    auto str = [&](const char* key) { return root.required(key).as_string(); };
    // The runtime-spec's fields, then runc's extras; a stopped container has
    // no pid, and another runtime's state (a hook's stdin) no extras.
    auto extra = [&](const char* key) {
        auto v = root.get(key);
        return v ? v->as_string() : std::string();
    };
    s.oci_version = str("ociVersion");
    s.id = str("id");
    if (auto pid = root.get("pid")) s.pid = static_cast<int>(pid->as_int());
    std::string status = str("status");
    bool known = false;
    for (Status st : kStatuses)
        if (status == status_name(st)) s.status = st, known = true;
    if (!known) throw Error("state: unknown status " + status);
    s.bundle = str("bundle");
    s.rootfs = extra("rootfs");
    s.created = extra("created");
    s.owner = extra("owner");
    if (auto a = root.get("annotations"))
        a->for_each([&](const std::string& k, const JsonValue& v) { s.annotations[k] = v.as_string(); });
    return s;
}

}  // namespace runac::oci
