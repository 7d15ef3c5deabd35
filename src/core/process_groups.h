// ProcessGroupLedger: where the exec driver records a deploy's process group
// before the program starts (DESIGN §3.10), so that a control plane
// restarted after kill -9 can tell that the deploy still runs, wait for it
// and kill it at its deadline, instead of starting a second one beside it.
// The Store implements it (one ledger); thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"

namespace rollcall {

struct ProcessGroupRecord {
  std::string slug;        // one deploy per tenant at a time: the key
  std::string rollout_id;  // for messages
  int64_t pgid = 0;        // == the leader's pid
  // The leader's start time (clock ticks after boot) and the boot it ran in:
  // a recorded id names our group only while they match.
  int64_t leader_start_ticks = 0;
  std::string boot_id;
  int64_t deadline_ms = 0;  // Unix ms: SIGTERM then, SIGKILL after the grace
};

class ProcessGroupLedger {
 public:
  ProcessGroupLedger() = default;
  ProcessGroupLedger(const ProcessGroupLedger&) = delete;
  ProcessGroupLedger& operator=(const ProcessGroupLedger&) = delete;
  virtual ~ProcessGroupLedger() = default;

  // Replaces the tenant's record.
  virtual Status RecordProcessGroup(const ProcessGroupRecord& record) = 0;
  virtual Result<std::optional<ProcessGroupRecord>> ProcessGroupOf(const std::string& slug) = 0;
  // Removes the tenant's record if it still names `pgid`.
  virtual Status ClearProcessGroup(const std::string& slug, int64_t pgid) = 0;
};

}  // namespace rollcall
