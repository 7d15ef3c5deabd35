#include "core/rollout_engine.h"

#include <algorithm>
#include <fmt/format.h>

#include "core/coverage.h"
#include "core/fencing.h"
#include "core/fleet_log.h"  // kEventQuarantine
#include "core/json_codec.h"

namespace rollcall {
namespace {

std::string Describe(const TenantResult& row) {
  std::string out(ToString(row.status));
  if (!row.error.empty()) out += ": " + row.error;
  return out;
}

std::string JoinSlugs(const std::vector<std::string>& slugs) { return fmt::format("{}", fmt::join(slugs, ", ")); }

}  // namespace

std::shared_ptr<RolloutEngine> RolloutEngine::Create(EngineEnv& env, Rollout rollout, Plan plan,
                                                     std::shared_ptr<TenantLeases> leases,
                                                     OnFinished on_finished) {
  return std::make_shared<RolloutEngine>(env, std::move(rollout), std::move(plan), std::move(leases),
                                         std::move(on_finished));
}

RolloutEngine::RolloutEngine(EngineEnv& env, Rollout rollout, Plan plan, std::shared_ptr<TenantLeases> leases,
                             OnFinished on_finished)
    : env_(env), rollout_(std::move(rollout)), plan_(std::move(plan)), leases_(std::move(leases)),
      on_finished_(std::move(on_finished)) {}

void RolloutEngine::Start() {
  began_ = env_.clock.Now();
  rollout_.started_at_ms = env_.clock.WallMillis();
  SetState(RolloutState::kRunning);
  if (stop_ != Stop::kNone) return Advance();
  if (rollout_.policy.dry_run) {
    for (const auto& row : DryRunRows(plan_)) {
      if (stop_ != Stop::kNone) break;
      RecordRow(row);
    }
    return Finalize();
  }
  stage_ = Stage::kCanary;
  Advance();
}

void RolloutEngine::Resume(const std::vector<InFlightTenant>& in_flight,
                           const std::string& superseded_by) {
  began_ = env_.clock.Now();
  std::vector<TenantResult> rows = std::move(rollout_.results);
  rollout_.results.clear();
  paused_ = rollout_.state == RolloutState::kPaused;
  rollout_.warnings.push_back("resumed after a control-plane restart");
  SetState(paused_ ? RolloutState::kPaused : RolloutState::kRunning);
  if (rollout_.policy.dry_run) return Start();
  for (auto& row : rows) {
    if (in_flight.end() != std::find_if(in_flight.begin(), in_flight.end(),
                                        [&](const InFlightTenant& t) { return t.slug == row.slug; })) {
      continue;  // a newer start supersedes an older row
    }
    std::string slug = row.slug;
    rows_[slug] = std::move(row);
    const TenantResult& kept = rows_[slug];
    if (kept.verified_on_target || stop_ != Stop::kNone) continue;
    if (kept.phase != "canary" && kept.status == TenantStatus::kCancelled) continue;  // withdrawn
    if (kept.phase == "canary") {
      StopWith(Stop::kCanaryFailed, fmt::format("canary {} failed: {}", slug, Describe(kept)));
    } else {
      fanout_stragglers_.push_back(slug);
    }
  }
  if (static_cast<int64_t>(fanout_stragglers_.size()) > plan_.tolerance) {
    StopWith(Stop::kHalted, fmt::format("halted: {} stragglers exceed the tolerance of {}: {}",
                                        fanout_stragglers_.size(), plan_.tolerance,
                                        JoinSlugs(fanout_stragglers_)));
  }
  if (!superseded_by.empty()) {
    rollout_.superseded_by = superseded_by;
    StopWith(Stop::kSuperseded, "superseded by rollout " + superseded_by);
  }
  for (const auto& t : in_flight) {
    if (stop_ != Stop::kNone) {
      interrupted_.insert(t.slug);  // never redeploy for a stopped rollout
      continue;
    }
    for (const auto* list : {&plan_.canary, &plan_.fanout}) {
      for (const auto& planned : *list) {
        if (planned.tenant.slug == t.slug && !Handled(t.slug)) QueueStart(planned, /*adopt=*/true);
      }
    }
  }
  stage_ = Stage::kCanary;
  Advance();
}

bool RolloutEngine::Handled(const std::string& slug) const {
  return rows_.count(slug) > 0 || in_flight_.count(slug) > 0;
}

bool RolloutEngine::FanoutBegun() const {
  for (const auto& planned : plan_.fanout) {
    if (Handled(planned.tenant.slug)) return true;
  }
  return false;
}

// The one place that decides what happens next; called after every event.
// Nothing it calls re-enters it, except through Post().
void RolloutEngine::Advance() {
  if (stage_ == Stage::kDone || store_down_) return;  // an outage: RetryStore advances
  if (stop_ != Stop::kNone) {
    AbandonRechecks();
    // "In-flight tenants finish": one still waiting for another rollout to
    // let go of its tenant has not started, and never will now.
    for (auto& [slug, run] : in_flight_) {
      if (run) run->SkipIfWaiting("not started: " + rollout_.error);
    }
    if (in_flight_.empty()) Finalize();
    return;
  }
  if (paused_) return;
  if (stage_ == Stage::kCanary) AdvanceCanary();
  if (stage_ == Stage::kFanout) AdvanceFanout();
  if (stop_ != Stop::kNone) Advance();  // a tenant was refused synchronously
}

void RolloutEngine::AdvanceCanary() {
  while (stop_ == Stop::kNone && !store_down_ && in_flight_.empty() && next_canary_ < plan_.canary.size()) {
    const PlannedTenant& next = plan_.canary[next_canary_++];
    if (!Handled(next.tenant.slug)) QueueStart(next);
  }
  if (stop_ != Stop::kNone || store_down_ || !in_flight_.empty()) return;
  if (plan_.canary.empty() || FanoutBegun()) {
    stage_ = Stage::kFanout;  // nothing to soak, or soaked before a restart
  } else {
    StartSoak();
  }
}

void RolloutEngine::AdvanceFanout() {
  const size_t total = plan_.fanout.size();
  const size_t limit = static_cast<size_t>(rollout_.policy.max_parallel);
  if (rollout_.policy.strategy == Strategy::kWindow) {
    while (stop_ == Stop::kNone && !store_down_ && in_flight_.size() < limit && next_fanout_ < total) {
      const PlannedTenant& next = plan_.fanout[next_fanout_++];
      if (!Handled(next.tenant.slug)) QueueStart(next);
    }
  } else {
    // Batches: the next group only once the whole previous one finished.
    while (stop_ == Stop::kNone && !store_down_ && in_flight_.empty() && next_fanout_ < total) {
      const size_t end = std::min(total, next_fanout_ + limit);
      while (next_fanout_ < end) {
        const PlannedTenant& next = plan_.fanout[next_fanout_++];
        if (!Handled(next.tenant.slug)) QueueStart(next);
      }
    }
  }
  if (stop_ == Stop::kNone && !store_down_ && in_flight_.empty() && next_fanout_ == total) {
    Finalize();
  }
}

void RolloutEngine::AbandonRechecks() {
  for (auto& [slug, cancel] : rechecks_) {
    if (cancel) cancel();
  }
  rechecks_.clear();
  if (stage_ == Stage::kSoak || stage_ == Stage::kCanaryRecheck) {
    env_.clock.Cancel(stage_timer_);
    stage_timer_ = 0;
  }
}

void RolloutEngine::StartSoak() {
  stage_ = Stage::kSoak;
  Duration soak = SecondsToDuration(rollout_.policy.soak_seconds);
  stage_timer_ = env_.clock.CallAfter(soak, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->RecheckCanaries();
  });
}

