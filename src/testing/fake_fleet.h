// FakeDriver and FakeProber: a scriptable fleet on a FakeClock.
//
// Each tenant has a FakeTenant script: how long its deploy takes, what it
// reports, whether it ever answers, and when its /healthz is 2xx. Both fakes
// record what they were asked, so tests assert the exact sequence of deploys
// and the virtual time each happened at.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/driver.h"
#include "core/prober.h"

namespace rollcall {

struct FakeTenant {
  enum class Reports { kTarget, kOldImage, kNothing };

  Duration deploy_time = std::chrono::seconds(1);
  bool never_answers = false;  // a dead box: the deploy call hangs
  int exit_code = 0;
  Reports reports = Reports::kTarget;
  std::string old_image = "registry.test/app:old";
  // Until this virtual time the tenant answers deploys with busy (an
  // earlier deploy is still running); inspect keeps showing old_image.
  std::optional<TimePoint> busy_until{};
  std::string image_after_busy{};  // what it runs once that deploy ends
  // Whether /healthz is 2xx on the n-th probe (0-based) at virtual time t.
  std::function<bool(int n, TimePoint t)> healthy = [](int, TimePoint) { return true; };
  bool inspect_fails = false;  // Inspect answers an error (no inspect command)
  // Until this virtual time Inspect reports a deploy still running there (an
  // agent's `deploying`); once it passes, the tenant runs image_after_busy.
  std::optional<TimePoint> deploying_until{};
  // What GET /buildinfo answers: nullopt = no answer; else its git_sha.
  std::optional<std::string> buildinfo_sha = std::string("");

  static FakeTenant Dead() { return FakeTenant{.never_answers = true}; }
  static FakeTenant Stuck() { return FakeTenant{.reports = Reports::kOldImage}; }
  static FakeTenant Unhealthy();
  static FakeTenant HealthyFromProbe(int n);
  static FakeTenant Slow(Duration d) { return FakeTenant{.deploy_time = d}; }
};

struct DeployCall {
  std::string slug;
  std::string image;
  TimePoint at;
  bool cancelled = false;
};

class FakeFleet {
 public:
  explicit FakeFleet(Clock& clock) : clock_(clock) {}
  void Set(const std::string& slug, FakeTenant script) { scripts_[slug] = std::move(script); }
  FakeTenant& Script(const std::string& slug) { return scripts_[slug]; }

  Clock& clock() { return clock_; }
  std::vector<DeployCall> deploys;                    // in start order
  std::map<std::string, std::vector<TimePoint>> probes;  // by slug
  int in_flight = 0;
  int max_in_flight = 0;
  int inspects = 0;

 private:
  Clock& clock_;
  std::map<std::string, FakeTenant> scripts_;  // default FakeTenant when absent
};

class FakeDriver : public Driver {
 public:
  explicit FakeDriver(FakeFleet& fleet) : fleet_(fleet) {}
  CancelFn Deploy(const DeployRequest& req, std::function<void(DeployOutcome)> done) override;
  CancelFn Inspect(const Tenant& tenant, std::function<void(InspectOutcome)> done) override;
  // What a tenant runs before this driver deployed it (e.g. after a restart).
  void SetRunning(const std::string& slug, const std::string& image) { running_[slug] = image; }

 private:
  FakeFleet& fleet_;
  std::map<std::string, std::string> running_;  // slug -> image after a deploy
};

class FakeProber : public Prober {
 public:
  explicit FakeProber(FakeFleet& fleet) : fleet_(fleet) {}
  CancelFn ProbeHealth(const Tenant& tenant, Duration timeout,
                       std::function<void(ProbeOutcome)> done) override;
  CancelFn ProbeBuildInfo(const Tenant& tenant, Duration timeout,
                          std::function<void(BuildInfoOutcome)> done) override;

 private:
  FakeFleet& fleet_;
};

}  // namespace rollcall
