#include "agent/suggest.hpp"

#include <functional>
#include <optional>
#include <set>

#include "agent/grants.hpp"
#include "agent/sources.hpp"
#include "agent/values.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/json.hpp"

namespace runac::agent {

namespace {

// One element to append to an array of the document ("capabilities.network.egress").
struct Addition {
    std::string array;
    std::string shown;  // the element, as JSON
    std::function<void(JsonWriter&)> write;
};

std::optional<JsonValue> member_at(const JsonValue& root, const std::string& path) {
    std::optional<JsonValue> v = root;
    for (auto& key : split(path, '.')) {
        if (!v) break;
        v = v->is_object() ? v->get(key) : std::nullopt;
    }
    return v;
}

// The document with the additions appended to their arrays.
void write_merged(JsonWriter& w, const JsonValue& v, const std::string& path, const std::vector<const Addition*>& adds) {
    if (v.is_object()) {
        w.begin_object();
        v.for_each([&](const std::string& key, const JsonValue& m) {
            w.key(key);
            write_merged(w, m, path.empty() ? key : path + "." + key, adds);
        });
        w.end_object();
    } else if (v.is_array()) {
        w.begin_array();
        for (auto& item : v.items()) w.copy(item);
        for (auto* a : adds)
            if (a->array == path) a->write(w);
        w.end_array();
    } else {
        w.copy(v);
    }
}

std::string merged(const JsonValue& document, const std::vector<const Addition*>& adds) {
    JsonWriter w(true);
    write_merged(w, document, "", adds);
    return w.str();
}

bool kernel_interface(const std::string& path) {
    return path_within(path, "/proc") || path_within(path, "/sys") || path_within(path, "/dev");
}

// What the log's refusals ask for, where `document` can take it.
class Collector {
public:
    explicit Collector(const JsonValue& document) : doc_(document) {}

    void record(const JsonValue& r) {
        std::string event = text(r, "event");
        if (event == "denied") denied(r);
        if (event == "dns" && text(r, "answer").rfind("refused: not allowed", 0) == 0) name(text(r, "name"));
        if (event == "exec") {
            std::string refused = text(r, "refused");
            auto argv = r.get("argv");
            if (refused.find(" is not an allowed command") != std::string::npos && argv && !argv->items().empty())
                command(argv->items()[0].as_string(), "runac exec");
            else if (!refused.empty())
                leave("runac exec: " + refused + " (arguments are not suggested)");
        }
    }

    std::vector<Addition> additions;
    std::vector<std::string> left;

private:
    static std::string text(const JsonValue& r, const std::string& key) {
        auto v = r.get(key);
        return v && v->is_string() ? v->as_string() : "";
    }

    void denied(const JsonValue& r) {
        std::string rule = text(r, "rule"), path = text(r, "path");
        if (rule == "network.egress" && r.get("address") && r.get("port")) {
            EgressRule e;
            e.host = text(r, "address");
            e.port = static_cast<uint16_t>(r.get("port")->as_int());
            e.protocol = text(r, "protocol") == "udp" ? Protocol::Udp : Protocol::Tcp;
            egress(e);
        } else if ((rule == "filesystem.read" || rule == "filesystem.write") && !path.empty()) {
            if (kernel_interface(path)) return leave(rule + " " + path + ": a kernel interface, not suggested");
            add_string("capabilities." + std::string(rule == "filesystem.read" ? "filesystem.read" : "filesystem.write"),
                       path, rule);
        } else if (rule == "shell.commands" && !path.empty()) {
            command(path, "shell.commands");
        } else if (rule == "shell.commands" && !text(r, "executable").empty()) {
            command(text(r, "executable"), "shell.commands");  // BPF LSM's refusal: the file's name
        } else if (!rule.empty()) {
            leave(rule + (path.empty() ? "" : " " + path) + (r.get("syscall") ? " " + text(r, "syscall") : "") +
                  (r.get("address") ? " " + text(r, "address") : "") + ": no policy entry allows it");
        }
    }

    void egress(const EgressRule& e) {
        JsonWriter w;
        write_egress_rule(w, e);
        std::string shown = w.str();
        add("capabilities.network.egress", shown, [e](JsonWriter& out) { write_egress_rule(out, e); },
            "network.egress");
    }

    void name(const std::string& host) {
        if (host.empty()) return;
        if (auto deny = member_at(doc_, "capabilities.network.deny"); deny && deny->is_array())
            for (auto& d : deny->items())
                if (d.is_string() && d.as_string() == host) return leave("network.deny " + host + ": denied by the policy");
        if (auto domains = member_at(doc_, "capabilities.network.egress.allowedDomains"))
            return add_string("capabilities.network.egress.allowedDomains", host, "network.egress");
        egress({host, 0, Protocol::Tcp});
    }

    void command(const std::string& binary, const std::string& rule) {
        const char* arrays[] = {"capabilities.shell.commands", "tools.allowedBinaries"};
        for (const char* a : arrays)
            if (auto v = member_at(doc_, a); v && v->is_array()) return add_string(a, binary, rule);
        leave(rule + " " + binary + ": restricted by the floor profile, which a container's policy cannot widen");
    }

    void add_string(const std::string& array, const std::string& value, const std::string& rule) {
        add(array, json_quote(value), [value](JsonWriter& w) { w.value(value); }, rule);
    }

    void add(const std::string& array, const std::string& shown, std::function<void(JsonWriter&)> write,
             const std::string& rule) {
        if (!seen_.insert(array + " " + shown).second) return;
        auto target = member_at(doc_, array);
        if (!target || !target->is_array()) {
            leave(rule + " " + shown + ": restricted by the floor profile, which a container's policy cannot widen");
            return;
        }
        additions.push_back({array, shown, std::move(write)});
    }

    void leave(const std::string& why) {
        if (seen_.insert("left " + why).second) left.push_back(why);
    }

    const JsonValue& doc_;
    std::set<std::string> seen_;
};

}  // namespace

Suggestion suggest(const std::string& log, const Settings& settings) {
    std::vector<JsonDocument> records;
    size_t number = 0;
    for (auto& line : lines(log)) {
        number++;
        if (!line.empty()) records.push_back(JsonDocument::parse(line, "record " + std::to_string(number)));
    }
    const JsonDocument* create = nullptr;
    for (auto& r : records)
        if (auto e = r.root().get("event"); e && e->is_string() && e->as_string() == "create") {
            create = &r;
            break;
        }
    if (!create) throw Error("policy suggest: the log has no create record");
    // Without a document of its own the container ran under the floor alone.
    JsonDocument none = JsonDocument::parse("{}", "(no policy document)");
    JsonValue document = create->root().get("document").value_or(none.root());

    Collector c(document);
    for (auto& r : records) c.record(r.root());
    Suggestion out;
    out.left = std::move(c.left);
    // Each addition must keep the document valid and within the floor.
    std::vector<const Addition*> kept;
    for (auto& a : c.additions) {
        kept.push_back(&a);
        try {
            resolve_document({merged(document, kept), "the suggestion", false, "", ""}, settings);
            out.added.push_back(a.array + ": " + a.shown);
        } catch (const Error& e) {
            kept.pop_back();
            out.left.push_back(a.array + " " + a.shown + ": " + e.what());
        }
    }
    out.document = merged(document, kept);
    return out;
}

}  // namespace runac::agent
