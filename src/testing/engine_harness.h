// EngineHarness: the real RolloutService on a FakeClock, a FakeFleet and a
// MemoryStore that can be made unreachable — the unmodified engine in
// virtual time, for tests, the demo and the engine benchmark.
#pragma once

#include <string>
#include <vector>

#include "core/rollout_service.h"
#include "testing/outage_store.h"
#include "testing/fake_clock.h"
#include "testing/fake_fleet.h"

namespace rollcall {

class RecordingSink : public EventSink {
 public:
  void Publish(const RolloutEvent& event) override { events.push_back(event); }
  std::vector<RolloutEvent> events;
};

class SequentialIds : public IdSource {
 public:
  std::string NextRolloutId() override { return "r" + std::to_string(++n_); }

 private:
  int n_ = 0;
};

class EngineHarness {
 public:
  static constexpr const char* kRepo = "registry.test/app";

  EngineHarness();

  // "t0007" for 7: the simulator's naming.
  static std::string Slug(int i);
  // Registers tenants t0000 .. t<n-1> (agent driver).
  void AddTenants(int n);
  void AddTenant(const std::string& slug);

  // A policy for tests: no canary, no soak, 300 s deploy timeout, 90 s
  // health timeout polled every 5 s, max_parallel 3, strict.
  static Policy TestPolicy();
  static Release TestRelease(int64_t seq = 1);

  Result<SubmitOutcome> Submit(const Policy& policy, const Release& release = TestRelease(),
                               bool rollback = false, const std::string& reason = "");
  // Submits, runs the clock until idle and returns the finished rollout.
  Rollout Run(const Policy& policy, const Release& release = TestRelease());

  Rollout Get(const std::string& id);
  const TenantResult* Row(const Rollout& r, const std::string& slug) const;
  std::vector<std::string> DeployedSlugs() const;
  TimePoint At(double seconds) const { return start_ + SecondsToDuration(seconds); }
  double SecondsSinceStart(TimePoint t) const { return DurationToSeconds(t - start_); }
  std::string Target(const Release& r = TestRelease()) const { return std::string(kRepo) + ":" + r.tag; }

  FakeClock clock;
  FakeFleet fleet{clock};
  FakeDriver driver{fleet};
  FakeProber prober{fleet};
  OutageStore store;  // a MemoryStore that can be made unreachable
  RecordingSink sink;
  SequentialIds ids;
  EngineEnv env{clock, driver, prober, store, sink, kRepo};
  RolloutService service{env, ids};

 private:
  TimePoint start_;
};

}  // namespace rollcall
