#include "testing/fake_fleet.h"

#include <memory>

namespace rollcall {

FakeTenant FakeTenant::Unhealthy() {
  return FakeTenant{.healthy = [](int, TimePoint) { return false; }};
}

FakeTenant FakeTenant::HealthyFromProbe(int n) {
  return FakeTenant{.healthy = [n](int i, TimePoint) { return i >= n; }};
}

CancelFn FakeDriver::Deploy(const DeployRequest& req, std::function<void(DeployOutcome)> done) {
  const FakeTenant& script = fleet_.Script(req.tenant.slug);
  Clock& clock = fleet_.clock();
  if (script.busy_until && clock.Now() < *script.busy_until) {
    DeployOutcome busy;
    busy.busy = true;
    busy.error = "agent answered HTTP 409: a deploy is already running";
    clock.Post([busy, done] { done(busy); });
    return nullptr;
  }
  const size_t call = fleet_.deploys.size();
  fleet_.deploys.push_back({req.tenant.slug, req.image, clock.Now()});
  fleet_.max_in_flight = std::max(fleet_.max_in_flight, ++fleet_.in_flight);
  auto finished = std::make_shared<bool>(false);
  auto settle = [this, finished, call](bool cancelled) {
    if (*finished) return;
    *finished = true;
    --fleet_.in_flight;
    fleet_.deploys[call].cancelled = cancelled;
  };
  TimerId timer = 0;
  if (!script.never_answers) {
    DeployOutcome outcome;
    outcome.exit_code = script.exit_code;
    if (script.exit_code != 0) outcome.output = "redeploy: container failed to start\n";
    if (script.reports == FakeTenant::Reports::kTarget) outcome.running_image = req.image;
    if (script.reports == FakeTenant::Reports::kOldImage) outcome.running_image = script.old_image;
    std::string slug = req.tenant.slug;
    timer = clock.CallAfter(script.deploy_time, [this, settle, slug, outcome, done] {
      settle(false);
      if (!outcome.running_image.empty()) running_[slug] = outcome.running_image;
      done(outcome);
    });
  }
  return [&clock, timer, settle] {
    clock.Cancel(timer);
    settle(true);
  };
}

CancelFn FakeDriver::Inspect(const Tenant& tenant, std::function<void(InspectOutcome)> done) {
  InspectOutcome outcome;
  const FakeTenant& script = fleet_.Script(tenant.slug);
  auto it = running_.find(tenant.slug);
  outcome.running_image = it == running_.end() ? script.old_image : it->second;
  const TimePoint now = fleet_.clock().Now();
  // The other deploy's image, once it ended, until this driver deploys.
  const bool ours = it != running_.end();
  if (!ours && script.busy_until && now >= *script.busy_until && !script.image_after_busy.empty()) {
    outcome.running_image = script.image_after_busy;
  }
  if (!ours && script.deploying_until) {
    outcome.deploying = now < *script.deploying_until;
    if (outcome.deploying) outcome.deploying_detail = "a deploy of " + script.image_after_busy;
    if (!outcome.deploying && !script.image_after_busy.empty()) outcome.running_image = script.image_after_busy;
  }
  if (script.inspect_fails) outcome = InspectOutcome{"", std::nullopt, "exec.inspect: not configured", false, ""};
  ++fleet_.inspects;
  fleet_.clock().Post([outcome, done] { done(outcome); });
  return nullptr;
}

CancelFn FakeProber::ProbeHealth(const Tenant& tenant, Duration,
                                 std::function<void(ProbeOutcome)> done) {
  auto& times = fleet_.probes[tenant.slug];
  const int n = static_cast<int>(times.size());
  const TimePoint now = fleet_.clock().Now();
  times.push_back(now);
  bool healthy = fleet_.Script(tenant.slug).healthy(n, now);
  ProbeOutcome outcome{healthy, healthy ? 200 : 503, healthy ? "" : "HTTP 503"};
  fleet_.clock().Post([outcome, done] { done(outcome); });
  return nullptr;
}

CancelFn FakeProber::ProbeBuildInfo(const Tenant& tenant, Duration,
                                    std::function<void(BuildInfoOutcome)> done) {
  const FakeTenant& script = fleet_.Script(tenant.slug);
  BuildInfoOutcome outcome;
  if (script.never_answers || !script.buildinfo_sha) {
    if (script.never_answers) return nullptr;  // a dead box: never answers
    outcome.error = "/buildinfo: HTTP 404";
  } else {
    outcome.answered = true;
    outcome.git_sha = *script.buildinfo_sha;
  }
  fleet_.clock().Post([outcome, done] { done(outcome); });
  return nullptr;
}

}  // namespace rollcall
