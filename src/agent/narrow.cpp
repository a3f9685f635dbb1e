#include "agent/narrow.hpp"

#include <algorithm>

#include "agent/secret_refs.hpp"
#include "agent/values.hpp"
#include "common/error.hpp"

namespace runac::agent {

namespace {

struct Narrowing {
    const std::string& floor_name;

    [[noreturn]] void widens(const std::string& path, const std::string& what) const {
        throw Error("agent." + path + ": " + what + " widens the floor (profile " + floor_name + ")");
    }
};

std::string at(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

bool covered_by_dirs(const std::string& path, const std::vector<std::string>& dirs) {
    return std::any_of(dirs.begin(), dirs.end(), [&](const std::string& d) { return path_within(path, d); });
}

template <typename T>
void add_unique(std::vector<T>& to, const std::vector<T>& from) {
    for (auto& x : from)
        if (std::find(to.begin(), to.end(), x) == to.end()) to.push_back(x);
}

HostPattern host_of(const std::string& text) {
    std::string problem;
    return *parse_host(text, problem);  // both policies were validated
}

bool egress_covers(const EgressRule& outer, const EgressRule& inner) {
    return outer.protocol == inner.protocol && (outer.port == 0 || outer.port == inner.port) &&
           host_covers(host_of(outer.host), host_of(inner.host));
}

std::string describe(const EgressRule& r) {
    return r.host + ":" + (r.port ? std::to_string(r.port) : "*") + (r.protocol == Protocol::Udp ? "/udp" : "/tcp");
}

// A command is covered by a floor entry of the same binary that allows at
// least its subcommands; the effective entry keeps both entries' denyArgs.
std::optional<Command> covered_command(const Command& own, const std::vector<Command>& floor) {
    for (auto& f : floor) {
        if (f.binary != own.binary) continue;
        bool subcommands_ok =
            f.subcommands.empty() ||
            (!own.subcommands.empty() && std::all_of(own.subcommands.begin(), own.subcommands.end(), [&](auto& s) {
                 return std::find(f.subcommands.begin(), f.subcommands.end(), s) != f.subcommands.end();
             }));
        if (!subcommands_ok) continue;
        Command effective = own;
        add_unique(effective.deny_args, f.deny_args);
        return effective;
    }
    return std::nullopt;
}

void narrow_filesystem(const Narrowing& n, const Policy& floor, const Policy& own, Policy& out) {
    out.read = floor.read;
    if (own.read) {
        if (floor.read)
            for (size_t i = 0; i < own.read->size(); i++)
                if (!covered_by_dirs((*own.read)[i], *floor.read))
                    n.widens(at("capabilities.filesystem.read", i), "reading " + (*own.read)[i]);
        out.read = own.read;
    }
    // Absent write means nothing writable, for the floor as for the container.
    for (size_t i = 0; i < own.write.size(); i++)
        if (!covered_by_dirs(own.write[i], floor.write))
            n.widens(at("capabilities.filesystem.write", i), "writing " + own.write[i]);
    out.write = own.write;
    // Like write: absent means nothing beyond the listed commands executable.
    // A floor without shell.commands lets anything run: nothing to widen.
    if (floor.commands)
        for (size_t i = 0; i < own.exec.size(); i++)
            if (!covered_by_dirs(own.exec[i], floor.exec))
                n.widens(at("capabilities.filesystem.exec", i), "executing below " + own.exec[i]);
    out.exec = own.exec.empty() ? floor.exec : own.exec;
    out.deny = floor.deny;
    add_unique(out.deny, own.deny);
}

void narrow_network(const Narrowing& n, const Policy& floor, const Policy& own, Policy& out) {
    out.egress = floor.egress;
    if (own.egress) {
        if (floor.egress)
            for (size_t i = 0; i < own.egress->size(); i++) {
                auto& r = (*own.egress)[i];
                if (std::none_of(floor.egress->begin(), floor.egress->end(), [&](auto& f) { return egress_covers(f, r); }))
                    n.widens(at("capabilities.network.egress", i), "egress to " + describe(r));
            }
        out.egress = own.egress;
    }
    out.network_deny = floor.network_deny;
    add_unique(out.network_deny, own.network_deny);
}

void narrow_commands(const Narrowing& n, const Policy& floor, const Policy& own, Policy& out) {
    out.commands = floor.commands;
    if (!own.commands) return;
    if (!floor.commands) {
        out.commands = own.commands;
        return;
    }
    std::vector<Command> effective;
    for (size_t i = 0; i < own.commands->size(); i++) {
        auto& c = (*own.commands)[i];
        auto covered = covered_command(c, *floor.commands);
        if (!covered) {
            std::string what = c.binary;
            for (auto& s : c.subcommands) what += " " + s;
            n.widens(at("capabilities.shell.commands", i),
                     "running " + what + (c.subcommands.empty() ? " (any arguments)" : ""));
        }
        effective.push_back(*covered);
    }
    out.commands = effective;
}

// File and store secrets bring the host's data in: the floor must provide
// each one. env:// secrets only move what the container already has.
void narrow_secrets(const Narrowing& n, const Policy& floor, const Policy& own, Policy& out) {
    out.secrets = floor.secrets;
    for (auto& s : own.secrets) {
        std::string path = "secrets." + s.name;
        auto f = std::find_if(out.secrets.begin(), out.secrets.end(), [&](auto& x) { return x.name == s.name; });
        if (f == out.secrets.end()) {
            if (s.provider != SecretProvider::Env) n.widens(path, "the secret " + secret_uri(s));
            out.secrets.push_back(s);
            continue;
        }
        if (f->provider != s.provider || f->source != s.source) n.widens(path, "a different source for " + s.name);
        if (s.allowed_tools) {
            if (f->allowed_tools)
                for (auto& tool : *s.allowed_tools)
                    if (std::find(f->allowed_tools->begin(), f->allowed_tools->end(), tool) == f->allowed_tools->end())
                        n.widens(path + ".allowedTools", "access by " + tool);
            f->allowed_tools = s.allowed_tools;
        }
    }
}

void narrow_session(const Narrowing& n, const Policy& floor, const Policy& own, Policy& out) {
    if (own.escalation == Escalation::Prompt && floor.escalation == Escalation::Deny)
        n.widens("policy.escalation", "prompt");
    out.escalation = floor.escalation == Escalation::Deny ? Escalation::Deny : own.escalation;
    if (!own.audit_log && floor.audit_log) n.widens("policy.auditLog", "false");
    out.audit_log = floor.audit_log || own.audit_log;
    out.session_timeout_seconds = floor.session_timeout_seconds;
    if (own.session_timeout_seconds) {
        if (floor.session_timeout_seconds && *own.session_timeout_seconds > *floor.session_timeout_seconds)
            n.widens("policy.sessionTimeout", "a session of " + std::to_string(*own.session_timeout_seconds) + "s");
        out.session_timeout_seconds = own.session_timeout_seconds;
    }
    if (own.mode == Mode::BestEffort && floor.mode == Mode::Strict) n.widens("enforcement.mode", "best-effort");
    out.mode = floor.mode == Mode::Strict ? Mode::Strict : own.mode;
    out.require = floor.require;
    add_unique(out.require, own.require);
    out.outside_runtime = floor.outside_runtime;
    add_unique(out.outside_runtime, own.outside_runtime);
}

}  // namespace

Policy narrow(const Policy& floor, const Policy& own, const std::string& floor_name) {
    Narrowing n{floor_name};
    Policy out;
    narrow_filesystem(n, floor, own, out);
    narrow_network(n, floor, own, out);
    narrow_commands(n, floor, own, out);
    narrow_secrets(n, floor, own, out);
    narrow_session(n, floor, own, out);
    return out;
}

}  // namespace runac::agent
