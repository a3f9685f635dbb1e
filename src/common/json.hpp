// JSON in and out through yajl. Parsing keeps the JSON path of every value so
// a validation error can name the exact field ("linux.namespaces[2].type").
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

typedef struct yajl_val_s* yajl_val;
typedef struct yajl_gen_t* yajl_gen;

namespace runac {

// How get() matches an object's keys: exactly (runac's own documents, the
// agent policy), or as Go's encoding/json does for runc's (config.json, a
// process, resources): an exact match first, else one that differs only in
// ASCII case ("pagesize" for "pageSize").
enum class KeyMatch { Exact, AnyCase };

// A borrowed view of one parsed value plus its path. Accessors throw Error
// "PATH: expected TYPE" on a type mismatch.
class JsonValue {
public:
    JsonValue(yajl_val v, std::string path, KeyMatch keys = KeyMatch::Exact)
        : v_(v), path_(std::move(path)), keys_(keys) {}

    const std::string& path() const { return path_; }
    bool is_null() const;
    bool is_object() const;
    bool is_array() const;
    bool is_string() const;

    std::string as_string() const;
    bool as_bool() const;
    int64_t as_int() const;
    uint64_t as_uint() const;
    // Array elements, each with its own "path[i]".
    std::vector<JsonValue> items() const;
    // Object members in document order.
    void for_each(const std::function<void(const std::string&, const JsonValue&)>& fn) const;
    // A member, or nullopt when absent or null.
    std::optional<JsonValue> get(const std::string& key) const;
    // A member that must be there: throws "PATH.key: must be set".
    JsonValue required(const std::string& key) const;
    std::vector<std::string> string_list() const;

    [[noreturn]] void fail(const std::string& what) const;

private:
    friend class JsonWriter;
    yajl_val v_;
    std::string path_;
    KeyMatch keys_;
};

// Owns a parsed document.
class JsonDocument {
public:
    // `origin` names the document in errors ("config.json").
    static JsonDocument parse(const std::string& text, const std::string& origin, KeyMatch keys = KeyMatch::Exact);
    JsonValue root() const { return JsonValue(root_.get(), "", keys_); }
    // The root named `path` in errors ("agent" for a policy document).
    JsonValue root_at(const std::string& path) const { return JsonValue(root_.get(), path, keys_); }

private:
    KeyMatch keys_ = KeyMatch::Exact;
    struct Free {
        void operator()(yajl_val v) const;
    };
    std::unique_ptr<struct yajl_val_s, Free> root_;
};

// Streaming writer over yajl_gen; `indent` gives runc's 2-space pretty form.
class JsonWriter {
public:
    explicit JsonWriter(bool indent = false);
    ~JsonWriter();
    JsonWriter(const JsonWriter&) = delete;
    JsonWriter& operator=(const JsonWriter&) = delete;

    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(const std::string& k);
    JsonWriter& value(const std::string& s);
    JsonWriter& value(const char* s) { return value(std::string(s)); }
    JsonWriter& value(int64_t n);
    JsonWriter& value(int n) { return value(static_cast<int64_t>(n)); }
    JsonWriter& value_uint(uint64_t n);
    JsonWriter& value(bool b);
    JsonWriter& null();
    JsonWriter& strings(const std::vector<std::string>& list);
    // Writes a parsed value as it is (numbers keep their text), leaving out
    // every member or element, at any depth, for which `drop` says true.
    JsonWriter& copy(const JsonValue& v, const std::function<bool(const JsonValue&)>& drop = {});
    std::string str() const;

private:
    yajl_gen g_;
};

// A JSON string literal with quotes ("a\"b"), for hand-assembled lines.
std::string json_quote(const std::string& s);

}  // namespace runac
