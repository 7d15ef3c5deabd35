#include "testing/outage_store.h"

namespace rollcall {

Status OutageStore::Refusal() {
  ++refused_;
  return Status::Unavailable("memory: unreachable (a simulated outage)");
}

Result<std::vector<Tenant>> OutageStore::ListTenants() {
  return down_ ? Refusal() : MemoryStore::ListTenants();
}
Result<Tenant> OutageStore::GetTenant(const std::string& slug) {
  return down_ ? Refusal() : MemoryStore::GetTenant(slug);
}
Result<std::map<std::string, Tenant>> OutageStore::GetTenants(const std::vector<std::string>& slugs) {
  return down_ ? Refusal() : MemoryStore::GetTenants(slugs);
}
Status OutageStore::ObserveTenant(const std::string& slug, const TenantObservation& obs) {
  return down_ ? Refusal() : MemoryStore::ObserveTenant(slug, obs);
}
Status OutageStore::PutRollout(const Rollout& rollout) {
  return down_ ? Refusal() : MemoryStore::PutRollout(rollout);
}
Result<Rollout> OutageStore::GetRollout(const std::string& id) {
  return down_ ? Refusal() : MemoryStore::GetRollout(id);
}
Result<std::vector<Rollout>> OutageStore::ListRollouts(std::optional<RolloutState> state) {
  return down_ ? Refusal() : MemoryStore::ListRollouts(state);
}
Status OutageStore::Commit(LedgerBatch& batch) { return down_ ? Refusal() : MemoryStore::Commit(batch); }
Status OutageStore::AppendEvent(RolloutEvent& event) {
  return down_ ? Refusal() : MemoryStore::AppendEvent(event);
}
Result<std::optional<Release>> OutageStore::DesiredRelease() {
  return down_ ? Refusal() : MemoryStore::DesiredRelease();
}
Status OutageStore::AdvanceDesiredRelease(const Release& next, const std::optional<Release>& expected) {
  return down_ ? Refusal() : MemoryStore::AdvanceDesiredRelease(next, expected);
}
Result<std::optional<FleetFreeze>> OutageStore::GetFreeze() {
  return down_ ? Refusal() : MemoryStore::GetFreeze();
}

}  // namespace rollcall
