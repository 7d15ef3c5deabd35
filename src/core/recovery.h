// Recovery rules (DESIGN §10): which tenants a recovery rolls the desired
// release out to, and the rollout request it makes. Pure: the service
// submits it, the auto-recovery schedules it.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/drift.h"
#include "core/types.h"

namespace rollcall {

struct RecoverySkip {
  std::string slug;
  std::string why;  // "cordoned", "ahead of the desired release", ...
};

struct RecoveryScope {
  std::vector<std::string> slugs;  // sorted
  std::vector<RecoverySkip> skipped;  // named in `only` (or left behind) but not touched, and why
};

// The tenants a recovery of `desired` touches: each active tenant that is
// quarantined or observed drifted (RecoveryMayTouch), and not one that a
// running rollout still has to deploy (`pending`). `only` (empty: all)
// narrows it; a slug it names that is not registered is Invalid naming it,
// one that may not be touched is skipped with the reason. A tenant left
// behind but ahead, fenced or pending is skipped too, so operators see why.
Result<RecoveryScope> ScopeRecovery(const std::vector<Tenant>& tenants,
                                    const std::map<std::string, DriftStatus>& observed,
                                    const Release& desired, const std::vector<std::string>& only,
                                    const std::set<std::string>& pending);

// The rollout a recovery submits: the desired release again, to `slugs`,
// with `base` (the policy the release was rolled out with) minus its
// canary and soak, each tenant on its own (a failure does not halt the
// others: every straggler is quarantined with its new reason).
RolloutRequest RecoveryRequest(const Release& desired, const Policy& base, std::vector<std::string> slugs,
                               std::string reason);

}  // namespace rollcall