void RolloutEngine::RecheckCanaries() {
  stage_timer_ = 0;
  if (stage_ != Stage::kSoak || stop_ != Stop::kNone) return Advance();
  stage_ = Stage::kCanaryRecheck;
  const Duration interval = SecondsToDuration(rollout_.policy.health_interval_s);
  const Duration timeout = std::max<Duration>(interval, std::chrono::seconds(1));
  for (const auto& planned : plan_.canary) {
    const std::string slug = planned.tenant.slug;
    auto done = [&clock = env_.clock, weak = weak_from_this(), slug](ProbeOutcome outcome) {
      clock.Post([weak, slug, outcome = std::move(outcome)]() mutable {
        if (auto self = weak.lock()) self->OnRecheck(slug, std::move(outcome));
      });
    };
    rechecks_[slug] = nullptr;
    rechecks_[slug] = env_.prober.ProbeHealth(planned.tenant, timeout, std::move(done));
  }
  // Every wait has a deadline: a probe that never answers counts as unhealthy.
  stage_timer_ = env_.clock.CallAfter(timeout + std::chrono::seconds(1), [weak = weak_from_this()] {
    auto self = weak.lock();
    if (!self) return;
    self->stage_timer_ = 0;
    while (!self->rechecks_.empty()) {
      self->OnRecheck(self->rechecks_.begin()->first, ProbeOutcome{false, 0, "no answer"});
    }
  });
}

