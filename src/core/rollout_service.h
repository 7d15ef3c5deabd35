// RolloutService: admits rollouts (planning + fencing), owns their engines,
// and routes control commands to them. Not thread-safe: every method runs
// on the clock's loop; request handlers Post() onto it.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/engine_env.h"
#include "core/recovery.h"
#include "core/rollout_engine.h"
#include "core/types.h"

namespace rollcall {

// Source of rollout ids; injected so tests get "r1", "r2", ...
class IdSource {
 public:
  IdSource() = default;
  IdSource(const IdSource&) = delete;
  IdSource& operator=(const IdSource&) = delete;
  virtual ~IdSource() = default;
  virtual std::string NextRolloutId() = 0;
};

struct SubmitOutcome {
  enum class Kind {
    kStarted,     // a new rollout was accepted (HTTP 202)
    kExisting,    // the same release is already rolling out: `rollout` is it
    kSuperseded,  // refused (HTTP 409 {"error":"superseded","newer":...})
  };
  Kind kind = Kind::kStarted;
  Rollout rollout;  // kStarted, kExisting
  Release newer;    // kSuperseded
  std::string newer_rollout_id{};  // kSuperseded: the rollout `newer` was accepted for, if known
};

// A recovery (DESIGN §10): the desired release again, to the quarantined
// and drifted tenants.
struct RecoveryAsk {
  std::vector<std::string> only;  // empty: every tenant left behind
  std::string reason;             // recorded as the rollout's reason
  std::map<std::string, DriftStatus> observed;  // the drift watch's statuses (may be empty)
  std::string created_by{};                     // who asks (the rollout's created_by)
};

struct RecoveryOutcome {
  std::optional<SubmitOutcome> submitted;  // none: nothing to recover
  RecoveryScope scope;
};

class RolloutService {
 public:
  // `env` and `ids` are borrowed and outlive the service.
  RolloutService(EngineEnv& env, IdSource& ids);

  // Plans and fences `req`. Invalid (400) for a bad plan or a rollback
  // without a reason; Conflict (409) when the seq already names another
  // tag or the fleet is frozen. A dry run is admitted exactly like the real
  // run (superseded, invalid, frozen) but has no side effect.
  Result<SubmitOutcome> Submit(const RolloutRequest& req);

  // Scopes a recovery (core/recovery.h) and submits it with the policy the
  // desired release was rolled out with. Conflict when the fleet has no
  // desired release or is frozen; Invalid for an unknown slug in `only`.
  Result<RecoveryOutcome> Recover(const RecoveryAsk& ask);
  // Whether a rollout other than a recovery or a dry run runs now: the
  // automatic recovery waits for it (its tenants are not drift yet).
  bool FleetRolloutRunning() const;

  // After a restart: resumes every unfinished rollout in the ledger, in
  // creation order; any whose fenced release is no longer the desired one
  // is superseded by the one that is. Returns how many were resumed.
  Result<size_t> ResumeAll();

  // NotFound for an unknown id; Conflict when it already finished.
  Status Pause(const std::string& id);
  Status Resume(const std::string& id);
  Status Cancel(const std::string& id);

  // A tenant was deleted or cordoned: every running rollout abandons its
  // deploy there (Cancelled row) and goes on with the rest.
  void TenantWithdrawn(const std::string& slug, const std::string& why);

  // The live rollout when it runs here, else the stored one.
  Result<Rollout> Get(const std::string& id);
  size_t running() const { return engines_.size(); }
  // Who deploys which tenant now (the drift watch stays away from them).
  const std::shared_ptr<TenantLeases>& leases() const { return leases_; }

  // Runs after every rollout finishes (after the engine's own bookkeeping).
  void SetOnFinished(RolloutEngine::OnFinished callback) { on_finished_ = std::move(callback); }

 private:
  Result<std::shared_ptr<RolloutEngine>> Find(const std::string& id);
  // The newest fenced rollout of `release` (running here or in the ledger).
  std::string RolloutOf(const Release& release);
  void Launch(Rollout rollout, Plan plan);
  std::shared_ptr<RolloutEngine> Adopt(Rollout rollout, Plan plan);

  EngineEnv& env_;
  IdSource& ids_;
  std::map<std::string, std::shared_ptr<RolloutEngine>> engines_;  // unfinished only
  const std::shared_ptr<TenantLeases> leases_;  // one deploy per tenant, across engines
  RolloutEngine::OnFinished on_finished_;
  std::map<std::string, int64_t> last_verified_ms_;  // slug -> when a rollout last verified it
  // The policy the desired release was rolled out with, for its recoveries.
  std::optional<std::pair<Release, Policy>> release_policy_;
};

}  // namespace rollcall
