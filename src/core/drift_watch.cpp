#include "core/drift_watch.h"

namespace rollcall {

// One tenant's look in progress: three answers, or the timeout.
struct DriftWatch::Look {
  Tenant tenant;
  TenantSighting sighting;
  bool done = false;
  TimerId timeout = 0;
  CancelFn cancels[3];  // inspect, /buildinfo, /healthz
  bool answered[3] = {false, false, false};
};

std::shared_ptr<DriftWatch> DriftWatch::Create(EngineEnv& env, std::shared_ptr<TenantLeases> leases,
                                               DriftWatchConfig config, OnLook on_look,
                                               OnRound on_round) {
  return std::make_shared<DriftWatch>(env, std::move(leases), config, std::move(on_look),
                                      std::move(on_round));
}

DriftWatch::DriftWatch(EngineEnv& env, std::shared_ptr<TenantLeases> leases, DriftWatchConfig config,
                       OnLook on_look, OnRound on_round)
    : env_(env), leases_(std::move(leases)), config_(config), on_look_(std::move(on_look)),
      on_round_(std::move(on_round)) {}

void DriftWatch::Start(Duration delay) {
  env_.clock.Post([weak = weak_from_this()] {
    auto self = weak.lock();
    if (!self) return;
    // What the ledger kept is a starting point; a store that cannot answer
    // starts from nothing (every tenant unobserved) rather than not at all.
    Result<std::map<std::string, DriftStatus>> kept = self->env_.store.ListDriftStatus();
    if (!kept.ok()) return;
    std::lock_guard lock(self->mu_);
    for (auto& [slug, status] : *kept) self->status_.emplace(slug, std::move(status));
  });
  env_.clock.CallAfter(delay, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->StartRound();
  });
}

void DriftWatch::Stop() {
  env_.clock.Post([weak = weak_from_this()] {
    auto self = weak.lock();
    if (!self) return;
    self->stopped_ = true;
    self->env_.clock.Cancel(self->pump_timer_);
    self->env_.clock.Cancel(self->round_timer_);
  });
}

std::map<std::string, DriftStatus> DriftWatch::Snapshot() const {
  std::lock_guard lock(mu_);
  return status_;
}

uint64_t DriftWatch::looks() const {
  std::lock_guard lock(mu_);
  return looks_;
}

void DriftWatch::StartRound() {
  if (stopped_) return;
  Pump();  // looks still waiting for their batch start now
  if (next_ < round_.size() || in_flight_ > 0) {
    // The last round is not through (slots were busy, or its last looks
    // still run): the next one starts when it is, so the tenants at its
    // end are not starved by restarts from the top, and each round is
    // reported whole.
    round_pending_ = true;
    return;
  }
  round_pending_ = false;
  round_start_ = env_.clock.Now();
  round_.clear();
  next_ = 0;
  looked_this_round_ = 0;
  // A store that cannot answer skips this round; the next one tries again.
  Result<std::vector<Tenant>> tenants = env_.store.ListTenants();
  Result<std::optional<Release>> desired = env_.store.DesiredRelease();
  if (tenants.ok() && desired.ok()) {
    desired_ = *desired;
    for (auto& t : *tenants) {
      if (t.state == TenantState::kActive) round_.push_back(std::move(t));
    }
  }
  round_timer_ = env_.clock.CallAt(round_start_ + config_.interval, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->StartRound();
  });
  Pump();
}

// Starts every look that is due and has a free slot; wakes itself for the
// next due one, a batch window late so the looks due meanwhile start with it.
void DriftWatch::Pump() {
  env_.clock.Cancel(pump_timer_);
  pump_timer_ = 0;
  while (!stopped_ && next_ < round_.size() && in_flight_ < config_.max_in_flight) {
    const TimePoint due =
        round_start_ + config_.interval * static_cast<int64_t>(next_) / static_cast<int64_t>(round_.size());
    if (due > env_.clock.Now()) {
      pump_timer_ = env_.clock.CallAt(due + config_.batch_window, [weak = weak_from_this()] {
        if (auto self = weak.lock()) self->Pump();
      });
      return;
    }
    Begin(round_[next_++]);
  }
}

void DriftWatch::Begin(const Tenant& t) {
  if (leases_ && leases_->Busy(t.slug)) return;  // a rollout deploys it now
  auto look = std::make_shared<Look>();
  look->tenant = t;
  look->sighting.at_ms = env_.clock.WallMillis();
  ++in_flight_;
  std::weak_ptr<DriftWatch> weak = weak_from_this();
  Clock& clock = env_.clock;
  // Every answer lands on the loop; after the look finished it is ignored.
  auto answered = [weak, look, &clock](int which, auto fill) {
    return [weak, look, &clock, which, fill](auto outcome) {
      clock.Post([weak, look, which, fill, outcome = std::move(outcome)] {
        auto self = weak.lock();
        if (!self || look->done) return;
        fill(look->sighting, outcome);
        look->answered[which] = true;
        if (look->answered[0] && look->answered[1] && look->answered[2]) self->Finish(look);
      });
    };
  };
  look->timeout = clock.CallAfter(config_.look_timeout, [weak, look] {
    if (auto self = weak.lock(); self && !look->done) self->Finish(look);
  });
  look->cancels[0] = env_.driver.Inspect(
      t, answered(0, [](TenantSighting& s, const InspectOutcome& o) {
        s.inspected = o.error.empty();
        s.inspected_image = o.running_image;
        s.inspected_seq = o.release_seq;
        s.deploying = o.deploying;
      }));
  look->cancels[1] = env_.prober.ProbeBuildInfo(
      t, config_.look_timeout, answered(1, [](TenantSighting& s, const BuildInfoOutcome& o) {
        s.buildinfo_answered = o.answered;
        s.buildinfo_sha = o.git_sha;
        s.buildinfo_image = o.image;
      }));
  look->cancels[2] = env_.prober.ProbeHealth(
      t, config_.look_timeout, answered(2, [](TenantSighting& s, const ProbeOutcome& o) {
        s.health_answered = o.http_status != 0;
        s.healthy = o.healthy;
      }));
}

void DriftWatch::Finish(const std::shared_ptr<Look>& look) {
  look->done = true;
  env_.clock.Cancel(look->timeout);
  for (int i = 0; i < 3; ++i) {
    if (!look->answered[i] && look->cancels[i]) look->cancels[i]();  // too late: abandoned
    look->cancels[i] = nullptr;
  }
  --in_flight_;
  const std::string target =
      desired_ ? TargetImage(look->tenant, *desired_, env_.image_repo) : std::string();
  const DriftVerdict verdict = Judge(look->sighting, desired_, target);
  DriftStatus before, after;
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    DriftStatus& status = status_[look->tenant.slug];
    before = status;
    status = Advance(status, look->sighting, verdict, &changed);
    after = status;
    ++looks_;
  }
  if (on_look_) on_look_(look->tenant, before, after, changed);
  ++looked_this_round_;
  if (next_ == round_.size() && in_flight_ == 0) {
    if (on_round_) on_round_(looked_this_round_, env_.clock.Now() - round_start_);
    if (round_pending_) {
      StartRound();  // it was due meanwhile
      return;
    }
  }
  Pump();
}

}  // namespace rollcall
