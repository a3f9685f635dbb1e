// The monitor's side of policy.escalation: prompt: it turns the refusals it
// hears of (the egress programs' and the BPF LSM exec check's ring buffers,
// the resolver) into requests (monitor/approvals.hpp), answers `runac
// approvals/approve/deny` on the control socket (monitor/control.hpp),
// applies an approval live (an address into the programs' allow maps, a
// name into the resolver's policy, an executable into the exec allowlist:
// no restart), and audits every request and decision.
#pragma once
#include <cstdint>
#include <string>

#include "common/fd.hpp"
#include "enforce/egress.hpp"
#include "enforce/lsm.hpp"
#include "monitor/approvals.hpp"
#include "monitor/control.hpp"
#include "monitor/reports.hpp"
#include "monitor/resolver.hpp"

namespace runac::monitor {

class Approver {
public:
    // `resolver`: the monitor's, when it follows DNS (nullptr otherwise).
    Approver(int64_t timeout_seconds, UniqueFd control, const enforce::MonitorMaps& maps,
             const enforce::LsmMaps& lsm, Resolver* resolver, Reporter& reporter)
        : requests_(timeout_seconds), control_(std::move(control)), maps_(maps), lsm_(lsm), resolver_(resolver),
          reporter_(reporter) {}
    int fd() const { return control_.get(); }
    // A refusal a human may lift.
    void refused(const Askable& what);
    // One connection on fd().
    void serve();
    // Once a second: pending requests whose time ran out are denied.
    void tick();

private:
    std::string handle(const std::string& question);
    void apply(const Request& r);
    void audit(const Request& r, const char* event);

    Requests requests_;
    UniqueFd control_;
    enforce::MonitorMaps maps_;
    enforce::LsmMaps lsm_;
    Resolver* resolver_;
    Reporter& reporter_;
};

}  // namespace runac::monitor
