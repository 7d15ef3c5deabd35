#include "core/fleet_keeper.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/json_codec.h"

namespace rollcall {

std::shared_ptr<FleetKeeper> FleetKeeper::Create(EngineEnv& env, RolloutService& service,
                                                 AutoRecoveryConfig config, Observed observed) {
  return std::make_shared<FleetKeeper>(env, service, config, std::move(observed));
}

FleetKeeper::FleetKeeper(EngineEnv& env, RolloutService& service, AutoRecoveryConfig config,
                         Observed observed)
    : env_(env), service_(service), config_(config), observed_(std::move(observed)) {}

size_t FleetKeeper::recovering() const {
  size_t n = 0;
  for (const auto& [id, slugs] : running_) n += slugs.size();
  return n;
}

void FleetKeeper::OnLook(const Tenant& t, const DriftStatus& before, const DriftStatus& after,
                         bool changed) {
  if (changed && !(before.state == DriftState::kUnobserved && after.state == DriftState::kOnTarget)) {
    RecordTransition(t, before, after);
  }
  if (t.quarantined && LeavesQuarantine(after)) LeaveQuarantine(t.slug);
  if (!config_.enabled) return;
  auto it = candidates_.find(t.slug);
  const bool attempt_running = it != candidates_.end() && !it->second.rollout_id.empty();
  if (after.state == DriftState::kOnTarget) {
    if (it != candidates_.end() && !attempt_running) candidates_.erase(it);  // recovered
    return;
  }
  Result<std::optional<Release>> desired = env_.store.DesiredRelease();
  if (!desired.ok()) return;
  if (RecoveryMayTouch(t, after, *desired)) {
    // First seen: an attempt at once; a known one keeps its backoff.
    candidates_.try_emplace(t.slug, Candidate{0, env_.clock.Now(), ""});
    Pump();
  } else if (it != candidates_.end() && !attempt_running) {
    candidates_.erase(it);
  }
}

void FleetKeeper::RecordTransition(const Tenant& t, const DriftStatus& before, const DriftStatus& after) {
  // NotFound: removed since the round listed it; nothing to keep.
  (void)env_.store.PutDriftStatus(t.slug, after);
  nlohmann::json data = ToJson(after);
  data["slug"] = t.slug;
  data["previous"] = ToString(before.state);
  (void)RecordFleetEvent(env_, kEventDrift, data);
  AuditEntry entry;
  entry.actor = kActorDriftWatch;
  entry.kind = kEventDrift;
  entry.target = t.slug;
  entry.reason = fmt::format("{} -> {}{}", ToString(before.state), ToString(after.state),
                             after.detail.empty() ? "" : ": " + after.detail);
  entry.data = std::move(data);
  (void)RecordAudit(env_, entry);
}

void FleetKeeper::LeaveQuarantine(const std::string& slug) {
  // The round's copy may be stale: only a tenant quarantined now leaves.
  Result<Tenant> current = env_.store.GetTenant(slug);
  if (!current.ok() || !current->quarantined) return;
  TenantObservation obs;
  obs.quarantined = false;
  if (!env_.store.ObserveTenant(slug, obs).ok()) return;
  const std::string why = "observed on target and healthy";
  (void)RecordFleetEvent(env_, kEventQuarantine, {{"slug", slug},
                                                  {"quarantined", false},
                                                  {"reason", why},
                                                  {"was", current->quarantine_reason}});
  AuditEntry entry;
  entry.actor = kActorDriftWatch;
  entry.kind = kEventQuarantine;
  entry.target = slug;
  entry.reason = fmt::format("left quarantine: {} (was: {})", why, current->quarantine_reason);
  (void)RecordAudit(env_, entry);
}

void FleetKeeper::OnRolloutFinished(const Rollout& r) {
  if (auto it = running_.find(r.id); it != running_.end()) {
    const TimePoint now = env_.clock.Now();
    for (const auto& slug : it->second) {
      auto c = candidates_.find(slug);
      if (c == candidates_.end()) continue;
      auto row = std::find_if(r.results.begin(), r.results.end(),
                              [&](const TenantResult& x) { return x.slug == slug; });
      if (row != r.results.end() && row->verified_on_target) {
        candidates_.erase(c);  // the next look confirms it on target
        continue;
      }
      c->second.rollout_id.clear();
      ++c->second.failed;
      c->second.next_at = now + RecoveryBackoff(c->second.failed, config_.backoff, config_.max_backoff);
    }
    running_.erase(it);
  }
  // What a rollout verified is newer than the look that made it a
  // candidate (the watch saw it behind before the rollout reached it).
  for (const TenantResult& row : r.results) {
    auto c = candidates_.find(row.slug);
    if (row.verified_on_target && c != candidates_.end() && c->second.rollout_id.empty()) candidates_.erase(c);
  }
  Pump();  // a rollout that held recovery back may have ended
}

void FleetKeeper::Pump() {
  if (!config_.enabled || candidates_.empty()) return;
  // A running rollout's tenants are not drift yet, and a frozen fleet moves
  // for no one: wait (a rollout's end and the next look pump again).
  if (service_.FleetRolloutRunning()) return;
  Result<std::optional<FleetFreeze>> freeze = env_.store.GetFreeze();
  if (!freeze.ok() || *freeze) return;
  const TimePoint now = env_.clock.Now();
  std::vector<std::pair<TimePoint, std::string>> due;
  TimePoint next = TimePoint::max();
  for (const auto& [slug, c] : candidates_) {
    if (!c.rollout_id.empty()) continue;
    if (c.next_at <= now) {
      due.emplace_back(c.next_at, slug);
    } else {
      next = std::min(next, c.next_at);
    }
  }
  const size_t busy = recovering();
  const size_t room = busy >= static_cast<size_t>(config_.parallel) ? 0 : config_.parallel - busy;
  std::sort(due.begin(), due.end());  // the longest waiting first
  if (due.size() > room) due.resize(room);
  if (!due.empty()) {
    RecoveryAsk ask;
    for (const auto& [at, slug] : due) ask.only.push_back(slug);
    ask.reason = "automatic recovery";
    ask.created_by = "auto-recover";
    ask.observed = observed_ ? observed_() : std::map<std::string, DriftStatus>{};
    Result<RecoveryOutcome> out = service_.Recover(ask);
    if (!out.ok()) {
      // A tenant removed since it was seen would refuse the whole batch:
      // forget it and try the rest at once.
      bool forgot = false;
      for (const auto& slug : ask.only) {
        if (env_.store.GetTenant(slug).status().code() == Status::Code::kNotFound) {
          candidates_.erase(slug);
          forgot = true;
        }
      }
      if (forgot) return Pump();
      // Refused (frozen meanwhile, the store down): try again after a base
      // backoff rather than on every look.
      for (const auto& slug : ask.only) {
        candidates_[slug].next_at = now + config_.backoff;
      }
      next = std::min(next, now + config_.backoff);
    } else {
      for (const RecoverySkip& skip : out->scope.skipped) candidates_.erase(skip.slug);
      const bool started = out->submitted && out->submitted->kind != SubmitOutcome::Kind::kSuperseded;
      if (started) {
        const std::string id = out->submitted->rollout.id;
        for (const auto& slug : out->scope.slugs) {
          Candidate& c = candidates_[slug];
          c.rollout_id = id;
          running_[id].insert(slug);
          AuditEntry entry;
          entry.actor = kActorAutoRecover;
          entry.kind = "recover";
          entry.target = slug;
          auto status = ask.observed.find(slug);
          entry.reason = fmt::format("attempt {}: rollout {} of {}{}", c.failed + 1, id,
                                     out->submitted->rollout.release.Describe(),
                                     status == ask.observed.end() || status->second.detail.empty()
                                         ? ""
                                         : " (" + status->second.detail + ")");
          entry.data = {{"rollout_id", id}, {"attempt", c.failed + 1}};
          (void)RecordAudit(env_, entry);
        }
      }
    }
  }
  if (next != TimePoint::max()) WakeAt(next);
}

void FleetKeeper::WakeAt(TimePoint when) {
  if (wake_timer_ != 0 && wake_at_ <= when) return;  // an earlier wake comes anyway
  env_.clock.Cancel(wake_timer_);
  wake_at_ = when;
  wake_timer_ = env_.clock.CallAt(when, [weak = weak_from_this()] {
    auto self = weak.lock();
    if (!self) return;
    self->wake_timer_ = 0;
    self->Pump();
  });
}

}  // namespace rollcall
