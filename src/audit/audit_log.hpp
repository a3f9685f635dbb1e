// A container's audit log (policy.auditLog): JSON lines, one record each,
// in a file of its own under the audit directory (runac.conf `audit-dir`).
// Each record names the SHA-256 of the line before it ("prev"), so an
// edited or deleted record breaks the chain; the last record's number and
// hash are also kept beside the log (FILE.head), so a cut-off tail shows.
// Every writer (runac's commands, the monitor) appends under an exclusive
// flock of the log.
//
//   {"seq":1,"time":"2026-12-03T05:31:54.1Z","container":"ID","event":"create",...,"prev":"000..."}
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/fd.hpp"
#include "common/json.hpp"
#include "enforce/coverage.hpp"

namespace runac::audit {

inline const std::vector<enforce::Covers>& audit_covers() {
    static const std::vector<enforce::Covers> covers = {{enforce::Rule::AuditLog, enforce::Mechanism::AuditLog}};
    return covers;
}


// Where a container's log goes: DIR/ID.jsonl.
std::string log_path(const std::string& dir, const std::string& id);

class AuditLog {
public:
    // Opens (creating it 0600, its directory 0700) the log at `path`.
    static AuditLog open(const std::string& path, const std::string& container);
    AuditLog() = default;

    // Appends one record: the event, then the fields `fields` writes (keys
    // and values into the open object).
    void append(const std::string& event, const std::function<void(JsonWriter&)>& fields = {});
    bool is_open() const { return static_cast<bool>(log_); }
    // The same log on descriptors of its own, for a forked writer (the
    // monitor), which keeps them as they are.
    AuditLog duplicate() const;
    int log_fd() const { return log_.get(); }
    int head_fd() const { return head_.get(); }

private:
    UniqueFd log_, head_;
    std::string container_;
};

struct Verdict {
    bool ok = false;
    uint64_t records = 0;
    std::string problem;  // the first bad record: "record 3: ..."
};

// Walks the chain of the log at `path` and compares its end with the head.
Verdict verify(const std::string& path);

}  // namespace runac::audit
