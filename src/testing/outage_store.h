// OutageStore: a MemoryStore that can be made unreachable, as a networked
// store (PostgreSQL restarting, partitioned) is: while down, the calls the
// engine and the service make fail Unavailable and change nothing.
#pragma once

#include <atomic>

#include "store/memory_store.h"

namespace rollcall {

class OutageStore : public MemoryStore {
 public:
  void SetDown(bool down) { down_ = down; }
  bool down() const { return down_; }
  // Failed calls so far: the outage was noticed.
  size_t refused() const { return refused_; }

  Result<std::vector<Tenant>> ListTenants() override;
  Result<Tenant> GetTenant(const std::string& slug) override;
  Result<std::map<std::string, Tenant>> GetTenants(const std::vector<std::string>& slugs) override;
  Status ObserveTenant(const std::string& slug, const TenantObservation& obs) override;
  Status PutRollout(const Rollout& rollout) override;
  Result<Rollout> GetRollout(const std::string& id) override;
  Result<std::vector<Rollout>> ListRollouts(std::optional<RolloutState> state) override;
  Status Commit(LedgerBatch& batch) override;
  Status AppendEvent(RolloutEvent& event) override;
  Result<std::optional<Release>> DesiredRelease() override;
  Status AdvanceDesiredRelease(const Release& next, const std::optional<Release>& expected) override;
  Result<std::optional<FleetFreeze>> GetFreeze() override;

 private:
  Status Refusal();

  std::atomic<bool> down_{false};
  std::atomic<size_t> refused_{0};
};

}  // namespace rollcall
