// RolloutEngine, its ledger side: the starts a turn queues and reads at
// once, the group commit that precedes their deploys, the verified rows'
// observations, the final state, and waiting out a store that cannot be
// reached (rollout_engine.h). The rollout's logic is in rollout_engine.cpp.
#include <fmt/format.h>

#include "core/fencing.h"
#include "core/fleet_log.h"  // kEventQuarantine
#include "core/json_codec.h"
#include "core/rollout_engine.h"

namespace rollcall {
namespace {

// Retries of a store that cannot be reached: soon at first (a database
// restart takes a second or two), then no more than every few seconds.
constexpr Duration kFirstStoreRetry = std::chrono::milliseconds(250);
constexpr Duration kLastStoreRetry = std::chrono::seconds(5);

bool Unreachable(const Status& s) { return s.code() == Status::Code::kUnavailable; }

}  // namespace

void RolloutEngine::QueueStart(const PlannedTenant& planned, bool adopt) {
  in_flight_[planned.tenant.slug] = nullptr;  // holds its place in the window
  queued_starts_.push_back(QueuedStart{&planned, adopt});
  ScheduleFlush();
}

bool RolloutEngine::ReadQueuedStarts() {
  if (queued_starts_.empty() || store_down_) return false;
  std::vector<QueuedStart> queued = std::move(queued_starts_);
  queued_starts_.clear();
  std::vector<std::string> slugs;
  for (const QueuedStart& q : queued) slugs.push_back(q.planned->tenant.slug);
  // Re-read the tenants, at once: running_seq, state and driver may have
  // changed since the rollout was planned.
  //
  // A queued tenant counts as in flight: a halt or a supersede since it was
  // queued lets it go on, a cancel does not. A refusal among them that
  // halts the rollout stops the ones after it, as if they had never been
  // queued.
  const Stop before = stop_;
  Result<std::map<std::string, Tenant>> found =
      before != Stop::kCancelled ? env_.store.GetTenants(slugs) : std::map<std::string, Tenant>{};
  if (!found.ok() && EnteredOutage(found.status())) {
    queued_starts_ = std::move(queued);  // read again once the store answers (RetryStore)
    return false;
  }
  for (const QueuedStart& q : queued) {
    const std::string& slug = q.planned->tenant.slug;
    in_flight_.erase(slug);
    if (stop_ == Stop::kCancelled || stop_ != before) {
      if (q.adopt) interrupted_.insert(slug);  // in flight at a restart: never redeployed now
      continue;
    }
    Result<Tenant> current = Status::NotFound("tenant " + slug);
    if (!found.ok()) {
      current = found.status();
    } else if (auto it = found->find(slug); it != found->end()) {
      current = std::move(it->second);
    }
    StartTenant(*q.planned, q.adopt, std::move(current));
  }
  return true;  // rows recorded or places freed: the engine advances
}

void RolloutEngine::StartTenant(const PlannedTenant& planned, bool adopt, Result<Tenant> current) {
  const std::string& slug = planned.tenant.slug;
  const std::string withdrawn = WithdrawnReason(current);
  std::string refusal;
  if (withdrawn.empty()) {
    // A ledger that cannot be read is no excuse: Skipped, a straggler.
    refusal = current.ok() ? TenantFenceRefusal(current->running_seq, rollout_.release, rollout_.rollback)
                           : "not deployed: " + current.status().message();
    if (current.ok() && !refusal.empty() && env_.metrics) env_.metrics->FenceRefused();
  }
  if (!withdrawn.empty() || !refusal.empty()) {
    TenantResult row;
    row.slug = slug;
    row.phase = planned.phase;
    row.status = withdrawn.empty() ? TenantStatus::kSkipped : TenantStatus::kCancelled;
    row.error = withdrawn.empty() ? refusal : "not deployed: " + withdrawn;
    return HandleRow(std::move(row));
  }
  // The mark is committed before the deploy starts (Flush).
  batch_.MarkStarted(rollout_.id, InFlightTenant{slug, planned.phase, env_.clock.WallMillis()});
  BatchEvent(kEventTenantStarted, {{"slug", slug}, {"phase", planned.phase}});
  in_flight_[slug] = nullptr;
  pending_starts_.push_back(PendingStart{&planned, adopt, std::move(current).value()});
}

void RolloutEngine::ScheduleFlush() {
  if (flush_posted_) return;
  flush_posted_ = true;
  auto flush = [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->Flush();
  };
  if (env_.commit_linger > Duration(0)) {
    env_.clock.CallAfter(env_.commit_linger, std::move(flush));
  } else {
    env_.clock.Post(std::move(flush));
  }
}

bool RolloutEngine::CommitPending() {
  if (store_down_) return false;  // RetryStore commits first
  ObserveVerifiedRows();  // each verified row's observation joins it in this commit
  if (store_down_) return false;
  if (batch_.empty()) return true;
  LedgerBatch batch = std::move(batch_);
  batch_ = LedgerBatch();
  if (Status s = env_.store.Commit(batch); !s.ok()) {
    // Nothing of it was written (or, the answer lost with the connection,
    // all of it: the store makes a retry idempotent): it goes first in the
    // next commit.
    for (LedgerWrite& w : batch_.writes()) batch.writes().push_back(std::move(w));
    batch_ = std::move(batch);
    if (!EnteredOutage(s)) StopWith(Stop::kStoreFailed, "store: " + s.message());
    return false;
  }
  for (const LedgerWrite& w : batch.writes()) {
    if (w.kind == LedgerWrite::Kind::kAppendEvent) env_.sink.Publish(w.event);
  }
  return true;
}

bool RolloutEngine::EnteredOutage(const Status& s) {
  if (!Unreachable(s)) return false;
  if (!store_down_) {
    store_down_ = true;
    if (store_backoff_ == Duration(0)) store_backoff_ = kFirstStoreRetry;
  }
  if (store_timer_ == 0) {
    store_timer_ = env_.clock.CallAfter(store_backoff_, [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->RetryStore();
    });
    store_backoff_ = std::min<Duration>(store_backoff_ * 2, kLastStoreRetry);
  }
  return true;
}

void RolloutEngine::RetryStore() {
  store_timer_ = 0;
  store_down_ = false;
  Flush();  // the writes that waited, then the deploys they precede
  if (store_down_) return;  // still unreachable: retried again
  if (state_unsaved_) SetState(rollout_.state);
  if (store_down_) return;
  store_backoff_ = Duration(0);
  if (final_pending_) return PersistFinal();
  Advance();
}

void RolloutEngine::Flush() {
  flush_posted_ = false;
  const bool read = ReadQueuedStarts();  // their marks join this commit
  const bool committed = CommitPending();
  if (!committed && store_down_) return;  // the starts wait for their marks (RetryStore)
  std::vector<PendingStart> starts = std::move(pending_starts_);
  pending_starts_.clear();
  bool recorded = read;
  for (PendingStart& start : starts) {
    const PlannedTenant& planned = *start.planned;
    const std::string& slug = planned.tenant.slug;
    if (!committed || stop_ == Stop::kCancelled) {
      // Its mark was not written, or an operator cancelled before its
      // deploy went out: it never starts (the final rows say so). A halt or
      // a supersede lets it go on, like every tenant in flight.
      in_flight_.erase(slug);
      continue;
    }
    if (auto w = withdrawn_pending_.find(slug); w != withdrawn_pending_.end()) {
      in_flight_.erase(slug);
      TenantResult row;
      row.slug = slug;
      row.phase = planned.phase;
      row.status = TenantStatus::kCancelled;
      row.error = "not deployed: " + w->second;
      withdrawn_pending_.erase(w);
      HandleRow(std::move(row));
      recorded = true;
      continue;
    }
    StartRun(planned, start.adopt, std::move(start.current));
  }
  if (recorded || !committed || stop_ == Stop::kCancelled) Advance();
}

void RolloutEngine::StartRun(const PlannedTenant& planned, bool adopt, Tenant current) {
  const std::string& slug = planned.tenant.slug;
  TenantRunParams params;
  params.rollout_id = rollout_.id;
  params.release = rollout_.release;
  params.rollback = rollout_.rollback;
  params.phase = planned.phase;
  params.deploy_timeout = SecondsToDuration(rollout_.policy.per_tenant_timeout_s);
  params.health_timeout = SecondsToDuration(rollout_.policy.health_timeout_s);
  params.health_interval = SecondsToDuration(rollout_.policy.health_interval_s);
  params.adopt = adopt;
  params.leases = leases_;
  params.rollout_began = began_;
  auto done = [weak = weak_from_this()](TenantResult row) {
    if (auto self = weak.lock()) self->OnTenantFinished(std::move(row));
  };
  in_flight_[slug] = TenantRun::Start(env_, std::move(params), std::move(current), done);
}

void RolloutEngine::BatchEvent(const char* type, nlohmann::json data) {
  RolloutEvent event;
  event.rollout_id = rollout_.id;
  event.type = type;
  event.data = std::move(data);
  event.at_ms = env_.clock.WallMillis();
  batch_.AppendEvent(std::move(event));
}

void RolloutEngine::ObserveVerifiedRows() {
  if (to_observe_.empty()) return;
  std::vector<std::string> slugs;
  for (const TenantResult& row : to_observe_) slugs.push_back(row.slug);
  Result<std::map<std::string, Tenant>> found = env_.store.GetTenants(slugs);
  if (!found.ok()) {
    if (EnteredOutage(found.status())) return;  // they wait with their rows
    // Unreadable otherwise: the rows stand, proven; the next rollout or the
    // drift watch records what the tenants run.
    rollout_.warnings.push_back("observations not recorded: " + found.status().message());
    to_observe_.clear();
    return;
  }
  std::vector<TenantResult> rows = std::move(to_observe_);
  to_observe_.clear();
  for (const TenantResult& row : rows) {
    auto it = found->find(row.slug);
    if (it != found->end()) ObserveVerified(row, it->second);  // else removed: nothing to record it on
  }
}

void RolloutEngine::ObserveVerified(const TenantResult& row, const Tenant& current) {
  TenantObservation obs;
  obs.running_image = row.running_image;
  obs.running_seq = NextRunningSeq(current.running_seq, rollout_.release.seq, rollout_.rollback);
  obs.quarantined = false;  // proven on target: recovered
  batch_.ObserveTenant(row.slug, obs);  // skipped if it is removed before the commit
  if (current.quarantined) {
    RolloutEvent left;  // a fleet event: no rollout's
    left.type = kEventQuarantine;
    left.data = {{"slug", row.slug},
                 {"quarantined", false},
                 {"reason", fmt::format("verified on target by rollout {}", rollout_.id)},
                 {"was", current.quarantine_reason}};
    left.at_ms = env_.clock.WallMillis();
    batch_.AppendEvent(std::move(left));
  }
}

// The quarantines, the final state, then its event: each written once, and
// an outage between them only delays the rest (RetryStore).
void RolloutEngine::PersistFinal() {
  final_pending_ = true;
  if (!CommitPending()) {
    if (store_down_) return;
  } else if (Status s = env_.store.PutRollout(rollout_); !s.ok()) {
    if (EnteredOutage(s)) return;  // else best effort: no side effect follows
  }
  RolloutEvent event;
  event.rollout_id = rollout_.id;
  event.type = kEventRolloutState;
  event.data = {{"state", ToString(rollout_.state)},
                {"error", rollout_.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(rollout_.error)},
                {"stragglers", rollout_.stragglers}};
  event.at_ms = env_.clock.WallMillis();
  event.final = true;
  if (Status s = env_.store.AppendEvent(event); !s.ok()) {
    if (EnteredOutage(s)) return;
  } else {
    env_.sink.Publish(event);
  }
  final_pending_ = false;
  if (env_.metrics) env_.metrics->RolloutFinished(rollout_);
  if (on_finished_) on_finished_(rollout_);
}

}  // namespace rollcall