void RolloutEngine::OnRecheck(const std::string& slug, ProbeOutcome outcome) {
  auto it = rechecks_.find(slug);
  if (it == rechecks_.end()) return;  // answered already, or abandoned
  if (it->second) it->second();
  rechecks_.erase(it);
  if (!outcome.healthy && stop_ == Stop::kNone) {
    std::string why = outcome.error.empty() ? fmt::format("HTTP {}", outcome.http_status)
                                            : outcome.error;
    StopWith(Stop::kCanaryFailed, fmt::format("canary {} unhealthy after the soak: {}", slug, why));
  }
  if (!rechecks_.empty()) return;
  env_.clock.Cancel(stage_timer_);
  stage_timer_ = 0;
  if (stage_ == Stage::kCanaryRecheck) stage_ = Stage::kFanout;
  Advance();
}

std::string RolloutEngine::WithdrawnReason(const Result<Tenant>& current) {
  if (!current.ok()) {
    return current.status().code() == Status::Code::kNotFound ? "the tenant was removed during the rollout" : "";
  }
  return current->state != TenantState::kActive ? "the tenant was cordoned during the rollout" : "";
}

void RolloutEngine::OnTenantFinished(TenantResult row) {
  in_flight_.erase(row.slug);
  // Removed or cordoned while it ran (before the notice reached the loop):
  // an unproven row is withdrawn, not a straggler.
  if (!row.verified_on_target && row.status != TenantStatus::kCancelled) {
    const std::string withdrawn = WithdrawnReason(env_.store.GetTenant(row.slug));
    if (!withdrawn.empty()) {
      row.error = fmt::format("{} ({}: {})", withdrawn, ToString(row.status), row.error);
      row.status = TenantStatus::kCancelled;
    }
  }
  HandleRow(std::move(row));
  Advance();
}

void RolloutEngine::TenantWithdrawn(const std::string& slug, const std::string& why) {
  auto it = in_flight_.find(slug);
  if (it == in_flight_.end()) return;  // not started yet: StartTenant sees it
  if (!it->second) {
    withdrawn_pending_[slug] = why;  // its deploy waits for a commit: Flush records it instead
    return;
  }
  std::shared_ptr<TenantRun> run = it->second;
  run->Cancel(why);  // its row arrives through OnTenantFinished
}

void RolloutEngine::HandleRow(TenantResult row) {
  RecordRow(row);
  if (!row.verified_on_target && stop_ == Stop::kNone) {
    if (row.phase != "canary" && row.status == TenantStatus::kCancelled) return;  // withdrawn
    if (row.phase == "canary") {
      StopWith(Stop::kCanaryFailed, fmt::format("canary {} failed: {}", row.slug, Describe(row)));
    } else {
      fanout_stragglers_.push_back(row.slug);
      if (static_cast<int64_t>(fanout_stragglers_.size()) > plan_.tolerance) {
        StopWith(Stop::kHalted,
                 fmt::format("halted: {} stragglers exceed the tolerance of {} (max_stragglers "
                             "{}): {}",
                             fanout_stragglers_.size(), plan_.tolerance,
                             rollout_.policy.max_stragglers.Describe(),
                             JoinSlugs(fanout_stragglers_)));
      }
    }
  }
}

