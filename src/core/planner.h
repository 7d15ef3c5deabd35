// Planner: which tenants a rollout covers, in which phase, and how many
// stragglers it tolerates (DESIGN §3.1, §3.6, §3.8). Pure.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace rollcall {

struct PlannedTenant {
  Tenant tenant;
  std::string phase;  // "canary", "window" or "batch-N" (N from 1)
};

struct Plan {
  std::vector<PlannedTenant> canary;  // in the policy's order
  std::vector<PlannedTenant> fanout;  // sorted by slug
  int64_t tolerance = 0;              // max stragglers among the fan-out

  // Every enumerated tenant: canaries first, then the fan-out.
  std::vector<std::string> EnumeratedSlugs() const;
  size_t size() const { return canary.size() + fanout.size(); }
};

// Enumerates active tenants sorted by slug, intersected with only_slugs.
// Invalid (400) for an unknown or empty only_slugs, a canary that is not
// an active, enumerated tenant, or no tenant at all ("no active tenant
// matches").
Result<Plan> MakePlan(const std::vector<Tenant>& tenants, const Policy& policy);

// Rebuilds a persisted rollout's plan from its enumerated slugs (after a
// restart): tenants since removed keep a stub with only the slug (the
// engine then records them Skipped). Never fails.
Plan PlanFromEnumerated(const std::vector<Tenant>& tenants, const Policy& policy,
                        const std::vector<std::string>& enumerated);

// One DryRun row per enumerated tenant, in plan order.
std::vector<TenantResult> DryRunRows(const Plan& plan);

}  // namespace rollcall
