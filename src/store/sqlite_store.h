// SqliteStore: the Store in one SQLite file, the default durable ledger
// (DESIGN §3.10, §8). Semantics are MemoryStore's; the conformance suite
// (store_conformance_test.cpp) runs the same cases against both.
//
// The file is opened in WAL mode with synchronous=NORMAL: a commit survives
// a crash of the process, but the last commits before a power loss or an OS
// crash may be lost (Options::full_sync trades an fsync per commit for that).
// The schema is versioned with `PRAGMA user_version` and migrated on Open.
//
// Thread-safe: one connection, every call serialised by a mutex. Several
// processes may open the same file; writers wait up to the busy timeout.
// Every method returns a Status and never throws. SQLite failures are
// Internal("sqlite: <what>: <sqlite message>"); a stored value that no longer
// decodes is Internal too, naming the rollout or tenant.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "core/store.h"

namespace rollcall {

namespace sqlite {
class Db;
class Query;
}  // namespace sqlite

class SqliteStore : public Store {
 public:
  struct Options {
    int busy_timeout_ms = 5000;  // how long a write waits for another process's lock
    bool full_sync = false;      // synchronous=FULL: also durable across power loss
  };

  // Opens or creates the database at `path` and brings its schema up to date.
  // An error Status (never a crash) when the file cannot be opened or created
  // (e.g. a missing directory), is not a database, cannot switch to WAL, or
  // has a schema newer than this binary.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path);
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                   const Options& options);
  ~SqliteStore() override;

  Result<std::vector<Tenant>> ListTenants() override;  // ordered by slug
  Result<Tenant> GetTenant(const std::string& slug) override;
  // One transaction. Keeps the observed fields (running_image, running_seq,
  // quarantined, quarantine_reason) of tenants already registered.
  Status PutTenants(const std::vector<Tenant>& tenants) override;
  Status DeleteTenant(const std::string& slug) override;  // NotFound if absent
  Status ObserveTenant(const std::string& slug, const TenantObservation& obs) override;

  Status PutRollout(const Rollout& rollout) override;  // upserts the header; keeps results
  Result<Rollout> GetRollout(const std::string& id) override;  // results in `enumerated` order
  // Ordered by created_at_ms, then id.
  Result<std::vector<Rollout>> ListRollouts(std::optional<RolloutState> state) override;
  Result<std::vector<RolloutListing>> ListRolloutPage(const RolloutPageQuery& query) override;
  Result<std::map<RolloutState, int64_t>> CountRollouts() override;
  Status MarkStarted(const std::string& rollout_id, const InFlightTenant& t) override;
  // Upserts the row and clears the slug's in-flight mark in one transaction.
  Status PutResult(const std::string& rollout_id, const TenantResult& row) override;
  Result<std::vector<InFlightTenant>> InFlight(const std::string& rollout_id) override;
  Status Commit(LedgerBatch& batch) override;

  // Event ids increase across all rollouts and are never reused.
  Status AppendEvent(RolloutEvent& event) override;
  Result<std::vector<RolloutEvent>> EventsAfter(const std::string& rollout_id,
                                                int64_t after_id) override;
  Result<std::vector<RolloutEvent>> FleetEventsAfter(int64_t after_id, size_t limit) override;
  Result<int64_t> LastEventId() override;

  Status AppendAudit(AuditEntry& entry) override;
  Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& query) override;
  Status PutDriftStatus(const std::string& slug, const DriftStatus& status) override;  // NotFound: no tenant
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
  explicit SqliteStore(std::unique_ptr<sqlite::Db> db);

  // Each requires mu_ held.
  Status RequireRollout(const std::string& id);
  // One write each, in the caller's transaction, with no rollout lookup.
  Status MarkStartedRow(const std::string& rollout_id, const InFlightTenant& t);
  Status PutResultRows(const std::string& rollout_id, const TenantResult& row);
  Status ObserveRow(const std::string& slug, const TenantObservation& obs);  // NotFound if absent
  Status AppendEventRow(RolloutEvent& event);
  Status LoadResults(Rollout& rollout);
  Result<std::vector<Rollout>> LoadRollouts(sqlite::Query& headers);  // with results
  Status UpsertTenant(const Tenant& t);
  Result<std::optional<ChannelRecord>> CurrentChannel(const std::string& channel);
  Result<std::optional<Release>> LoadDesiredRelease();

  std::mutex mu_;
  std::unique_ptr<sqlite::Db> db_;  // guarded by mu_
};

}  // namespace rollcall