// Every row goes through here, so each reaches the ledger and the event
// stream exactly once.
void RolloutEngine::RecordRow(const TenantResult& row) {
  rows_[row.slug] = row;
  if (env_.metrics && !rollout_.policy.dry_run) env_.metrics->TenantFinished(row);
  // The row, its observation and its event: in one commit, never apart.
  batch_.PutResult(rollout_.id, row);
  if (row.verified_on_target) to_observe_.push_back(row);  // read and written at the commit
  nlohmann::json data = ToJson(row);
  data["result"] = data;  // the row's fields at the top and under "result"
  if (!row.notes.empty()) data["notes"] = row.notes;
  BatchEvent(kEventTenantFinished, std::move(data));
  ScheduleFlush();
}

std::vector<std::string> RolloutEngine::Unfinished() const {
  std::vector<std::string> out;
  for (const auto& slug : rollout_.enumerated) {
    if (rows_.count(slug) == 0) out.push_back(slug);
  }
  return out;
}

void RolloutEngine::StopWith(Stop reason, std::string error) {
  if (stop_ != Stop::kNone) return;  // the first reason is the one reported
  stop_ = reason;
  rollout_.error = std::move(error);
}

Status RolloutEngine::Pause() {
  if (stage_ == Stage::kDone) return Status::Conflict("rollout " + rollout_.id + " already finished");
  if (store_down_) return Status::Unavailable("the store cannot be reached: try again once it answers");
  if (!paused_) {
    paused_ = true;
    SetState(RolloutState::kPaused);
  }
  return Status::Ok();
}

Status RolloutEngine::Resume() {
  if (stage_ == Stage::kDone) return Status::Conflict("rollout " + rollout_.id + " already finished");
  if (store_down_) return Status::Unavailable("the store cannot be reached: try again once it answers");
  if (paused_) {
    paused_ = false;
    SetState(RolloutState::kRunning);
    Advance();
  }
  return Status::Ok();
}

Status RolloutEngine::Cancel() {
  if (stage_ == Stage::kDone) return Status::Conflict("rollout " + rollout_.id + " already finished");
  StopWith(Stop::kCancelled, "cancelled by an operator");
  std::vector<std::shared_ptr<TenantRun>> runs;
  for (auto& [slug, run] : in_flight_) {
    if (run) runs.push_back(run);  // a pending start never starts now (Flush)
  }
  for (auto& run : runs) run->Cancel("rollout cancelled while the tenant was in flight");
  Advance();
  return Status::Ok();
}

void RolloutEngine::Supersede(const std::string& by_rollout_id) {
  if (stage_ == Stage::kDone) return;
  rollout_.superseded_by = by_rollout_id;
  StopWith(Stop::kSuperseded, "superseded by rollout " + by_rollout_id);
  Advance();
}

Rollout RolloutEngine::Snapshot() const {
  Rollout copy = rollout_;
  copy.results.clear();
  for (const auto& slug : plan_.EnumeratedSlugs()) {
    if (auto it = rows_.find(slug); it != rows_.end()) copy.results.push_back(it->second);
  }
  return copy;
}

void RolloutEngine::Finalize() {
  AbandonRechecks();
  if (!rollout_.policy.dry_run) FillUnstartedRows();
  // Every row before the verdict that counts them; through an outage,
  // RetryStore comes back here.
  if (!CommitPending() && store_down_) return;
  stage_ = Stage::kDone;
  rollout_.results = Snapshot().results;
  switch (stop_) {
    case Stop::kCancelled: rollout_.state = RolloutState::kCancelled; break;
    case Stop::kSuperseded: rollout_.state = RolloutState::kSuperseded; break;
    case Stop::kNone: rollout_.state = RolloutState::kSucceeded; break;
    default: rollout_.state = RolloutState::kFailed; break;
  }
  if (!rollout_.policy.dry_run) ApplyCoverageGate();  // a dry run asserts no coverage
  rollout_.finished_at_ms = env_.clock.WallMillis();
  PersistFinal();
}

