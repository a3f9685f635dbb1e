#include "audit/audit_log.hpp"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "container/state.hpp"

namespace runac::audit {

namespace {

const std::string kNoPrevious(64, '0');

// The head: the last record's number and its line's hash, in a fixed size
// so that it is rewritten in place.
struct Head {
    uint64_t seq = 0;
    std::string hash = kNoPrevious;
};

std::string head_text(const Head& h) {
    char line[96];
    std::snprintf(line, sizeof line, "%020llu %s\n", static_cast<unsigned long long>(h.seq), h.hash.c_str());
    return line;
}

std::optional<Head> parse_head(const std::string& text) {
    std::vector<std::string> w = words(trim(text));
    auto seq = w.size() == 2 ? parse_uint(w[0]) : std::nullopt;
    if (!seq || w[1].size() != 64) return std::nullopt;
    return Head{*seq, w[1]};
}

std::string head_path(const std::string& path) { return path + ".head"; }

}  // namespace

std::string log_path(const std::string& dir, const std::string& id) { return dir + "/" + id + ".jsonl"; }

AuditLog AuditLog::open(const std::string& path, const std::string& container) {
    std::string dir = path.substr(0, path.rfind('/'));
    make_dirs(dir, 0700, "policy.auditLog");
    AuditLog a;
    a.container_ = container;
    a.log_.reset(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
    if (!a.log_) throw_errno("policy.auditLog: open " + path);
    a.head_.reset(::open(head_path(path).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!a.head_) throw_errno("policy.auditLog: open " + head_path(path));
    return a;
}

AuditLog AuditLog::duplicate() const {
    AuditLog a;
    a.container_ = container_;
    if (!log_) return a;
    a.log_.reset(::fcntl(log_.get(), F_DUPFD_CLOEXEC, 3));
    a.head_.reset(::fcntl(head_.get(), F_DUPFD_CLOEXEC, 3));
    if (!a.log_ || !a.head_) throw_errno("policy.auditLog: dup");
    return a;
}

void AuditLog::append(const std::string& event, const std::function<void(JsonWriter&)>& fields) {
    if (!log_) return;
    while (::flock(log_.get(), LOCK_EX) != 0)
        if (errno != EINTR) throw_errno("policy.auditLog: lock");
    char buf[128] = {};
    ssize_t n = ::pread(head_.get(), buf, sizeof buf - 1, 0);
    Head head = n > 0 ? parse_head(buf).value_or(Head{}) : Head{};
    JsonWriter w;
    w.begin_object().key("seq").value_uint(head.seq + 1).key("time").value(container::now_rfc3339nano());
    w.key("container").value(container_).key("event").value(event);
    if (fields) fields(w);
    w.key("prev").value(head.hash).end_object();
    std::string line = w.str();
    std::string record = line + "\n";
    bool written = ::write(log_.get(), record.data(), record.size()) == static_cast<ssize_t>(record.size());
    if (written) {
        std::string h = head_text({head.seq + 1, sha256_hex(line)});
        written = ::pwrite(head_.get(), h.data(), h.size(), 0) == static_cast<ssize_t>(h.size());
    }
    ::flock(log_.get(), LOCK_UN);
    if (!written) throw_errno("policy.auditLog: write");
}

Verdict verify(const std::string& path) {
    Verdict v;
    auto text = read_file_if_exists(path);
    if (!text) {
        v.problem = "cannot read " + path;
        return v;
    }
    std::string previous = kNoPrevious;
    for (auto& line : lines(*text)) {
        uint64_t seq = v.records + 1;
        std::string at = "record " + std::to_string(seq) + ": ";
        try {
            JsonDocument doc = JsonDocument::parse(line, "record");
            JsonValue r = doc.root();
            if (r.required("seq").as_uint() != seq) {
                v.problem = at + "numbered " + std::to_string(r.required("seq").as_uint()) + " (a record is missing)";
                return v;
            }
            if (r.required("prev").as_string() != previous) {
                v.problem = at + "the record before it was changed or removed";
                return v;
            }
        } catch (const Error& e) {
            v.problem = at + "not a record (" + e.what() + ")";
            return v;
        }
        previous = sha256_hex(line);
        v.records = seq;
    }
    auto head = read_file_if_exists(head_path(path));
    if (!head) {
        v.problem = "no " + head_path(path) + ": the end of the log cannot be checked";
        return v;
    }
    auto h = parse_head(*head);
    if (!h) {
        v.problem = head_path(path) + ": not a head";
        return v;
    }
    if (h->seq != v.records || h->hash != previous) {
        v.problem = h->seq > v.records
                        ? "record " + std::to_string(v.records + 1) + ": missing (the head names record " +
                              std::to_string(h->seq) + "; the log was cut off)"
                        : "record " + std::to_string(h->seq) + ": not the one the head names (changed, or the log was rewritten)";
        return v;
    }
    v.ok = true;
    return v;
}

}  // namespace runac::audit
