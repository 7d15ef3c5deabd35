#include "core/tenant_run.h"

#include <algorithm>
#include <fmt/format.h>

#include "core/fencing.h"

namespace rollcall {
namespace {

// A probe waits no longer than the poll interval (at least 1 s, so a slow
// but healthy tenant is not cut off) and never past the settle deadline.
Duration ProbeTimeout(Duration interval, Duration remaining) {
  Duration cap = std::max<Duration>(interval, std::chrono::seconds(1));
  return std::clamp<Duration>(remaining, Duration(1000), cap);
}

std::string LastLine(const std::string& text) {
  size_t end = text.find_last_not_of(" \r\n\t");
  if (end == std::string::npos) return "";
  size_t begin = text.find_last_of('\n', end);
  begin = begin == std::string::npos ? 0 : begin + 1;
  return text.substr(begin, std::min<size_t>(end - begin + 1, 300));
}

}  // namespace

std::shared_ptr<TenantRun> TenantRun::Start(EngineEnv& env, TenantRunParams params, Tenant tenant,
                                            Done done) {
  auto run = std::make_shared<TenantRun>(env, std::move(params), std::move(tenant), std::move(done));
  run->Begin();
  return run;
}

TenantRun::TenantRun(EngineEnv& env, TenantRunParams params, Tenant tenant, Done done)
    : env_(env),
      params_(std::move(params)),
      tenant_(std::move(tenant)),
      target_image_(TargetImage(tenant_, params_.release, env.image_repo)),
      done_(std::move(done)) {}

void TenantRun::Begin() {
  row_.slug = tenant_.slug;
  row_.phase = params_.phase;
  row_.started_at_ms = env_.clock.WallMillis();
  started_ = env_.clock.Now();
  stage_ = Stage::kWaitingForLease;
  auto granted = [weak = weak_from_this()](std::shared_ptr<TenantLeases::Hold> hold) {
    if (auto run = weak.lock()) run->OnLeaseGranted(std::move(hold));
  };
  lease_ticket_ = params_.leases->Acquire(tenant_.slug, "rollout " + params_.rollout_id, granted);
  if (stage_ != Stage::kWaitingForLease) return;  // granted at once
  waited_ = true;
  Duration wait = params_.lease_wait.count() > 0
                      ? params_.lease_wait
                      : params_.deploy_timeout + params_.health_timeout + params_.proof_timeout + std::chrono::minutes(1);
  deadline_timer_ = env_.clock.CallAfter(wait, [weak = weak_from_this()] {
    if (auto run = weak.lock()) run->OnLeaseWaitTimeout();
  });
}

void TenantRun::OnLeaseGranted(std::shared_ptr<TenantLeases::Hold> hold) {
  if (stage_ != Stage::kWaitingForLease) return;  // finished meanwhile; `hold` goes at once
  hold_ = std::move(hold);
  env_.clock.Cancel(deadline_timer_);
  // One deadline covers inspect and deploy: an adopted tenant gets no more
  // time than a fresh one. It starts once the tenant is ours.
  deploy_deadline_ = env_.clock.Now() + params_.deploy_timeout;
  deadline_timer_ = env_.clock.CallAt(deploy_deadline_, [weak = weak_from_this()] {
    if (auto run = weak.lock()) run->OnDeployTimeout();
  });
  // After another run's deploy, or a restart, look before deploying.
  if (params_.adopt || waited_ || params_.leases->ReleasedSince(tenant_.slug, params_.rollout_began)) {
    return Inspect();
  }
  StartDeploy();
}

void TenantRun::OnLeaseWaitTimeout() {
  if (stage_ != Stage::kWaitingForLease) return;
  Finish(TenantStatus::kTimedOut,
         fmt::format("not deployed: the tenant stayed busy with {} for {}",
                     params_.leases->HolderOf(tenant_.slug),
                     FormatSeconds(DurationToSeconds(env_.clock.Now() - started_))));
}

void TenantRun::Inspect() {
  next_timer_ = 0;
  stage_ = Stage::kInspecting;
  cancel_work_ = env_.driver.Inspect(
      tenant_, OnLoop<TenantRun, InspectOutcome>(env_.clock, shared_from_this(), &TenantRun::OnInspected));
}

// Another deploy still runs there (one started before a restart, an agent
// still busy with an abandoned request): never start a second one beside
// it. Look again shortly, within the same deadline; once it ended, inspect
// decides (already on target, fenced, or deploy).
void TenantRun::InspectAgainSoon() {
  Duration pause = std::clamp<Duration>(params_.health_interval, std::chrono::milliseconds(100),
                                        std::chrono::seconds(2));
  stage_ = Stage::kInspecting;
  next_timer_ = env_.clock.CallAfter(pause, [weak = weak_from_this()] {
    if (auto run = weak.lock()) run->Inspect();
  });
}

void TenantRun::OnInspected(InspectOutcome outcome) {
  if (stage_ != Stage::kInspecting) return;
  cancel_work_ = nullptr;
  if (outcome.deploying) {
    still_deploying_ = outcome.deploying_detail.empty() ? "a deploy" : outcome.deploying_detail;
    return InspectAgainSoon();
  }
  if (outcome.error.empty() && outcome.running_image == target_image_) {
    env_.clock.Cancel(deadline_timer_);
    answered_image_ = outcome.running_image;
    answered_at_ms_ = env_.clock.WallMillis();
    return StartSettling();  // already deployed: prove it, do not redeploy
  }
  std::string refusal = TenantFenceRefusal(outcome.release_seq, params_.release, params_.rollback);
  if (!refusal.empty()) {
    if (env_.metrics) env_.metrics->FenceRefused();
    return Finish(TenantStatus::kSkipped, refusal);
  }
  StartDeploy();
}

void TenantRun::StartDeploy() {
  stage_ = Stage::kDeploying;
  still_deploying_.clear();
  DeployRequest req;
  req.rollout_id = params_.rollout_id;
  req.tenant = tenant_;
  req.release = params_.release;
  req.image = target_image_;
  req.rollback = params_.rollback;
  req.timeout = std::max<Duration>(deploy_deadline_ - env_.clock.Now(), Duration(1000));
  deploy_sent_ = env_.clock.Now();
  // The driver holds a copy of the lease with its callback: a deploy the
  // run gave up on keeps the tenant until the driver let go of it.
  auto on_loop = OnLoop<TenantRun, DeployOutcome>(env_.clock, shared_from_this(), &TenantRun::OnDeployed);
  cancel_work_ = env_.driver.Deploy(req, [hold = hold_, on_loop](DeployOutcome outcome) {
    on_loop(std::move(outcome));
  });
}

void TenantRun::OnDeployTimeout() {
  if (stage_ != Stage::kDeploying && stage_ != Stage::kInspecting) return;
  ReportTimeout();
}

void TenantRun::ReportTimeout() {
  const std::string limit = FormatSeconds(DurationToSeconds(params_.deploy_timeout));
  if (!still_deploying_.empty()) {
    return Finish(TenantStatus::kTimedOut,
                  fmt::format("not deployed: the tenant was still running {} after per_tenant_timeout_s ({})",
                              still_deploying_, limit));
  }
  Finish(TenantStatus::kTimedOut, fmt::format("deploy did not finish within per_tenant_timeout_s ({})", limit));
}

void TenantRun::OnDeployed(DeployOutcome outcome) {
  if (stage_ != Stage::kDeploying) return;  // after a timeout or cancel
  cancel_work_ = nullptr;
  row_.notes.insert(row_.notes.end(), outcome.notes.begin(), outcome.notes.end());
  if (outcome.busy) {
    still_deploying_ = "another deploy (the agent answered busy)";
    return InspectAgainSoon();  // the deadline timer still runs
  }
  if (outcome.timed_out) {
    // The driver's timer fired first, or the driver's own remote timed out
    // (an SSM ExecutionTimedOut) and says so.
    return outcome.error.empty() ? ReportTimeout() : Finish(TenantStatus::kTimedOut, outcome.error);
  }
  env_.clock.Cancel(deadline_timer_);
  deploy_answered_ = env_.clock.Now();
  if (env_.metrics) env_.metrics->DeployAnswered(*deploy_answered_ - deploy_sent_);
  row_.exit_code = outcome.exit_code;
  answered_image_ = outcome.running_image;
  answered_at_ms_ = env_.clock.WallMillis();
  row_.running_image = outcome.running_image;
  if (!outcome.exit_code) {
    std::string why = outcome.error.empty() ? "deploy did not complete" : outcome.error;
    return Finish(TenantStatus::kFailed, why);
  }
  if (*outcome.exit_code != 0) {
    std::string detail = LastLine(outcome.error.empty() ? outcome.output : outcome.error);
    return Finish(TenantStatus::kFailed,
                  fmt::format("deploy exited with code {}{}{}", *outcome.exit_code,
                              detail.empty() ? "" : ": ", detail));
  }
  StartSettling();
}

void TenantRun::StartSettling() {
  stage_ = Stage::kSettling;
  settle_deadline_ = env_.clock.Now() + params_.health_timeout;
  deadline_timer_ = env_.clock.CallAt(settle_deadline_, [weak = weak_from_this()] {
    if (auto run = weak.lock()) run->OnSettleTimeout();
  });
  Probe();
}

void TenantRun::Probe() {
  next_timer_ = 0;
  if (stage_ != Stage::kSettling) return;
  probe_started_ = env_.clock.Now();
  const uint64_t id = ++probe_id_;
  Duration timeout = ProbeTimeout(params_.health_interval, settle_deadline_ - probe_started_);
  auto on_probe = [&clock = env_.clock, weak = weak_from_this(), id](ProbeOutcome outcome) {
    clock.Post([weak, id, outcome = std::move(outcome)]() mutable {
      if (auto run = weak.lock()) run->OnProbe(id, std::move(outcome));
    });
  };
  cancel_work_ = env_.prober.ProbeHealth(tenant_, timeout, std::move(on_probe));
}

void TenantRun::OnProbe(uint64_t probe_id, ProbeOutcome outcome) {
  if (stage_ != Stage::kSettling || probe_id != probe_id_) return;
  cancel_work_ = nullptr;
  if (outcome.healthy) {
    row_.healthz_ok = true;
    if (env_.metrics && deploy_answered_) env_.metrics->HealthSettled(env_.clock.Now() - *deploy_answered_);
    return Prove();
  }
  last_probe_error_ = outcome.error.empty() ? fmt::format("HTTP {}", outcome.http_status)
                                            : outcome.error;
  TimePoint next = probe_started_ + params_.health_interval;
  if (next >= settle_deadline_) return;  // the settle deadline decides
  next_timer_ = env_.clock.CallAt(next, [weak = weak_from_this()] {
    if (auto run = weak.lock()) run->Probe();
  });
}

void TenantRun::OnSettleTimeout() {
  if (stage_ != Stage::kSettling) return;
  std::string last = last_probe_error_.empty() ? "no answer" : last_probe_error_;
  Finish(TenantStatus::kUnhealthy,
         fmt::format("healthz not 2xx within health_timeout_s ({}): {}",
                     FormatSeconds(DurationToSeconds(params_.health_timeout)), last));
}

// The proof is what the tenant runs now, read after the health gate: the
// deploy's answer may be stale by then (the container fell back, another
// actor moved it). Only when the driver cannot say does the deploy's own
// answer stand, which the lease makes safe against other rollouts.
void TenantRun::Prove() {
  env_.clock.Cancel(deadline_timer_);
  stage_ = Stage::kProving;
  deadline_timer_ = env_.clock.CallAfter(params_.proof_timeout, [weak = weak_from_this()] {
    InspectOutcome silent;
    silent.error = "no answer";
    if (auto run = weak.lock()) run->OnProof(std::move(silent));
  });
  cancel_work_ = env_.driver.Inspect(
      tenant_, OnLoop<TenantRun, InspectOutcome>(env_.clock, shared_from_this(), &TenantRun::OnProof));
}

void TenantRun::OnProof(InspectOutcome outcome) {
  if (stage_ != Stage::kProving) return;
  if (cancel_work_) cancel_work_();
  cancel_work_ = nullptr;
  if (outcome.deploying) {
    return Finish(TenantStatus::kOffTarget,
                  "another deploy started on the tenant during the health gate: " + outcome.deploying_detail);
  }
  if (outcome.error.empty()) {
    row_.running_image = outcome.running_image;
    row_.proof_observed_at_ms = env_.clock.WallMillis();
  } else {
    row_.running_image = answered_image_;
    row_.proof_observed_at_ms = answered_image_.empty() ? 0 : answered_at_ms_;
  }
  CheckProof();
}

void TenantRun::CheckProof() {
  if (row_.running_image.empty()) {
    return Finish(TenantStatus::kOffTarget, "no running-image proof");
  }
  if (row_.running_image != target_image_) {
    return Finish(TenantStatus::kOffTarget, fmt::format("running {}, expected {}",
                                                        row_.running_image, target_image_));
  }
  row_.verified_on_target = true;
  Finish(TenantStatus::kSuccess, "");
}

void TenantRun::Cancel(const std::string& why) {
  if (stage_ == Stage::kDone) return;
  Finish(TenantStatus::kCancelled, why);
}

bool TenantRun::SkipIfWaiting(const std::string& why) {
  if (stage_ != Stage::kWaitingForLease) return false;
  Finish(TenantStatus::kSkipped, why);
  return true;
}

void TenantRun::StopPendingWork() {
  if (cancel_work_) cancel_work_();
  cancel_work_ = nullptr;
  env_.clock.Cancel(deadline_timer_);
  env_.clock.Cancel(next_timer_);
  if (stage_ == Stage::kWaitingForLease) params_.leases->Withdraw(tenant_.slug, lease_ticket_);
  hold_.reset();  // the driver may still hold its copy
}

void TenantRun::Finish(TenantStatus status, std::string error) {
  StopPendingWork();
  stage_ = Stage::kDone;
  row_.status = status;
  row_.error = std::move(error);
  row_.finished_at_ms = env_.clock.WallMillis();
  row_.duration_ms = DurationToMillis(env_.clock.Now() - started_);
  env_.clock.Post([done = std::move(done_), row = row_]() { done(row); });
}

}  // namespace rollcall
