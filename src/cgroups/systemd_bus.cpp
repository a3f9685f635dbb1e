// The systemd driver's D-Bus calls: StartTransientUnit, SetUnitProperties
// and StopUnit on org.freedesktop.systemd1, each job waited for through
// its JobRemoved signal (systemd sends it to the client that queued the
// job, with no Subscribe). libsystemd is loaded on first use.
#include <cerrno>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <utility>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "cgroups/systemd.hpp"
#include "common/dynlib.hpp"
#include "common/error.hpp"

namespace runac::cgroups {

namespace {

struct SdBus {
    decltype(&sd_bus_open_system) open_system;
    decltype(&sd_bus_new) create;
    decltype(&sd_bus_set_address) set_address;
    decltype(&sd_bus_start) start;
    decltype(&sd_bus_is_bus_client) is_bus_client;
    decltype(&sd_bus_flush_close_unref) close;
    decltype(&sd_bus_message_new_method_call) new_call;
    decltype(&sd_bus_message_append) append;
    decltype(&sd_bus_message_append_array) append_array;
    decltype(&sd_bus_message_open_container) open;
    decltype(&sd_bus_message_close_container) close_container;
    decltype(&sd_bus_message_read) read;
    decltype(&sd_bus_message_unref) unref;
    decltype(&sd_bus_call) call;
    decltype(&sd_bus_error_free) error_free;
    decltype(&sd_bus_error_has_name) error_has_name;
    decltype(&sd_bus_match_signal) match_signal;
    decltype(&sd_bus_slot_unref) slot_unref;
    decltype(&sd_bus_process) process;
    decltype(&sd_bus_wait) wait;
};

const SdBus& sd() {
    static const SdBus fns = [] {
        SharedLibrary lib("libsystemd.so.0", "the D-Bus calls of the systemd cgroup driver (--systemd-cgroup)");
        SdBus f;
        lib.bind(f.open_system, "sd_bus_open_system");
        lib.bind(f.create, "sd_bus_new");
        lib.bind(f.set_address, "sd_bus_set_address");
        lib.bind(f.start, "sd_bus_start");
        lib.bind(f.is_bus_client, "sd_bus_is_bus_client");
        lib.bind(f.close, "sd_bus_flush_close_unref");
        lib.bind(f.new_call, "sd_bus_message_new_method_call");
        lib.bind(f.append, "sd_bus_message_append");
        lib.bind(f.append_array, "sd_bus_message_append_array");
        lib.bind(f.open, "sd_bus_message_open_container");
        lib.bind(f.close_container, "sd_bus_message_close_container");
        lib.bind(f.read, "sd_bus_message_read");
        lib.bind(f.unref, "sd_bus_message_unref");
        lib.bind(f.call, "sd_bus_call");
        lib.bind(f.error_free, "sd_bus_error_free");
        lib.bind(f.error_has_name, "sd_bus_error_has_name");
        lib.bind(f.match_signal, "sd_bus_match_signal");
        lib.bind(f.slot_unref, "sd_bus_slot_unref");
        lib.bind(f.process, "sd_bus_process");
        lib.bind(f.wait, "sd_bus_wait");
        return f;
    }();
    return fns;
}

constexpr uint64_t kJobTimeoutUs = 30'000'000;  // runc's
constexpr const char* kService = "org.freedesktop.systemd1";
constexpr const char* kPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";

void check(int r, const std::string& what) {
    if (r < 0) throw Error("systemd: " + what + ": " + std::strerror(-r));
}

// Owns one message; moved, never copied (a copy would unref it twice).
struct Message {
    sd_bus_message* m = nullptr;
    Message() = default;
    Message(Message&& o) noexcept : m(std::exchange(o.m, nullptr)) {}
    Message(const Message&) = delete;
    ~Message() { if (m) sd().unref(m); }
};

struct BusError {
    sd_bus_error e = SD_BUS_ERROR_NULL;
    BusError() = default;
    BusError(const BusError&) = delete;
    ~BusError() { sd().error_free(&e); }
    std::string text() const { return e.message ? e.message : (e.name ? e.name : "unknown error"); }
};

void append_property(sd_bus_message* m, const UnitProperty& p) {
    const SdBus& f = sd();
    check(f.open(m, 'r', "sv"), "build a message");
    check(f.append(m, "s", p.name.c_str()), "build a message");
    int r = 0;
    if (auto* b = std::get_if<bool>(&p.value)) {
        r = f.append(m, "v", "b", static_cast<int>(*b));
    } else if (auto* t = std::get_if<uint64_t>(&p.value)) {
        r = f.append(m, "v", "t", *t);
    } else if (auto* s = std::get_if<std::string>(&p.value)) {
        r = f.append(m, "v", "s", s->c_str());
    } else if (auto* au = std::get_if<std::vector<uint32_t>>(&p.value)) {
        check(f.open(m, 'v', "au"), "build a message");
        r = f.append_array(m, 'u', au->data(), au->size() * sizeof(uint32_t));
        if (r >= 0) r = f.close_container(m);
    } else if (auto* ay = std::get_if<std::vector<uint8_t>>(&p.value)) {
        check(f.open(m, 'v', "ay"), "build a message");
        r = f.append_array(m, 'y', ay->data(), ay->size());
        if (r >= 0) r = f.close_container(m);
    }
    check(r, "build a message (" + p.name + ")");
    check(f.close_container(m), "build a message");
}

void append_properties(sd_bus_message* m, const std::vector<UnitProperty>& properties) {
    check(sd().open(m, 'a', "(sv)"), "build a message");
    for (auto& p : properties) append_property(m, p);
    check(sd().close_container(m), "build a message");
}

uint64_t now_us() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

}  // namespace

struct Systemd::Bus {
    sd_bus* bus = nullptr;
    sd_bus_slot* job_removed = nullptr;
    std::map<std::string, std::string> finished;  // job path -> result