void RolloutEngine::FillUnstartedRows() {
  const bool cancelled = stop_ == Stop::kCancelled;
  const std::string why = "not started: " + rollout_.error;
  for (const auto& slug_phase : {&plan_.canary, &plan_.fanout}) {
    for (const auto& planned : *slug_phase) {
      if (rows_.count(planned.tenant.slug) > 0) continue;
      TenantResult row;
      row.slug = planned.tenant.slug;
      row.phase = planned.phase;
      row.status = cancelled ? TenantStatus::kCancelled : TenantStatus::kSkipped;
      row.error = interrupted_.count(row.slug) > 0
                      ? "interrupted by a control-plane restart, not resumed: " + rollout_.error
                      : why;
      RecordRow(row);
    }
  }
}

void RolloutEngine::ApplyCoverageGate() {
  CoverageRules rules = CoverageRulesOf(rollout_);
  rules.tolerance = plan_.tolerance;
  CoverageVerdict verdict = EvaluateCoverage(plan_.EnumeratedSlugs(), rollout_.results, rules);
  rollout_.stragglers = verdict.stragglers;
  if (!verdict.passed && rollout_.state == RolloutState::kSucceeded) {
    rollout_.state = RolloutState::kFailed;
    rollout_.error = verdict.error;
  }
  // A recovery's tenants were already left behind: one that fails again
  // stays quarantined with the new reason, however the recovery ends.
  if (!QuarantinesStragglers(rollout_)) return;
  for (const auto& slug : verdict.stragglers) {
    auto it = rows_.find(slug);
    TenantObservation obs;
    obs.quarantined = true;
    obs.quarantine_reason = fmt::format("rollout {}: {}", rollout_.id,
                                        it == rows_.end() ? "no result row" : Describe(it->second));
    // Committed with the final state (PersistFinal); skipped for a tenant
    // removed meanwhile.
    batch_.ObserveTenant(slug, obs);
    RolloutEvent event;  // a fleet event: no rollout's
    event.type = kEventQuarantine;
    event.data = {{"slug", slug}, {"quarantined", true}, {"reason", obs.quarantine_reason}};
    event.at_ms = env_.clock.WallMillis();
    batch_.AppendEvent(std::move(event));
  }
  if (!verdict.stragglers.empty()) {
    rollout_.warnings.push_back(fmt::format("quarantined stragglers: {}", JoinSlugs(verdict.stragglers)));
  }
}

void RolloutEngine::SetState(RolloutState state) {
  const bool committed = CommitPending();  // the rows before the state that follows them
  if (!committed && !store_down_) return;
  rollout_.state = state;
  state_unsaved_ = !committed || !Persist(env_.store.PutRollout(rollout_));
  if (state_unsaved_) {
    state_unsaved_ = store_down_;  // RetryStore saves it
    return;
  }
  Emit(kEventRolloutState, {{"state", ToString(state)}, {"warnings", rollout_.warnings}});
}

void RolloutEngine::Emit(const char* type, nlohmann::json data, bool final) {
  RolloutEvent event;
  event.rollout_id = rollout_.id;
  event.type = type;
  event.data = std::move(data);
  event.at_ms = env_.clock.WallMillis();
  event.final = final;
  if (!Persist(env_.store.AppendEvent(event))) return;
  env_.sink.Publish(event);
}

bool RolloutEngine::Persist(const Status& status) {
  if (status.ok()) return true;
  if (!EnteredOutage(status)) StopWith(Stop::kStoreFailed, "store: " + status.message());
  return false;
}

}  // namespace rollcall
