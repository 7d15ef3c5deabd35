// Coverage gate (DESIGN §3.7): every enumerated tenant must be proven on the
// target build. Pure; the engine and the CLI both call it, over the rollout's
// enumerated tenants and its rows, so they can never disagree.
#pragma once

#include <string>
#include <vector>

#include "core/types.h"

namespace rollcall {

struct CoverageRules {
  int64_t tolerance = 0;  // stragglers allowed among the fan-out
  // A quarantine lets the healthy fleet ship; it never turns "nothing
  // shipped" into success. False only for a scoped call of the legacy
  // endpoint, whose orchestrator applies the fleet-wide gate itself.
  bool require_one_verified = true;
  bool dry_run = false;  // a dry run asserts no coverage: it always passes
};

// What a rollout's own fields say about its gate: the tolerance over its
// non-canary enumerated tenants, and the legacy exemption.
CoverageRules CoverageRulesOf(const Rollout& rollout);

struct CoverageVerdict {
  // Enumerated tenants not verified on target: errored, skipped, off target
  // or missing a result row. A Cancelled row (a tenant removed or cordoned
  // mid-rollout, or the rollout cancelled) is neither verified nor a
  // straggler. Sorted, unique.
  std::vector<std::string> stragglers;
  std::vector<std::string> missing_rows;  // the subset with no row at all
  // Every enumerated tenant not verified, Cancelled ones included.
  std::vector<std::string> not_landed;
  size_t verified = 0;
  bool within_tolerance = false;
  bool passed = false;  // within tolerance, and something landed when required
  std::string error;    // why it did not pass; empty when it did
};

// A slug with several rows is verified only if all of them are. Rows for
// slugs that were not enumerated are ignored.
CoverageVerdict EvaluateCoverage(const std::vector<std::string>& enumerated,
                                 const std::vector<TenantResult>& rows, const CoverageRules& rules);

// Whether a finished rollout quarantined its stragglers: one that
// succeeded, and a recovery however it ended (its tenants were already
// left behind). A dry run quarantines nobody.
bool QuarantinesStragglers(const Rollout& finished);

inline constexpr const char* kNothingVerified = "no tenant was verified on the target";

// The one-line recap every rollout ends with:
// "N verified, Q quarantined, F failed, S skipped, C cancelled in 5.1 s".
struct RolloutRecap {
  size_t verified = 0, quarantined = 0, failed = 0, skipped = 0, cancelled = 0, planned = 0;
};
// `quarantined`: the stragglers of a rollout that succeeded; in any other
// rollout they count by their row's status (a missing row as failed).
RolloutRecap Recap(const std::vector<std::string>& enumerated, const std::vector<TenantResult>& rows,
                   const CoverageVerdict& verdict, bool succeeded);
std::string FormatRecap(const RolloutRecap& recap, double seconds);

}  // namespace rollcall
