#include "core/coverage.h"

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <set>

namespace rollcall {
namespace {

void SortUnique(std::vector<std::string>& list) {
  std::sort(list.begin(), list.end());
  list.erase(std::unique(list.begin(), list.end()), list.end());
}

struct SlugOutcome {
  bool verified = true;   // every row verified
  bool cancelled = true;  // every unverified row Cancelled
  TenantStatus status = TenantStatus::kSuccess;  // the last unverified row's
};

std::map<std::string_view, SlugOutcome> BySlug(const std::vector<TenantResult>& rows) {
  std::map<std::string_view, SlugOutcome> out;
  for (const auto& row : rows) {
    SlugOutcome& o = out[row.slug];
    if (row.verified_on_target) continue;
    o.verified = false;
    o.cancelled = o.cancelled && row.status == TenantStatus::kCancelled;
    o.status = row.status;
  }
  return out;
}

}  // namespace

CoverageRules CoverageRulesOf(const Rollout& rollout) {
  const std::set<std::string> canary(rollout.policy.canary.begin(), rollout.policy.canary.end());
  size_t fanout = 0;
  for (const auto& slug : rollout.enumerated) fanout += canary.count(slug) == 0 ? 1 : 0;
  return CoverageRules{rollout.policy.max_stragglers.ToleranceFor(fanout), !rollout.legacy_scoped,
                       rollout.policy.dry_run};
}

CoverageVerdict EvaluateCoverage(const std::vector<std::string>& enumerated,
                                 const std::vector<TenantResult>& rows, const CoverageRules& rules) {
  CoverageVerdict verdict;
  if (rules.dry_run) {
    verdict.within_tolerance = verdict.passed = true;
    return verdict;
  }
  const auto outcomes = BySlug(rows);
  for (const auto& slug : enumerated) {
    auto it = outcomes.find(slug);
    if (it == outcomes.end()) {
      verdict.missing_rows.push_back(slug);
      verdict.stragglers.push_back(slug);
      verdict.not_landed.push_back(slug);
    } else if (it->second.verified) {
      ++verdict.verified;
    } else {
      verdict.not_landed.push_back(slug);
      if (!it->second.cancelled) verdict.stragglers.push_back(slug);
    }
  }
  for (auto* list : {&verdict.stragglers, &verdict.missing_rows, &verdict.not_landed}) SortUnique(*list);
  verdict.within_tolerance = static_cast<int64_t>(verdict.stragglers.size()) <= rules.tolerance;
  if (!verdict.within_tolerance) {
    verdict.error = fmt::format("coverage gate: {} stragglers exceed the tolerance of {}: {}",
                                verdict.stragglers.size(), rules.tolerance, fmt::join(verdict.stragglers, ", "));
  } else if (rules.require_one_verified && verdict.verified == 0) {
    verdict.error = kNothingVerified;
  }
  verdict.passed = verdict.error.empty();
  return verdict;
}

RolloutRecap Recap(const std::vector<std::string>& enumerated, const std::vector<TenantResult>& rows,
                   const CoverageVerdict& verdict, bool succeeded) {
  const auto outcomes = BySlug(rows);
  const std::set<std::string> stragglers(verdict.stragglers.begin(), verdict.stragglers.end());
  RolloutRecap recap;
  for (const auto& slug : enumerated) {
    auto it = outcomes.find(slug);
    if (it != outcomes.end() && it->second.verified) {
      ++recap.verified;
    } else if (succeeded && stragglers.count(slug) > 0) {
      ++recap.quarantined;
    } else if (it == outcomes.end()) {
      ++recap.failed;
    } else if (it->second.status == TenantStatus::kDryRun) {
      ++recap.planned;
    } else if (it->second.status == TenantStatus::kSkipped) {
      ++recap.skipped;
    } else if (it->second.status == TenantStatus::kCancelled) {
      ++recap.cancelled;
    } else {
      ++recap.failed;
    }
  }
  return recap;
}

std::string FormatRecap(const RolloutRecap& r, double seconds) {
  if (r.planned > 0) return fmt::format("{} planned (dry run) in {:.1f} s", r.planned, seconds);
  return fmt::format("{} verified, {} quarantined, {} failed, {} skipped, {} cancelled in {:.1f} s",
                     r.verified, r.quarantined, r.failed, r.skipped, r.cancelled, seconds);
}

bool QuarantinesStragglers(const Rollout& finished) {
  return !finished.policy.dry_run && (finished.state == RolloutState::kSucceeded || finished.recovery);
}

}  // namespace rollcall
