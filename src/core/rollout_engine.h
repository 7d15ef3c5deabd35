// RolloutEngine: runs one rollout (DESIGN §3) on the clock's loop.
//
//   canary, one at a time   any failure: the rollout fails, nothing else runs
//   soak, then re-probe     a canary gone unhealthy fails the rollout
//   fan-out                 `window` keeps max_parallel in flight; `batches`
//                           starts groups of max_parallel in lockstep
//   halt                    stragglers > tolerance: nothing new starts,
//                           in-flight tenants finish, the rest are Skipped
//   coverage gate           every enumerated tenant verified, or at most
//                           `tolerance` stragglers (quarantined), else failed
//
// Each transition is written to the Store before its side effect and
// published as an event once written. The per-tenant writes (in-flight
// marks, rows, observed tenants, their events) are group-committed: those
// of one loop turn wait in a LedgerBatch and go to the store in one
// transaction (Store::Commit) from a task posted once per turn, and the
// deploys and published events they precede follow the commit
// (rollout_engine_ledger.cpp; the rollout's logic is rollout_engine.cpp).
//
// A store that cannot be reached (Unavailable: a networked database
// restarting or partitioned) pauses the rollout rather than failing it:
// nothing new starts, tenants in flight finish and their rows wait in the
// batch, and the commit is retried with a backoff until the store answers;
// then the rollout goes on where it was. Not thread-safe: every method runs
// on the loop.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/engine_env.h"
#include "core/planner.h"
#include "core/tenant_leases.h"
#include "core/tenant_run.h"
#include "core/types.h"

namespace rollcall {

class RolloutEngine : public std::enable_shared_from_this<RolloutEngine> {
 public:
  using OnFinished = std::function<void(const Rollout&)>;

  // `rollout` has been accepted and persisted (state pending); `plan` is its
  // plan. `on_finished` runs once, on the loop, after the final state is
  // persisted.
  // `leases` is shared by every engine of the service: one deploy per tenant.
  static std::shared_ptr<RolloutEngine> Create(EngineEnv& env, Rollout rollout, Plan plan,
                                               std::shared_ptr<TenantLeases> leases, OnFinished on_finished);

  void Start();
  // Continues a rollout read back from the ledger after a restart: its rows
  // are kept, `in_flight` tenants are adopted (inspected, redeployed only if
  // not on target), and the rest proceeds as if nothing happened. With
  // `superseded_by`, or when the ledger already shows a halt, nothing is
  // deployed: the rollout ends at once, interrupted tenants recorded Skipped.
  void Resume(const std::vector<InFlightTenant>& in_flight, const std::string& superseded_by = "");
  // Control. Conflict when the rollout already finished; pause and resume
  // are Unavailable while the store cannot be reached (a cancel stops the
  // deploys at once and is recorded when it answers again).
  Status Pause();
  Status Resume();
  Status Cancel();
  // A newer release was accepted: start nothing new, let in-flight tenants
  // finish, end as `superseded`.
  void Supersede(const std::string& by_rollout_id);
  // `slug` was deleted or cordoned: its run (if in flight) is abandoned and
  // its row is Cancelled with `why`, which counts as neither verified nor a
  // straggler; everyone else goes on. A tenant not started yet gets the
  // same row when its turn comes.
  void TenantWithdrawn(const std::string& slug, const std::string& why);

  // The rollout's header (results are filled in when it finishes).
  const Rollout& rollout() const { return rollout_; }
  // The rollout with every row recorded so far, in plan order.
  Rollout Snapshot() const;
  // Enumerated tenants without a result row yet: what it may still deploy.
  std::vector<std::string> Unfinished() const;

  RolloutEngine(EngineEnv& env, Rollout rollout, Plan plan, std::shared_ptr<TenantLeases> leases,
                OnFinished on_finished);  // use Create

 private:
  enum class Stage { kIdle, kCanary, kSoak, kCanaryRecheck, kFanout, kDone };
  enum class Stop { kNone, kCanaryFailed, kHalted, kCancelled, kSuperseded, kStoreFailed };