    static int on_job_removed(sd_bus_message* m, void* self, sd_bus_error*) {
        uint32_t id = 0;
        const char *job = nullptr, *unit = nullptr, *result = nullptr;
        if (sd().read(m, "uoss", &id, &job, &unit, &result) >= 0 && job && result)
            static_cast<Bus*>(self)->finished[job] = result;
        return 0;
    }

    // A method of the manager; its reply, or the bus error (ERROR) when systemd refused.
    Message call(const char* method, const std::function<void(sd_bus_message*)>& args, BusError& error) const {
        Message request, reply;
        check(sd().new_call(bus, &request.m, kService, kPath, kManager, method), std::string("call ") + method);
        args(request.m);
        int r = sd().call(bus, request.m, kJobTimeoutUs, &error.e, &reply.m);
        if (r < 0 && !error.e.name) check(r, std::string("call ") + method);
        return reply;
    }

    // The job's result once systemd removed it ("done", "failed", ...), or "" after the timeout.
    std::string wait_for(const std::string& job) {
        uint64_t deadline = now_us() + kJobTimeoutUs;
        for (;;) {
            int r;
            while ((r = sd().process(bus, nullptr)) > 0) {
            }
            check(r, "read from the bus");
            if (auto it = finished.find(job); it != finished.end()) return it->second;
            uint64_t now = now_us();
            if (now >= deadline) return "";
            r = sd().wait(bus, deadline - now);
            if (r < 0 && r != -EINTR) check(r, "wait on the bus");
        }
    }
};

Systemd Systemd::connect() {
    const SdBus& f = sd();
    Systemd s;
    s.bus_ = new Bus;
    // As root, systemd's own socket first: no bus daemon in between, and
    // none needed (systemctl does the same); then the system bus.
    int r = -ENOENT;
    if (::geteuid() == 0 && ::access("/run/systemd/private", F_OK) == 0) {
        r = f.create(&s.bus_->bus);
        if (r >= 0) r = f.set_address(s.bus_->bus, "unix:path=/run/systemd/private");
        if (r >= 0) r = f.start(s.bus_->bus);
        if (r < 0 && s.bus_->bus) s.bus_->bus = f.close(s.bus_->bus);
    }
    if (r < 0) r = f.open_system(&s.bus_->bus);
    if (r < 0)
        throw Error(std::string("systemd: cannot reach the service manager (is systemd the init of this host?): ") +
                    std::strerror(-r));
    // On a bus, only systemd's own signals count.
    const char* sender = f.is_bus_client(s.bus_->bus) > 0 ? kService : nullptr;
    check(f.match_signal(s.bus_->bus, &s.bus_->job_removed, sender, kPath, kManager, "JobRemoved", Bus::on_job_removed,
                         s.bus_),
          "watch for JobRemoved");
    return s;
}

Systemd::Systemd(Systemd&& o) noexcept : bus_(std::exchange(o.bus_, nullptr)) {}

Systemd::~Systemd() {
    if (!bus_) return;
    if (bus_->job_removed) sd().slot_unref(bus_->job_removed);
    if (bus_->bus) sd().close(bus_->bus);
    delete bus_;
}

void Systemd::start_scope(const SystemdUnit& unit, pid_t pid, const std::vector<UnitProperty>& resources) const {
    std::vector<UnitProperty> properties = {
        {"Description", "runac container " + unit.name},
        {"Slice", unit.slice},
        {"PIDs", std::vector<uint32_t>{static_cast<uint32_t>(pid)}},
        {"Delegate", true},
        // Ordered against nothing: the container is the engine's to stop.
        {"DefaultDependencies", false},
        // Collected when it ends, failed or not: the name is free again.
        {"CollectMode", std::string("inactive-or-failed")},
        {"MemoryAccounting", true},
        {"CPUAccounting", true},
        {"IOAccounting", true},
        {"TasksAccounting", true},
    };
    properties.insert(properties.end(), resources.begin(), resources.end());
    BusError error;
    Message reply = bus_->call("StartTransientUnit", [&](sd_bus_message* m) {
        check(sd().append(m, "ss", unit.name.c_str(), "replace"), "build a message");
        append_properties(m, properties);
        check(sd().append(m, "a(sa(sv))", 0), "build a message");
    }, error);
    if (error.e.name) {
        if (sd().error_has_name(&error.e, "org.freedesktop.systemd1.UnitExists")) return;
        throw Error("unable to start unit \"" + unit.name + "\": " + error.text());
    }
    const char* job = nullptr;
    check(sd().read(reply.m, "o", &job), "read StartTransientUnit's reply");
    std::string result = bus_->wait_for(job);
    if (result.empty()) throw Error("Timeout waiting for systemd to create " + unit.name);
    if (result != "done") throw Error("error creating systemd unit `" + unit.name + "`: got `" + result + "`");
}

void Systemd::set_properties(const std::string& unit, const std::vector<UnitProperty>& properties) const {
    if (properties.empty()) return;
    BusError error;
    bus_->call("SetUnitProperties", [&](sd_bus_message* m) {
        check(sd().append(m, "sb", unit.c_str(), 1), "build a message");
        append_properties(m, properties);
    }, error);
    if (error.e.name) throw Error("systemd: set the properties of " + unit + ": " + error.text());
}

void Systemd::stop(const std::string& unit) const {
    BusError error;
    Message reply = bus_->call("StopUnit", [&](sd_bus_message* m) {
        check(sd().append(m, "ss", unit.c_str(), "replace"), "build a message");
    }, error);
    if (error.e.name) {
        if (sd().error_has_name(&error.e, "org.freedesktop.systemd1.NoSuchUnit")) return;
        throw Error("systemd: stop " + unit + ": " + error.text());
    }
    const char* job = nullptr;
    check(sd().read(reply.m, "o", &job), "read StopUnit's reply");
    if (bus_->wait_for(job).empty()) throw Error("Timeout waiting for systemd to stop " + unit);
}

}  // namespace runac::cgroups
