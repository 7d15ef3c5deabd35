// PgStore: the Store in a PostgreSQL database (DESIGN §8, §9), for a control
// plane replicated across machines. Semantics are MemoryStore's and
// SqliteStore's; the conformance suite (store_conformance_test.cpp) runs the
// same cases against all three.
//
// The schema is versioned in the `rollcall_schema` table and migrated on
// Open, under an advisory lock (two controllers starting at once migrate
// once); a database whose schema is newer than the binary is refused.
// Compare-and-set writes (the desired release, a channel's promotion) take a
// transaction-scoped advisory lock, so controllers on other machines
// serialise on the same database.
//
// Leadership (core/leader_lease.h): the lease is a row of its own; once a
// leader fences its writes with its epoch, each write checks the epoch in its
// transaction under a share lock on that row, so an acquisition waits for
// the writes in flight and every later write of the deposed leader fails.
//
// Thread-safe: one connection, every call serialised by a mutex. A lost
// connection fails the call with Unavailable("postgres: ...") and is
// re-established by a later one, with a backoff (pg_db.h). Every method
// returns a Status and never throws.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/leader_lease.h"
#include "core/store.h"

namespace rollcall {

namespace pg {
class Connection;
class Rows;
}  // namespace pg

class PgStore : public Store, public LeaderLease {
 public:
  // `conninfo`: a libpq connection string or URI; `password` (may be empty:
  // then PGPASSWORD or ~/.pgpass) is never logged.
  static Result<std::unique_ptr<PgStore>> Open(const std::string& conninfo,
                                               const std::string& password = "");
  ~PgStore() override;

  Result<std::vector<Tenant>> ListTenants() override;
  Result<Tenant> GetTenant(const std::string& slug) override;
  Result<std::map<std::string, Tenant>> GetTenants(const std::vector<std::string>& slugs) override;
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
  Status AdvanceDesiredRelease(const Release& next,
                               const std::optional<Release>& expected) override;
  Result<std::optional<FleetFreeze>> GetFreeze() override;
  Status SetFreeze(const std::optional<FleetFreeze>& freeze) override;

  Result<std::optional<ChannelRecord>> GetChannel(const std::string& channel) override;
  Result<std::vector<ChannelRecord>> ListChannels() override;
  Result<std::vector<ChannelRecord>> ChannelHistory(const std::string& channel) override;
  Status RecordPromotion(const ChannelRecord& next,
                         const std::optional<ChannelRecord>& replaces) override;

  Status RememberLegacyCanary(const LegacyCanary& canary) override;
  Result<std::optional<LegacyCanary>> LegacyCanaryFor(const std::string& tag) override;

  Status RecordProcessGroup(const ProcessGroupRecord& record) override;
  Result<std::optional<ProcessGroupRecord>> ProcessGroupOf(const std::string& slug) override;
  Status ClearProcessGroup(const std::string& slug, int64_t pgid) override;

  Result<std::optional<int64_t>> TryAcquireLease(const std::string& holder, const std::string& url,
                                                 Duration ttl) override;
  Status RenewLease(const std::string& holder, int64_t epoch, Duration ttl) override;
  Status ReleaseLease(const std::string& holder, int64_t epoch) override;
  Result<std::optional<LeaseView>> CurrentLease() override;
  void FenceWrites(int64_t epoch) override;

  // Once writes are fenced, `fn` runs (with the store's lock held, on the
  // calling thread) when the term they belong to cannot go on: a write
  // refused as deposed, or refused by the leader's own clock. A leader
  // steps down there. A database that cannot be reached ends no term: the
  // call fails Unavailable and the caller retries (the lease decides
  // whether the term outlives the outage).
  void OnTermEnd(std::function<void(const Status&)> fn);
  // `fn(false, why)` when the database stops answering, `fn(true, "")` when
  // it answers again: transitions only, for the operator's log. Called
  // with the store's lock held, on the calling thread.
  void OnReachability(std::function<void(bool reachable, const std::string& why)> fn);
  // Once writes are fenced, each first asks `may_act` (the leader's own
  // clock: core/leadership.h); a write it refuses fails Unavailable, writes
  // nothing and ends the term. A leader resumed after a pause longer than
  // its lease records nothing its timers concluded meanwhile.
  void GateWrites(std::function<bool()> may_act);

  // Server-side bounds on this store's session, kept across reconnects: a
  // transaction left open longer than `idle_in_transaction` (its client
  // paused or gone) is ended by the server, so its lock on the lease row
  // cannot hold a takeover back; a statement waits at most `lock_wait` for
  // a lock (a lease attempt fails and is retried instead of hanging).
  Status LimitSession(Duration idle_in_transaction, Duration lock_wait);

 private:
  explicit PgStore(std::unique_ptr<pg::Connection> c);

  // Each requires mu_ held.
  // Runs a ledger write: in one transaction when `atomic` or fenced, and
  // then only while the fence's epoch is still the lease's.
  Status Write(std::string_view what, bool atomic, const std::function<Status()>& body);
  Status RequireRollout(const std::string& id);
  // One write each, in the caller's transaction, with no rollout lookup.
  Status MarkStartedRow(const std::string& rollout_id, const InFlightTenant& t);
  Status PutResultRows(const std::string& rollout_id, const TenantResult& row);
  Status ObserveRow(const std::string& slug, const TenantObservation& obs);  // NotFound if absent
  Status AppendEventRow(RolloutEvent& event);
  Result<std::vector<Rollout>> LoadRollouts(const pg::Rows& headers);  // with results
  Result<std::optional<Release>> LoadDesiredRelease();
  Result<std::optional<ChannelRecord>> CurrentChannel(const std::string& channel);

  std::mutex mu_;
  std::unique_ptr<pg::Connection> c_;  // guarded by mu_
  int64_t fence_epoch_ = 0;            // guarded by mu_
  std::function<void(const Status&)> on_term_end_;  // guarded by mu_
  std::function<bool()> may_act_;                   // guarded by mu_
  const std::string commit_key_prefix_;             // this process's, random
  int64_t commit_keys_ = 0;                         // guarded by mu_
};

// The schema steps, oldest first.
const std::vector<const char*>& PgSchemaSteps();

}  // namespace rollcall
