#include "core/planner.h"

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <set>

namespace rollcall {
namespace {

std::string FanoutPhase(const Policy& policy, size_t index) {
  if (policy.strategy == Strategy::kWindow) return "window";
  return fmt::format("batch-{}", index / static_cast<size_t>(policy.max_parallel) + 1);
}

}  // namespace

std::vector<std::string> Plan::EnumeratedSlugs() const {
  std::vector<std::string> slugs;
  slugs.reserve(size());
  for (const auto& p : canary) slugs.push_back(p.tenant.slug);
  for (const auto& p : fanout) slugs.push_back(p.tenant.slug);
  return slugs;
}

Result<Plan> MakePlan(const std::vector<Tenant>& tenants, const Policy& policy) {
  std::map<std::string, const Tenant*> by_slug;
  for (const auto& t : tenants) by_slug[t.slug] = &t;

  std::set<std::string> only;
  if (policy.only_slugs) {
    if (policy.only_slugs->empty()) {
      return Status::Invalid("policy.only_slugs: must not be an empty list");
    }
    for (const auto& slug : *policy.only_slugs) {
      auto it = by_slug.find(slug);
      if (it == by_slug.end()) {
        return Status::Invalid(fmt::format("policy.only_slugs: unknown tenant \"{}\"", slug));
      }
      if (it->second->state != TenantState::kActive) {
        return Status::Invalid(fmt::format("policy.only_slugs: tenant \"{}\" is cordoned", slug));
      }
      only.insert(slug);
    }
  }
  auto enumerated = [&](const Tenant& t) {
    return t.state == TenantState::kActive && (only.empty() || only.count(t.slug) > 0);
  };

  Plan plan;
  std::set<std::string> canaries;
  for (const auto& slug : policy.canary) {
    auto it = by_slug.find(slug);
    if (it == by_slug.end() || it->second->state != TenantState::kActive) {
      return Status::Invalid(fmt::format("policy.canary: \"{}\" is not an active tenant", slug));
    }
    if (!enumerated(*it->second)) {
      return Status::Invalid(fmt::format("policy.canary: \"{}\" is not in only_slugs", slug));
    }
    if (!canaries.insert(slug).second) {
      return Status::Invalid(fmt::format("policy.canary: \"{}\" is listed twice", slug));
    }
    plan.canary.push_back({*it->second, "canary"});
  }
  for (const auto& [slug, tenant] : by_slug) {  // std::map: sorted by slug
    if (!enumerated(*tenant) || canaries.count(slug) > 0) continue;
    plan.fanout.push_back({*tenant, FanoutPhase(policy, plan.fanout.size())});
  }
  if (plan.size() == 0) return Status::Invalid("no active tenant matches");
  plan.tolerance = policy.max_stragglers.ToleranceFor(plan.fanout.size());
  return plan;
}

Plan PlanFromEnumerated(const std::vector<Tenant>& tenants, const Policy& policy,
                        const std::vector<std::string>& enumerated) {
  std::map<std::string, const Tenant*> by_slug;
  for (const auto& t : tenants) by_slug[t.slug] = &t;
  const std::set<std::string> canaries(policy.canary.begin(), policy.canary.end());
  auto tenant_for = [&](const std::string& slug) {
    auto it = by_slug.find(slug);
    if (it != by_slug.end()) return *it->second;
    Tenant stub;
    stub.slug = slug;
    return stub;
  };
  Plan plan;
  for (const auto& slug : enumerated) {
    if (canaries.count(slug) > 0) {
      plan.canary.push_back({tenant_for(slug), "canary"});
    } else {
      plan.fanout.push_back({tenant_for(slug), FanoutPhase(policy, plan.fanout.size())});
    }
  }
  plan.tolerance = policy.max_stragglers.ToleranceFor(plan.fanout.size());
  return plan;
}

std::vector<TenantResult> DryRunRows(const Plan& plan) {
  std::vector<TenantResult> rows;
  rows.reserve(plan.size());
  auto add = [&](const PlannedTenant& p) {
    TenantResult row;
    row.slug = p.tenant.slug;
    row.phase = p.phase;
    row.status = TenantStatus::kDryRun;
    rows.push_back(std::move(row));
  };
  std::for_each(plan.canary.begin(), plan.canary.end(), add);
  std::for_each(plan.fanout.begin(), plan.fanout.end(), add);
  return rows;
}

}  // namespace rollcall
