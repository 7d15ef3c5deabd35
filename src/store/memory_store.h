// MemoryStore: the Store in process memory, for tests and the demo.
// Thread-safe (one mutex); nothing survives the process.
#pragma once

#include <map>
#include <mutex>

#include "core/store.h"

namespace rollcall {

class MemoryStore : public Store {
 public:
  Result<std::vector<Tenant>> ListTenants() override;
  Result<Tenant> GetTenant(const std::string& slug) override;
  Status PutTenants(const std::vector<Tenant>& tenants) override;
  Status DeleteTenant(const std::string& slug) override;
  Status ObserveTenant(const std::string& slug, const TenantObservation& obs) override;

  Status PutRollout(const Rollout& rollout) override;
  Result<Rollout> GetRollout(const std::string& id) override;
  Result<std::vector<Rollout>> ListRollouts(std::optional<RolloutState> state) override;
  Result<std::vector<RolloutListing>> ListRolloutPage(const RolloutPageQuery& query) override;
  Result<std::map<RolloutState, int64_t>> CountRollouts() override;
  Status MarkStarted(const std::string& rollout_id, const InFlightTenant& t) override;
  Status PutResult(const std::string& rollout_id, const TenantResult& row) override;
  Result<std::vector<InFlightTenant>> InFlight(const std::string& rollout_id) override;
  Status Commit(LedgerBatch& batch) override;

  // Write calls so far (each one transaction in a real store), for tests
  // and benchmarks of the group commit.
  size_t writes() const {
    std::lock_guard lock(mu_);
    return writes_;
  }

  Status AppendEvent(RolloutEvent& event) override;
  Result<std::vector<RolloutEvent>> EventsAfter(const std::string& rollout_id,
                                                int64_t after_id) override;
  Result<std::vector<RolloutEvent>> FleetEventsAfter(int64_t after_id, size_t limit) override;
  Result<int64_t> LastEventId() override;

  Status AppendAudit(AuditEntry& entry) override;
  Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& query) override;
  Status PutDriftStatus(const std::string& slug, const DriftStatus& status) override;
  Result<std::map<std::string, DriftStatus>> ListDriftStatus() override;

  Result<std::optional<Release>> DesiredRelease() override;
  Status SetDesiredRelease(const Release& release) override;
  Status AdvanceDesiredRelease(const Release& next, const std::optional<Release>& expected) override;
  Result<std::optional<FleetFreeze>> GetFreeze() override;
  Status SetFreeze(const std::optional<FleetFreeze>& freeze) override;

  Result<std::optional<ChannelRecord>> GetChannel(const std::string& channel) override;
  Result<std::vector<ChannelRecord>> ListChannels() override;
  Result<std::vector<ChannelRecord>> ChannelHistory(const std::string& channel) override;
  Status RecordPromotion(const ChannelRecord& next, const std::optional<ChannelRecord>& replaces) override;

  Status RememberLegacyCanary(const LegacyCanary& canary) override;
  Result<std::optional<LegacyCanary>> LegacyCanaryFor(const std::string& tag) override;

  Status RecordProcessGroup(const ProcessGroupRecord& record) override;
  Result<std::optional<ProcessGroupRecord>> ProcessGroupOf(const std::string& slug) override;
  Status ClearProcessGroup(const std::string& slug, int64_t pgid) override;

 private:
  struct StoredRollout {
    Rollout header;
    std::map<std::string, TenantResult> rows;       // by slug
    std::map<std::string, InFlightTenant> in_flight;  // by slug
    std::vector<RolloutEvent> events;
  };
  static void Observe(Tenant& t, const TenantObservation& obs);

  mutable std::mutex mu_;
  size_t writes_ = 0;  // guarded by mu_
  std::map<std::string, Tenant> tenants_;          // guarded by mu_
  std::map<std::string, StoredRollout> rollouts_;  // guarded by mu_
  std::optional<Release> desired_;                 // guarded by mu_
  std::optional<FleetFreeze> freeze_;              // guarded by mu_
  int64_t next_event_id_ = 1;                      // guarded by mu_
  std::vector<RolloutEvent> all_events_;           // every event, by id; guarded by mu_
  std::vector<AuditEntry> audit_;                  // by id; guarded by mu_
  std::map<std::string, DriftStatus> drift_;       // by slug; guarded by mu_
  std::map<std::string, std::vector<ChannelRecord>> channels_;  // history per channel, guarded by mu_
  std::map<std::string, LegacyCanary> legacy_canaries_;         // by tag, guarded by mu_
  std::map<std::string, ProcessGroupRecord> process_groups_;    // by slug, guarded by mu_
};

}  // namespace rollcall