  void Advance();
  void AdvanceCanary();
  void AdvanceFanout();
  void StartSoak();
  void RecheckCanaries();
  void OnRecheck(const std::string& slug, ProbeOutcome outcome);
  // A tenant to start: it takes its place in flight now, and the next
  // Flush reads it with the turn's others (one store call) and starts it.
  void QueueStart(const PlannedTenant& planned, bool adopt = false);
  // The queued tenants, read: each to StartTenant (none once stopped).
  // True when any was handled (the engine advances).
  bool ReadQueuedStarts();
  // `current` as just read: a refusal or withdrawal is its row at once;
  // else its mark goes into the batch and its deploy follows the commit.
  void StartTenant(const PlannedTenant& planned, bool adopt, Result<Tenant> current);
  void StartRun(const PlannedTenant& planned, bool adopt, Tenant current);  // after its mark's commit
  bool Handled(const std::string& slug) const;  // has a row or is in flight
  bool FanoutBegun() const;
  void OnTenantFinished(TenantResult row);
  // Why a tenant read back from the store is withdrawn from the rollout
  // (deleted or cordoned since the plan); "" when it is not — including a
  // store failure, which is never an excuse from coverage.
  static std::string WithdrawnReason(const Result<Tenant>& current);
  void ObserveVerified(const TenantResult& row, const Tenant& current);
  void HandleRow(TenantResult row);  // records a final row; never advances
  void AbandonRechecks();
  void RecordRow(const TenantResult& row);
  void StopWith(Stop reason, std::string error);
  void Finalize();
  void PersistFinal();  // the final state and event; retried through an outage
  void FillUnstartedRows();
  void ApplyCoverageGate();
  void SetState(RolloutState state);
  void Emit(const char* type, nlohmann::json data, bool final = false);
  bool Persist(const Status& status);  // false (and stops) when the store failed
  // Group commit: an event into the turn's batch; the commit posted once
  // per turn; the commit itself (events published after it; false, and
  // stopped, when the store failed: the batch waits for the next one).
  void BatchEvent(const char* type, nlohmann::json data);
  void ScheduleFlush();
  void Flush();  // commits, then starts the tenants whose marks it wrote
  bool CommitPending();
  // Store outage: true (and the outage entered, its retry armed) when `s`
  // says the store cannot be reached.
  bool EnteredOutage(const Status& s);
  void RetryStore();
  // The verified rows' observations (one read for all), into the batch
  // they commit with.
  void ObserveVerifiedRows();

  EngineEnv& env_;
  Rollout rollout_;
  const Plan plan_;
  const std::shared_ptr<TenantLeases> leases_;
  OnFinished on_finished_;

  Stage stage_ = Stage::kIdle;
  Stop stop_ = Stop::kNone;
  bool paused_ = false;
  size_t next_canary_ = 0;
  size_t next_fanout_ = 0;
  std::vector<std::string> fanout_stragglers_;  // in the order they failed
  // In flight: a run, or nullptr while it waits to be read
  // (queued_starts_) or for the commit of its in-flight mark that precedes
  // its deploy (pending_starts_).
  std::map<std::string, std::shared_ptr<TenantRun>> in_flight_;
  struct PendingStart {
    const PlannedTenant* planned;  // in plan_
    bool adopt;
    Tenant current;
  };
  std::vector<PendingStart> pending_starts_;
  std::map<std::string, std::string> withdrawn_pending_;  // slug -> why, withdrawn before its start
  LedgerBatch batch_;
  bool flush_posted_ = false;
  std::map<std::string, TenantResult> rows_;  // by slug
  std::set<std::string> interrupted_;         // in flight at a restart, not resumed
  TimerId stage_timer_ = 0;                   // soak, or the re-probe deadline
  TimePoint began_{};                         // Start or Resume
  std::map<std::string, CancelFn> rechecks_;  // canary re-probes in flight
  // In flight (nullptr) until the next Flush reads them.
  struct QueuedStart {
    const PlannedTenant* planned;  // in plan_
    bool adopt;
  };
  std::vector<QueuedStart> queued_starts_;
  // While the store cannot be reached: nothing advances; the queued starts
  // are read, and verified rows observed, once it answers.
  bool store_down_ = false;
  Duration store_backoff_{};
  TimerId store_timer_ = 0;
  std::vector<TenantResult> to_observe_;  // verified rows whose observation awaits the commit
  bool final_pending_ = false;  // Finalize ran; its state waits for the store
  bool state_unsaved_ = false;  // rollout_.state waits for the store
};

}  // namespace rollcall
