#include "core/rollout_service.h"

#include <algorithm>
#include <set>
#include <fmt/format.h>
#include <tuple>

#include "core/fencing.h"
#include "core/planner.h"

namespace rollcall {

RolloutService::RolloutService(EngineEnv& env, IdSource& ids)
    : env_(env), ids_(ids), leases_(TenantLeases::Create(env.clock)) {}

Result<SubmitOutcome> RolloutService::Submit(const RolloutRequest& req) {
  Result<std::vector<Tenant>> tenants = env_.store.ListTenants();
  if (!tenants.ok()) return tenants.status();
  Result<Plan> plan = MakePlan(*tenants, req.policy);
  if (!plan.ok()) return plan.status();

  Rollout rollout;
  rollout.id = ids_.NextRolloutId();
  rollout.release = req.release;
  rollout.policy = req.policy;
  rollout.rollback = req.rollback;
  rollout.reason = req.reason;
  rollout.legacy_scoped = req.legacy_scoped;
  rollout.recovery = req.recovery;
  rollout.created_by = req.created_by;
  rollout.created_at_ms = env_.clock.WallMillis();
  rollout.enumerated = plan->EnumeratedSlugs();

  // A dry run is admitted exactly like the real run; DecideAdmission keeps
  // it free of side effects.
  Result<std::optional<FleetFreeze>> freeze = env_.store.GetFreeze();
  if (!freeze.ok()) return freeze.status();
  if (Status s = FreezeRefusal(*freeze, req.rollback); !s.ok()) return s;
  Result<std::optional<Release>> desired = env_.store.DesiredRelease();
  if (!desired.ok()) return desired.status();
  const std::optional<Release> admission_desired = *desired;  // the fence as admission saw it
  AdmissionRequest ask{KeyOf(req.release, req.policy, req.rollback), req.reason, *desired, {}};
  for (const auto& [id, engine] : engines_) {
    const Rollout& r = engine->rollout();
    ask.active.push_back({id, KeyOf(r.release, r.policy, r.rollback)});
  }
  const Admission admission = DecideAdmission(ask);
  switch (admission.kind) {
    case Admission::Kind::kInvalid: return Status::Invalid(admission.error);
    case Admission::Kind::kConflict: return Status::Conflict(admission.error);
    case Admission::Kind::kSuperseded:
      return SubmitOutcome{SubmitOutcome::Kind::kSuperseded, {}, admission.newer, RolloutOf(admission.newer)};
    case Admission::Kind::kExisting:
      return SubmitOutcome{SubmitOutcome::Kind::kExisting,
                           engines_.at(admission.existing_id)->rollout(), {}};
    case Admission::Kind::kAccept: break;
  }
  rollout.warnings = req.notes;
  rollout.warnings.insert(rollout.warnings.end(), admission.warnings.begin(), admission.warnings.end());
  // The ledger first: the new desired release and the rollout are durable
  // before any older rollout is stopped or any tenant touched. The fence
  // moves by compare-and-set against what admission read, so a racing
  // acceptance elsewhere makes this one a Conflict instead of a second win.
  if (admission.set_desired) {
    if (Status s = env_.store.AdvanceDesiredRelease(req.release, admission_desired); !s.ok()) return s;
  }
  if (Status s = env_.store.PutRollout(rollout); !s.ok()) return s;
  if (admission.set_desired && !req.recovery) release_policy_ = {req.release, req.policy};
  for (const auto& old_id : admission.supersede_ids) engines_.at(old_id)->Supersede(rollout.id);
  Launch(rollout, std::move(plan).value());
  return SubmitOutcome{SubmitOutcome::Kind::kStarted, engines_.at(rollout.id)->rollout(), {}};
}

Result<RecoveryOutcome> RolloutService::Recover(const RecoveryAsk& ask) {
  Result<std::optional<Release>> desired = env_.store.DesiredRelease();
  if (!desired.ok()) return desired.status();
  if (!*desired) return Status::Conflict("the fleet has no desired release yet: nothing to recover to");
  Result<std::vector<Tenant>> tenants = env_.store.ListTenants();
  if (!tenants.ok()) return tenants.status();
  std::set<std::string> pending;
  for (const auto& [id, engine] : engines_) {
    const Rollout& r = engine->rollout();
    if (r.Finished() || r.policy.dry_run || r.recovery) continue;
    for (auto& slug : engine->Unfinished()) pending.insert(std::move(slug));
  }
  // A look older than a rollout's verification of the tenant is stale: the
  // watch saw it behind before the rollout reached it.
  std::map<std::string, DriftStatus> observed = ask.observed;
  for (auto it = observed.begin(); it != observed.end();) {
    auto verified = last_verified_ms_.find(it->first);
    it = verified != last_verified_ms_.end() && it->second.last.at_ms <= verified->second ? observed.erase(it)
                                                                                          : std::next(it);
  }
  Result<RecoveryScope> scope = ScopeRecovery(*tenants, observed, **desired, ask.only, pending);
  if (!scope.ok()) return scope.status();
  RecoveryOutcome out;
  out.scope = std::move(scope).value();
  if (out.scope.slugs.empty()) return out;
  // The policy the release went out with: remembered at admission, or
  // looked up once (after a restart) in the ledger.
  if (!release_policy_ || !release_policy_->first.SameAs(**desired)) {
    Policy base;
    if (std::string id = RolloutOf(**desired); !id.empty()) {
      if (Result<Rollout> accepted = Get(id); accepted.ok()) base = accepted->policy;
    }
    release_policy_ = {**desired, base};
  }
  RolloutRequest req = RecoveryRequest(**desired, release_policy_->second, out.scope.slugs, ask.reason);
  req.created_by = ask.created_by;
  Result<SubmitOutcome> submitted = Submit(req);
  if (!submitted.ok()) return submitted.status();
  out.submitted = std::move(submitted).value();
  return out;
}

bool RolloutService::FleetRolloutRunning() const {
  for (const auto& [id, engine] : engines_) {
    const Rollout& r = engine->rollout();
    // A finished engine stays listed until its removal (posted) runs.
    if (!r.Finished() && !r.policy.dry_run && !r.recovery) return true;
  }
  return false;
}

std::string RolloutService::RolloutOf(const Release& release) {
  for (const auto& [id, engine] : engines_) {
    if (!engine->rollout().policy.dry_run && engine->rollout().release.SameAs(release)) return id;
  }
  Result<std::vector<Rollout>> all = env_.store.ListRollouts(std::nullopt);
  if (!all.ok()) return "";
  for (auto it = all->rbegin(); it != all->rend(); ++it) {  // newest first
    if (!it->policy.dry_run && it->release.SameAs(release)) return it->id;
  }
  return "";
}

Result<size_t> RolloutService::ResumeAll() {
  Result<std::vector<Tenant>> tenants = env_.store.ListTenants();
  if (!tenants.ok()) return tenants.status();
  Result<std::optional<Release>> desired = env_.store.DesiredRelease();
  if (!desired.ok()) return desired.status();
  std::vector<Rollout> unfinished;
  for (auto state : {RolloutState::kPending, RolloutState::kRunning, RolloutState::kPaused}) {
    Result<std::vector<Rollout>> some = env_.store.ListRollouts(state);
    if (!some.ok()) return some.status();
    for (auto& r : *some) unfinished.push_back(std::move(r));
  }
  std::sort(unfinished.begin(), unfinished.end(), [](const Rollout& a, const Rollout& b) {
    return std::tie(a.created_at_ms, a.id) < std::tie(b.created_at_ms, b.id);
  });
  // Decide who is live before anything runs: a rollout that lost the fence
  // must not touch a tenant, not even one it had in flight. Several
  // rollouts of the desired release (other scopes) all stay live.
  auto holds_fence = [&](const Rollout& r) { return *desired && r.release.SameAs(**desired); };
  std::string live_id;
  for (const auto& stored : unfinished) {
    if (holds_fence(stored) && !stored.policy.dry_run) live_id = stored.id;
  }
  size_t resumed = 0;
  for (auto& stored : unfinished) {
    Result<std::vector<InFlightTenant>> in_flight = env_.store.InFlight(stored.id);
    if (!in_flight.ok()) return in_flight.status();
    const bool lost_fence = stored.release.seq && !stored.policy.dry_run && !holds_fence(stored);
    Plan plan = PlanFromEnumerated(*tenants, stored.policy, stored.enumerated);
    auto engine = Adopt(std::move(stored), std::move(plan));
    engine->Resume(*in_flight, lost_fence ? (live_id.empty() ? "a newer release" : live_id) : "");
    ++resumed;
  }
  return resumed;
}

std::shared_ptr<RolloutEngine> RolloutService::Adopt(Rollout rollout, Plan plan) {
  const std::string id = rollout.id;
  auto on_finished = [this, id](const Rollout& finished) {
    // Posted: the engine is still on the stack when it reports.
    env_.clock.Post([this, id] { engines_.erase(id); });
    for (const TenantResult& row : finished.results) {
      if (row.verified_on_target) last_verified_ms_[row.slug] = row.finished_at_ms;
    }
    if (on_finished_) on_finished_(finished);
  };
  auto engine = RolloutEngine::Create(env_, std::move(rollout), std::move(plan), leases_, on_finished);
  engines_[id] = engine;
  return engine;
}

void RolloutService::Launch(Rollout rollout, Plan plan) { Adopt(std::move(rollout), std::move(plan))->Start(); }

Result<std::shared_ptr<RolloutEngine>> RolloutService::Find(const std::string& id) {
  auto it = engines_.find(id);
  if (it != engines_.end()) return it->second;
  Result<Rollout> stored = env_.store.GetRollout(id);
  if (!stored.ok()) return stored.status();
  return Status::Conflict(fmt::format("rollout {} already finished ({})", id,
                                      ToString(stored->state)));
}

Status RolloutService::Pause(const std::string& id) {
  auto engine = Find(id);
  return engine.ok() ? (*engine)->Pause() : engine.status();
}

Status RolloutService::Resume(const std::string& id) {
  auto engine = Find(id);
  return engine.ok() ? (*engine)->Resume() : engine.status();
}

Status RolloutService::Cancel(const std::string& id) {
  auto engine = Find(id);
  return engine.ok() ? (*engine)->Cancel() : engine.status();
}

void RolloutService::TenantWithdrawn(const std::string& slug, const std::string& why) {
  std::vector<std::shared_ptr<RolloutEngine>> engines;
  for (auto& [id, engine] : engines_) engines.push_back(engine);
  for (auto& engine : engines) engine->TenantWithdrawn(slug, why);
}

Result<Rollout> RolloutService::Get(const std::string& id) {
  auto it = engines_.find(id);
  if (it != engines_.end()) return it->second->Snapshot();
  return env_.store.GetRollout(id);
}

}  // namespace rollcall
