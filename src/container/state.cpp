#include "container/state.hpp"

#include <chrono>
#include <ctime>

#include "common/json.hpp"

namespace runac::container {

std::string serialize(const ContainerState& s) {
    JsonWriter w;
    w.begin_object();
    w.key("ociVersion").value(s.oci_version);
    w.key("id").value(s.id);
    w.key("pid").value(s.pid);
    w.key("pidStartTime").value_uint(s.pid_start_time);
    w.key("bundle").value(s.bundle);
    w.key("rootfs").value(s.rootfs);
    w.key("created").value(s.created);
    w.key("annotations").begin_object();
    for (auto& [k, v] : s.annotations) w.key(k).value(v);
    w.end_object();
    w.key("cgroupPaths").strings(s.cgroup_paths);
    if (!s.systemd_unit.empty()) w.key("systemdUnit").value(s.systemd_unit);
    if (s.session_deadline) w.key("sessionDeadline").value(s.session_deadline);
    if (!s.audit_log.empty()) w.key("auditLog").value(s.audit_log);
    if (!s.grant_file.empty()) w.key("grantFile").value(s.grant_file);
    if (s.egress_key) w.key("egressKey").value_uint(s.egress_key);
    if (s.monitor_pid) w.key("monitorPid").value(s.monitor_pid).key("monitorStartTime").value_uint(s.monitor_start_time);
    w.end_object();
    return w.str();
}

ContainerState deserialize(const std::string& json) {
    JsonDocument doc = JsonDocument::parse(json, "state.json");
    JsonValue root = doc.root();
    ContainerState s;
    auto str = [&](const char* key) {
        auto v = root.get(key);
        return v ? v->as_string() : std::string();
    };
    // What every state runac writes has: another program's JSON, or one
    // from which they are gone, is not a state to act on.
    s.oci_version = str("ociVersion");
    s.id = root.required("id").as_string();
    s.pid = static_cast<int>(root.required("pid").as_int());
    s.pid_start_time = root.required("pidStartTime").as_uint();
    s.bundle = root.required("bundle").as_string();
    s.rootfs = str("rootfs");
    s.created = root.required("created").as_string();
    root.required("cgroupPaths");
    if (auto a = root.get("annotations"))
        a->for_each([&](const std::string& k, const JsonValue& v) { s.annotations[k] = v.as_string(); });
    if (auto c = root.get("cgroupPaths")) s.cgroup_paths = c->string_list();
    if (auto v = root.get("monitorPid")) s.monitor_pid = static_cast<int>(v->as_int());
    if (auto v = root.get("monitorStartTime")) s.monitor_start_time = v->as_uint();
    if (auto v = root.get("sessionDeadline")) s.session_deadline = v->as_int();
    if (auto v = root.get("egressKey")) s.egress_key = v->as_uint();
    s.audit_log = str("auditLog");
    s.grant_file = str("grantFile");
    s.systemd_unit = str("systemdUnit");
    return s;
}

oci::State oci_state(const ContainerState& s, Status status, const std::string& owner) {
    oci::State o;
    o.oci_version = s.oci_version;
    o.id = s.id;
    o.status = status;
    o.pid = s.pid;
    o.bundle = s.bundle;
    o.rootfs = s.rootfs;
    o.created = s.created;
    o.owner = owner;
    o.annotations = s.annotations;
    return o;
}

std::string now_rfc3339nano() {
    struct timespec ts;
    ::clock_gettime(CLOCK_REALTIME, &ts);
    // Calendar arithmetic, not gmtime_r or strftime: glibc loads the local
    // time zone (/etc/localtime) on the first call of either, which UTC
    // does not need.
    using namespace std::chrono;
    sys_seconds now{seconds{ts.tv_sec}};
    auto day = floor<days>(now);
    year_month_day ymd{day};
    hh_mm_ss hms{now - day};
    char date[32];
    std::snprintf(date, sizeof date, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    std::string out = date;
    if (ts.tv_nsec) {
        char frac[16];
        std::snprintf(frac, sizeof frac, ".%09ld", ts.tv_nsec);
        std::string f = frac;
        while (f.back() == '0') f.pop_back();
        out += f;
    }
    return out + "Z";
}

}  // namespace runac::container
