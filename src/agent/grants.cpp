#include "agent/grants.hpp"

#include <algorithm>
#include <cerrno>
#include <sys/stat.h>

#include "agent/parse.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/json.hpp"

namespace runac::agent {

std::string grant_path(const std::string& dir, const std::string& id) { return dir + "/" + id + ".json"; }

void write_egress_rule(JsonWriter& w, const EgressRule& rule) {
    w.begin_object().key("host").value(rule.host);
    if (rule.port) w.key("port").value(static_cast<int64_t>(rule.port));
    if (rule.protocol == Protocol::Udp) w.key("protocol").value("udp");
    w.end_object();
}

std::string egress_rule_json(const EgressRule& rule) {
    JsonWriter w;
    write_egress_rule(w, rule);
    return w.str();
}

std::vector<EgressRule> read_grants(const std::string& path) {
    auto text = read_file_if_exists(path);
    if (!text) return {};
    JsonDocument doc = JsonDocument::parse(*text, path);
    std::vector<EgressRule> rules;
    for (auto& item : doc.root_at(path).items()) rules.push_back(parse_egress_rule(item));
    return rules;
}

void add_grant(const std::string& path, const EgressRule& rule) {
    auto rules = read_grants(path);
    if (std::find(rules.begin(), rules.end(), rule) != rules.end()) return;
    rules.push_back(rule);
    std::string dir = path.substr(0, path.rfind('/'));
    make_dirs(dir, 0700, "grant-dir");
    std::string text = "[";
    for (size_t i = 0; i < rules.size(); i++) text += (i ? ",\n " : "") + egress_rule_json(rules[i]);
    write_file_atomic(path, text + "]\n", 0600);
}

}  // namespace runac::agent
