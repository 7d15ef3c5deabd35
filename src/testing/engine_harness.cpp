#include "testing/engine_harness.h"

#include <fmt/format.h>

namespace rollcall {

EngineHarness::EngineHarness() : start_(clock.Now()) {}

void EngineHarness::AddTenant(const std::string& slug) {
  Tenant t;
  t.slug = slug;
  t.base_url = "http://tenants.test/t/" + slug;
  t.driver = DriverKind::kAgent;
  t.agent_url = t.base_url + "/agent";
  store.PutTenants({t}).IgnoreError();
}

std::string EngineHarness::Slug(int i) { return fmt::format("t{:04}", i); }

void EngineHarness::AddTenants(int n) {
  for (int i = 0; i < n; ++i) AddTenant(Slug(i));
}

Policy EngineHarness::TestPolicy() {
  Policy p;
  p.soak_seconds = 0;
  p.max_parallel = 3;
  p.per_tenant_timeout_s = 300;
  p.health_timeout_s = 90;
  p.health_interval_s = 5;
  return p;
}

Release EngineHarness::TestRelease(int64_t seq) {
  Release r;
  r.tag = fmt::format("v{}", seq);
  r.git_sha = fmt::format("{:07x}", 0xabc0000 + seq);
  r.seq = seq;
  return r;
}

Result<SubmitOutcome> EngineHarness::Submit(const Policy& policy, const Release& release,
                                            bool rollback, const std::string& reason) {
  return service.Submit(RolloutRequest{release, policy, rollback, reason});
}

Rollout EngineHarness::Run(const Policy& policy, const Release& release) {
  Result<SubmitOutcome> out = Submit(policy, release);
  if (!out.ok()) {
    Rollout failed;
    failed.error = "submit: " + out.status().message();
    return failed;
  }
  clock.RunUntilIdle();
  return Get(out->rollout.id);
}

Rollout EngineHarness::Get(const std::string& id) {
  Result<Rollout> r = service.Get(id);
  return r.ok() ? *r : Rollout{};
}

const TenantResult* EngineHarness::Row(const Rollout& r, const std::string& slug) const {
  for (const auto& row : r.results) {
    if (row.slug == slug) return &row;
  }
  return nullptr;
}

std::vector<std::string> EngineHarness::DeployedSlugs() const {
  std::vector<std::string> out;
  for (const auto& call : fleet.deploys) out.push_back(call.slug);
  return out;
}

}  // namespace rollcall
