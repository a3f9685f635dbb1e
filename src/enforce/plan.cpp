#include "enforce/plan.hpp"

#include "common/error.hpp"
#include "common/json.hpp"

namespace runac::enforce {

namespace {

const char* kind_name(PolicyMount::Kind k) {
    switch (k) {
        case PolicyMount::Kind::WritableBind: return "writable-bind";
        case PolicyMount::Kind::ExecBind: return "exec-bind";
        case PolicyMount::Kind::Deny: return "deny";
    }
    return "";
}

PolicyMount::Kind kind_of(const JsonValue& v) {
    std::string s = v.as_string();
    for (auto k : {PolicyMount::Kind::WritableBind, PolicyMount::Kind::ExecBind, PolicyMount::Kind::Deny})
        if (s == kind_name(k)) return k;
    v.fail("unknown mount kind " + s);
}

void write_nets(JsonWriter& w, const char* key, const std::vector<EgressNet>& nets) {
    w.key(key).begin_array();
    for (auto& n : nets)
        w.begin_object().key("network").value(n.network).key("port").value(n.port).key("protocol").value(n.protocol)
            .end_object();
    w.end_array();
}

std::vector<EgressNet> nets_of(const JsonValue& v) {
    std::vector<EgressNet> out;
    for (auto& n : v.items())
        out.push_back({n.required("network").as_string(), static_cast<uint16_t>(n.required("port").as_int()),
                       static_cast<uint8_t>(n.required("protocol").as_int())});
    return out;
}

}  // namespace

std::string plan_json(const Plan& p) {
    JsonWriter w;
    w.begin_object();
    w.key("mounts").begin_array();
    for (auto& m : p.mounts)
        w.begin_object().key("kind").value(kind_name(m.kind)).key("path").value(m.path).key("noexec").value(m.noexec).end_object();
    w.end_array();
    w.key("secrets").strings(p.secrets);
    w.key("secretEnv").strings(p.secret_env);
    w.key("execAllowlist").value(p.exec_allowlist);
    w.key("commands").begin_array();
    for (auto& c : p.commands)
        w.begin_object().key("binary").value(c.binary).key("subcommands").strings(c.subcommands)
            .key("denyArgs").strings(c.deny_args).end_object();
    w.end_array();
    w.key("landlock").begin_object();
    w.key("abi").value(p.landlock.abi);
    w.key("handledFs").value_uint(p.landlock.handled_fs);
    w.key("scoped").value_uint(p.landlock.scoped);
    w.key("restrictFlags").value_uint(p.landlock.restrict_flags);
    w.key("rules").begin_array();
    for (auto& r : p.landlock.rules)
        w.begin_object().key("path").value(r.path).key("access").value_uint(r.access).end_object();
    w.end_array();
    w.end_object();
    w.key("egress").begin_object().key("filtered").value(p.egress.filtered).key("open").value(p.egress.open);
    write_nets(w, "allow", p.egress.allow);
    write_nets(w, "deny", p.egress.deny);
    w.key("followDns").value(p.egress.follow_dns);
    w.key("report").value(p.egress.report);
    w.key("prompt").value(p.egress.prompt);
    w.key("names").begin_array();
    for (auto& n : p.egress.names)
        w.begin_object().key("pattern").value(n.pattern).key("port").value(n.port).key("protocol").value(n.protocol)
            .end_object();
    w.end_array();
    w.key("denyNames").strings(p.egress.deny_names);
    w.end_object();
    w.key("lsm").begin_object().key("attached").value(p.lsm.attached).key("deny").value(p.lsm.deny);
    w.key("exec").value(p.lsm.exec).key("prompt").value(p.lsm.prompt).key("memfd").value(p.lsm.memfd);
    w.key("secretTools").begin_array();
    for (auto& s : p.lsm.secret_tools)
        w.begin_object().key("secret").value(s.secret).key("tools").strings(s.tools).end_object();
    w.end_array().end_object();
    w.key("apparmorProfile").value(p.apparmor_profile);
    w.key("sessionTimeout").value(p.session_timeout);
    w.key("memfdNoexec").value(p.memfd_noexec);
    w.key("agentSeccomp").value(p.agent_seccomp);
    w.key("refuseMemfd").value(p.refuse_memfd);
    w.end_object();
    return w.str();
}

Plan parse_plan(const std::string& json) {
    JsonDocument doc = JsonDocument::parse(json, "plan.json");
    JsonValue root = doc.root();
    Plan p;
    for (auto& m : root.required("mounts").items())
        p.mounts.push_back({kind_of(m.required("kind")), m.required("path").as_string(), m.required("noexec").as_bool()});
    p.secrets = root.required("secrets").string_list();
    p.secret_env = root.required("secretEnv").string_list();
    p.exec_allowlist = root.required("execAllowlist").as_bool();
    for (auto& c : root.required("commands").items())
        p.commands.push_back({c.required("binary").as_string(), c.required("subcommands").string_list(),
                              c.required("denyArgs").string_list()});
    JsonValue l = root.required("landlock");
    p.landlock.abi = static_cast<int>(l.required("abi").as_int());
    p.landlock.handled_fs = l.required("handledFs").as_uint();
    p.landlock.scoped = l.required("scoped").as_uint();
    p.landlock.restrict_flags = static_cast<uint32_t>(l.required("restrictFlags").as_uint());
    for (auto& r : l.required("rules").items())
        p.landlock.rules.push_back({r.required("path").as_string(), r.required("access").as_uint()});
    JsonValue e = root.required("egress");
    p.egress.filtered = e.required("filtered").as_bool();
    p.egress.open = e.required("open").as_bool();
    p.egress.allow = nets_of(e.required("allow"));
    p.egress.deny = nets_of(e.required("deny"));
    p.egress.follow_dns = e.required("followDns").as_bool();
    p.egress.report = e.required("report").as_bool();
    // Absent in the plan of a container an older runac created.
    if (auto prompt = e.get("prompt")) p.egress.prompt = prompt->as_bool();
    for (auto& n : e.required("names").items())
        p.egress.names.push_back({n.required("pattern").as_string(), static_cast<uint16_t>(n.required("port").as_int()),
                                  static_cast<uint8_t>(n.required("protocol").as_int())});
    p.egress.deny_names = e.required("denyNames").string_list();
    // Absent in the plan of a container an older runac created.
    if (auto l = root.get("lsm")) {
        p.lsm.attached = l->required("attached").as_bool();
        p.lsm.deny = l->required("deny").as_bool();
        p.lsm.exec = l->required("exec").as_bool();
        p.lsm.prompt = l->required("prompt").as_bool();
        p.lsm.memfd = l->required("memfd").as_bool();
        for (auto& s : l->required("secretTools").items())
            p.lsm.secret_tools.push_back({s.required("secret").as_string(), s.required("tools").string_list()});
    }
    if (auto a = root.get("apparmorProfile")) p.apparmor_profile = a->as_string();
    p.session_timeout = root.required("sessionTimeout").as_int();
    p.memfd_noexec = root.required("memfdNoexec").as_bool();
    p.agent_seccomp = root.required("agentSeccomp").as_bool();
    p.refuse_memfd = root.required("refuseMemfd").as_bool();
    return p;
}

}  // namespace runac::enforce
