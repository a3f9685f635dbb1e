#include "common/json.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <strings.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "common/error.hpp"

namespace runac {

namespace {
std::string child_path(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
}
const char* type_name(yajl_val v) {
    if (!v || YAJL_IS_NULL(v)) return "null";
    if (YAJL_IS_OBJECT(v)) return "object";
    if (YAJL_IS_ARRAY(v)) return "array";
    if (YAJL_IS_STRING(v)) return "string";
    if (YAJL_IS_NUMBER(v)) return "number";
    return "boolean";
}
}  // namespace

void JsonValue::fail(const std::string& what) const {
    throw Error((path_.empty() ? std::string("(document)") : path_) + ": " + what);
}

bool JsonValue::is_null() const { return !v_ || YAJL_IS_NULL(v_); }
bool JsonValue::is_object() const { return v_ && YAJL_IS_OBJECT(v_); }
bool JsonValue::is_array() const { return v_ && YAJL_IS_ARRAY(v_); }
bool JsonValue::is_string() const { return v_ && YAJL_IS_STRING(v_); }

std::string JsonValue::as_string() const {
    if (!is_string()) fail(std::string("expected a string, got ") + type_name(v_));
    return YAJL_GET_STRING(v_);
}

bool JsonValue::as_bool() const {
    if (v_ && YAJL_IS_TRUE(v_)) return true;
    if (v_ && YAJL_IS_FALSE(v_)) return false;
    fail(std::string("expected a boolean, got ") + type_name(v_));
}

int64_t JsonValue::as_int() const {
    if (!v_ || !YAJL_IS_INTEGER(v_)) fail(std::string("expected an integer, got ") + type_name(v_));
    return YAJL_GET_INTEGER(v_);
}

uint64_t JsonValue::as_uint() const {
    if (!v_ || !YAJL_IS_NUMBER(v_)) fail(std::string("expected an unsigned integer, got ") + type_name(v_));
    // yajl keeps the literal text: parse it ourselves, since values above
    // INT64_MAX (RLIM_INFINITY as 18446744073709551615) do not fit its integer.
    const char* text = YAJL_GET_NUMBER(v_);
    if (*text == '-') fail("expected an unsigned integer, got a negative number");
    errno = 0;
    char* end = nullptr;
    unsigned long long n = std::strtoull(text, &end, 10);
    if (errno == ERANGE || *end != '\0') fail(std::string("expected an unsigned integer, got ") + text);
    return n;
}

std::vector<JsonValue> JsonValue::items() const {
    if (!is_array()) fail(std::string("expected an array, got ") + type_name(v_));
    std::vector<JsonValue> out;
    for (size_t i = 0; i < v_->u.array.len; i++)
        out.emplace_back(v_->u.array.values[i], path_ + "[" + std::to_string(i) + "]", keys_);
    return out;
}

void JsonValue::for_each(const std::function<void(const std::string&, const JsonValue&)>& fn) const {
    if (!is_object()) fail(std::string("expected an object, got ") + type_name(v_));
    for (size_t i = 0; i < v_->u.object.len; i++) {
        std::string k = v_->u.object.keys[i];
        fn(k, JsonValue(v_->u.object.values[i], child_path(path_, k), keys_));
    }
}

std::optional<JsonValue> JsonValue::get(const std::string& key) const {
    if (!is_object()) fail(std::string("expected an object, got ") + type_name(v_));
    const size_t none = v_->u.object.len;
    size_t found = none;
    for (size_t i = 0; i < v_->u.object.len && found == none; i++)
        if (key == v_->u.object.keys[i]) found = i;
    for (size_t i = 0; i < v_->u.object.len && found == none && keys_ == KeyMatch::AnyCase; i++)
        if (::strcasecmp(key.c_str(), v_->u.object.keys[i]) == 0) found = i;
    if (found == none) return std::nullopt;
    yajl_val child = v_->u.object.values[found];
    if (!child || YAJL_IS_NULL(child)) return std::nullopt;
    // Errors name the field as the schema spells it.
    return JsonValue(child, child_path(path_, key), keys_);
}

JsonValue JsonValue::required(const std::string& key) const {
    auto v = get(key);
    if (!v) throw Error(child_path(path_, key) + ": must be set");
    return *v;
}

std::vector<std::string> JsonValue::string_list() const {
    std::vector<std::string> out;
    for (auto& item : items()) out.push_back(item.as_string());
    return out;
}

void JsonDocument::Free::operator()(yajl_val v) const { yajl_tree_free(v); }

JsonDocument JsonDocument::parse(const std::string& text, const std::string& origin, KeyMatch keys) {
    char err[512] = {0};
    yajl_val v = yajl_tree_parse(text.c_str(), err, sizeof err);
    if (!v) {
        std::string msg = err;
        // yajl's message spans lines (it points at the offending byte); keep one.
        auto nl = msg.find('\n');
        if (nl != std::string::npos) msg = msg.substr(0, nl);
        throw Error(origin + ": invalid JSON: " + (msg.empty() ? "parse error" : msg));
    }
    JsonDocument doc;
    doc.root_.reset(v);
    doc.keys_ = keys;
    return doc;
}

JsonWriter::JsonWriter(bool indent) : g_(yajl_gen_alloc(nullptr)) {
    if (indent) {
        yajl_gen_config(g_, yajl_gen_beautify, 1);
        yajl_gen_config(g_, yajl_gen_indent_string, "  ");
    }
}
JsonWriter::~JsonWriter() { yajl_gen_free(g_); }

JsonWriter& JsonWriter::begin_object() { yajl_gen_map_open(g_); return *this; }
JsonWriter& JsonWriter::end_object() { yajl_gen_map_close(g_); return *this; }
JsonWriter& JsonWriter::begin_array() { yajl_gen_array_open(g_); return *this; }
JsonWriter& JsonWriter::end_array() { yajl_gen_array_close(g_); return *this; }
JsonWriter& JsonWriter::key(const std::string& k) { return value(k); }
JsonWriter& JsonWriter::value(const std::string& s) {
    yajl_gen_string(g_, reinterpret_cast<const unsigned char*>(s.data()), s.size());
    return *this;
}
JsonWriter& JsonWriter::value(int64_t n) { yajl_gen_integer(g_, n); return *this; }
JsonWriter& JsonWriter::value_uint(uint64_t n) {
    std::string s = std::to_string(n);
    yajl_gen_number(g_, s.data(), s.size());
    return *this;
}
JsonWriter& JsonWriter::value(bool b) { yajl_gen_bool(g_, b); return *this; }
JsonWriter& JsonWriter::null() { yajl_gen_null(g_); return *this; }
JsonWriter& JsonWriter::strings(const std::vector<std::string>& list) {
    begin_array();
    for (auto& s : list) value(s);
    return end_array();
}

JsonWriter& JsonWriter::copy(const JsonValue& v, const std::function<bool(const JsonValue&)>& drop) {
    yajl_val y = v.v_;
    if (v.is_object()) {
        begin_object();
        v.for_each([&](const std::string& k, const JsonValue& member) {
            if (drop && drop(member)) return;
            key(k);
            copy(member, drop);
        });
        return end_object();
    }
    if (v.is_array()) {
        begin_array();
        for (auto& item : v.items())
            if (!drop || !drop(item)) copy(item, drop);
        return end_array();
    }
    if (v.is_string()) return value(v.as_string());
    if (y && YAJL_IS_NUMBER(y)) {
        yajl_gen_number(g_, y->u.number.r, std::strlen(y->u.number.r));
        return *this;
    }
    if (y && (YAJL_IS_TRUE(y) || YAJL_IS_FALSE(y))) return value(static_cast<bool>(YAJL_IS_TRUE(y)));
    return null();
}

std::string JsonWriter::str() const {
    const unsigned char* buf;
    size_t len;
    yajl_gen_get_buf(g_, &buf, &len);
    std::string out(reinterpret_cast<const char*>(buf), len);
    // yajl's beautifier ends with a newline; runc's output does not.
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

std::string json_quote(const std::string& s) {
    JsonWriter w;
    w.begin_array().value(s).end_array();
    std::string arr = w.str();
    return arr.substr(1, arr.size() - 2);
}

}  // namespace runac
