// The pipeline's stages as functions with outcomes, so `deploy` can chain
// them and the single-stage commands are thin wrappers. Each prints its own
// progress and CI annotations.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace rollcall {

struct StageOutcome {
  int exit = kExitFailed;
  std::string detail;  // one line for the deploy summary
};

// ROLLCALL_DISABLED, then the server's fleet freeze (unreadable: closed).
StageOutcome RunAssertEnabledStage(const Globals& g);

struct RolloutOutcome : StageOutcome {
  std::string rollout_id;
  std::vector<std::string> stragglers;  // quarantined, when the rollout passed
};
// POST /v1/rollouts with `seq` (already resolved), follow, gate, report.
RolloutOutcome RunRolloutStage(const Globals& g, const RolloutFlags& f, std::optional<int64_t> seq);

// Verify excluding `quarantined` (counted as skipped) and f.exclude.
StageOutcome RunVerifyStage(const Globals& g, const VerifyFlags& f, const std::vector<std::string>& quarantined);

struct SupersededOutcome : StageOutcome {
  bool superseded = false;  // exit 0 when true, 10 otherwise
  std::string head;
};
SupersededOutcome RunSupersededStage(const Globals& g, const SupersededFlags& f);

StageOutcome RunPromoteStage(const Globals& g, const PromoteFlags& f, std::optional<int64_t> seq);

// The release order key from the flags (see ResolveSeq).
Result<std::optional<int64_t>> SeqFromFlags(const SeqFlags& f, const std::string& sha);

}  // namespace rollcall
