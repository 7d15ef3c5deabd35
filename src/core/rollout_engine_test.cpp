// Engine scenarios from DESIGN §3, run on a fake clock and fake fleet. Times
// are virtual seconds since the harness started.
#include "core/rollout_engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/engine_harness.h"

namespace rollcall {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class RolloutEngineTest : public ::testing::Test {
 protected:
  EngineHarness h;
  Policy policy = EngineHarness::TestPolicy();

  double FinishedAt(const Rollout& r, const std::string& slug) {
    const TenantResult* row = h.Row(r, slug);
    EXPECT_NE(row, nullptr) << slug;
    return row ? (row->finished_at_ms - 1'800'000'000'000) / 1000.0 : -1;
  }
  double StartedAt(const std::string& slug) {
    for (const auto& call : h.fleet.deploys) {
      if (call.slug == slug) return h.SecondsSinceStart(call.at);
    }
    return -1;
  }
};

TEST_F(RolloutEngineTest, CleanRolloutDeploysCanaryFirstAndVerifiesEveryone) {
  h.AddTenants(6);
  policy.canary = {"t0003"};
  policy.soak_seconds = 60;
  Rollout r = h.Run(policy);

  EXPECT_EQ(r.state, RolloutState::kSucceeded) << r.error;
  EXPECT_THAT(r.stragglers, IsEmpty());
  EXPECT_THAT(h.DeployedSlugs(), ElementsAre("t0003", "t0000", "t0001", "t0002", "t0004", "t0005"));
  ASSERT_EQ(r.results.size(), 6u);
  std::vector<std::string> order;
  for (const auto& row : r.results) order.push_back(row.slug);
  EXPECT_THAT(order, ElementsAre("t0003", "t0000", "t0001", "t0002", "t0004", "t0005"));
  EXPECT_EQ(r.results[0].phase, "canary");
  for (const auto& row : r.results) {
    EXPECT_EQ(row.status, TenantStatus::kSuccess) << row.slug;
    EXPECT_TRUE(row.verified_on_target) << row.slug;
    EXPECT_TRUE(row.healthz_ok) << row.slug;
    EXPECT_EQ(row.exit_code, 0);
    EXPECT_EQ(row.running_image, h.Target());
  }
  // Canary deploys 1 s, soaks 60 s; the fan-out starts after the soak.
  EXPECT_DOUBLE_EQ(StartedAt("t0000"), 61.0);
  // Verified tenants are recorded as running the release.
  EXPECT_EQ(h.store.GetTenant("t0005")->running_seq, std::optional<int64_t>(1));
}

TEST_F(RolloutEngineTest, StuckTenantIsOffTargetStragglerAndFailsStrictRollout) {
  h.AddTenants(4);
  h.fleet.Set("t0002", FakeTenant::Stuck());
  policy.max_stragglers = {0, false};
  Rollout r = h.Run(policy);

  EXPECT_EQ(r.state, RolloutState::kFailed);
  EXPECT_THAT(r.stragglers, ElementsAre("t0002"));
  EXPECT_EQ(h.Row(r, "t0002")->status, TenantStatus::kOffTarget);
  EXPECT_FALSE(h.Row(r, "t0002")->verified_on_target);
  EXPECT_THAT(h.Row(r, "t0002")->error, HasSubstr("registry.test/app:old"));
  EXPECT_THAT(r.error, HasSubstr("t0002"));
  EXPECT_FALSE(h.store.GetTenant("t0002")->quarantined);
}

TEST_F(RolloutEngineTest, StuckTenantIsQuarantinedWithinTolerance) {
  h.AddTenants(4);
  h.fleet.Set("t0002", FakeTenant::Stuck());
  policy.max_stragglers = {1, false};
  Rollout r = h.Run(policy);

  EXPECT_EQ(r.state, RolloutState::kSucceeded) << r.error;
  EXPECT_THAT(r.stragglers, ElementsAre("t0002"));
  Tenant stuck = *h.store.GetTenant("t0002");
  EXPECT_TRUE(stuck.quarantined);
  EXPECT_THAT(stuck.quarantine_reason, HasSubstr("OffTarget"));
  EXPECT_EQ(h.Row(r, "t0003")->status, TenantStatus::kSuccess);
}

TEST_F(RolloutEngineTest, DeployWithoutImageProofIsOffTarget) {
  h.AddTenants(2);
  // t0000's deploy proves nothing and its inspect cannot tell either.
  h.fleet.Set("t0000", FakeTenant{.reports = FakeTenant::Reports::kNothing, .inspect_fails = true});
  // t0001's deploy proves nothing; the fresh read after the health gate
  // shows what it really runs.
  h.fleet.Set("t0001", FakeTenant{.reports = FakeTenant::Reports::kNothing});
  policy.max_stragglers = StragglerLimit{2, false};
  Rollout r = h.Run(policy);
  EXPECT_EQ(h.Row(r, "t0000")->status, TenantStatus::kOffTarget);
  EXPECT_EQ(h.Row(r, "t0000")->error, "no running-image proof");
  EXPECT_EQ(h.Row(r, "t0001")->status, TenantStatus::kOffTarget);
  EXPECT_EQ(h.Row(r, "t0001")->error, "running registry.test/app:old, expected registry.test/app:v1");
  EXPECT_EQ(r.state, RolloutState::kFailed);
  EXPECT_EQ(r.error, "no tenant was verified on the target");
}

TEST_F(RolloutEngineTest, TheProofIsReadAfterTheHealthGateNotTakenFromTheDeploy) {
  h.AddTenants(1);
  // The deploy answers the target, then the tenant falls back to the old
  // image before its health settles (on the second probe).
  h.fleet.Set("t0000", FakeTenant{.healthy = [this](int n, TimePoint) {
    if (n == 0) h.driver.SetRunning("t0000", "registry.test/app:old");
    return n >= 1;
  }});
  Rollout r = h.Run(policy);
  const TenantResult* row = h.Row(r, "t0000");
  EXPECT_EQ(row->status, TenantStatus::kOffTarget);
  EXPECT_EQ(row->running_image, "registry.test/app:old");
  EXPECT_TRUE(row->healthz_ok);
  EXPECT_GE(row->proof_observed_at_ms, row->started_at_ms);
  EXPECT_GT(row->proof_observed_at_ms, 0);
}

TEST_F(RolloutEngineTest, NonZeroExitIsFailed) {
  h.AddTenants(1);
  h.fleet.Set("t0000", FakeTenant{.exit_code = 3});
  Rollout r = h.Run(policy);
  EXPECT_EQ(h.Row(r, "t0000")->status, TenantStatus::kFailed);
  EXPECT_EQ(h.Row(r, "t0000")->exit_code, 3);
  EXPECT_THAT(h.Row(r, "t0000")->error, HasSubstr("exited with code 3"));
}

TEST_F(RolloutEngineTest, DeadTenantTimesOutWhileWindowKeepsOthersOnSchedule) {
  h.AddTenants(5);
  for (int i = 0; i < 5; ++i) h.fleet.Set(EngineHarness::Slug(i), FakeTenant::Slow(std::chrono::seconds(10)));
  h.fleet.Set("t0001", FakeTenant::Dead());
  policy.max_parallel = 2;
  policy.per_tenant_timeout_s = 100;
  policy.max_stragglers = {1, false};
  Rollout r = h.Run(policy);

  EXPECT_EQ(r.state, RolloutState::kSucceeded) << r.error;
  const TenantResult* dead = h.Row(r, "t0001");
  EXPECT_EQ(dead->status, TenantStatus::kTimedOut);
  EXPECT_EQ(dead->duration_ms, 100'000);
  EXPECT_FALSE(dead->exit_code.has_value());
  EXPECT_TRUE(h.fleet.deploys[1].cancelled);  // the hung call was abandoned
  // The free slot keeps flowing: 10 s deploys back to back, not behind the
  // dead tenant's 100 s.
  EXPECT_DOUBLE_EQ(FinishedAt(r, "t0000"), 10);
  EXPECT_DOUBLE_EQ(FinishedAt(r, "t0002"), 20);
  EXPECT_DOUBLE_EQ(FinishedAt(r, "t0003"), 30);
  EXPECT_DOUBLE_EQ(FinishedAt(r, "t0004"), 40);
  EXPECT_DOUBLE_EQ(FinishedAt(r, "t0001"), 100);
  EXPECT_THAT(r.stragglers, ElementsAre("t0001"));
}

TEST_F(RolloutEngineTest, SecondStragglerBeyondToleranceHaltsTheRollout) {
  h.AddTenants(8);
  h.fleet.Set("t0001", FakeTenant::Stuck());
  h.fleet.Set("t0003", FakeTenant::Unhealthy());
  policy.max_parallel = 1;
  policy.max_stragglers = {1, false};
  Rollout r = h.Run(policy);

  EXPECT_EQ(r.state, RolloutState::kFailed);
  EXPECT_THAT(r.error, HasSubstr("halted"));
  // Nothing starts after the second straggler.
  EXPECT_THAT(h.DeployedSlugs(), ElementsAre("t0000", "t0001", "t0002", "t0003"));
  for (const char* slug : {"t0004", "t0005", "t0006", "t0007"}) {
    EXPECT_EQ(h.Row(r, slug)->status, TenantStatus::kSkipped) << slug;
    EXPECT_THAT(h.Row(r, slug)->error, HasSubstr("not started"));
  }
  EXPECT_EQ(h.Row(r, "t0003")->status, TenantStatus::kUnhealthy);
  EXPECT_THAT(r.stragglers,
              ElementsAre("t0001", "t0003", "t0004", "t0005", "t0006", "t0007"));
}

TEST_F(RolloutEngineTest, HaltLetsInFlightTenantsFinish) {
  h.AddTenants(6);
  h.fleet.Set("t0000", FakeTenant::Stuck());
  h.fleet.Set("t0001", FakeTenant::Slow(std::chrono::seconds(30)));
  policy.max_parallel = 2;
  policy.max_stragglers = {0, false};
  Rollout r = h.Run(policy);

  EXPECT_EQ(r.state, RolloutState::kFailed);
  EXPECT_EQ(h.Row(r, "t0001")->status, TenantStatus::kSuccess);  // finished, not cut off
  EXPECT_THAT(h.DeployedSlugs(), ElementsAre("t0000", "t0001"));
}

TEST_F(RolloutEngineTest, PercentToleranceIsFlooredOverTheFanout) {
  h.AddTenants(26);
  policy.canary = {"t0025"};
  policy.max_stragglers = {10, true};  // 10% of 25 fan-out tenants = 2
  policy.max_parallel = 5;
  h.fleet.Set("t0003", FakeTenant::Stuck());
  h.fleet.Set("t0011", FakeTenant::Stuck());
  Rollout ok = h.Run(policy);
  EXPECT_EQ(ok.state, RolloutState::kSucceeded) << ok.error;
  EXPECT_THAT(ok.stragglers, ElementsAre("t0003", "t0011"));

  h.fleet.Set("t0020", FakeTenant::Stuck());
  Rollout too_many = h.Run(policy, EngineHarness::TestRelease(2));
  EXPECT_EQ(too_many.state, RolloutState::kFailed);
}

TEST_F(RolloutEngineTest, CanaryFailureTouchesNoOtherTenantWhateverTheTolerance) {
  h.AddTenants(5);
  h.fleet.Set("t0002", FakeTenant::Dead());
  policy.canary = {"t0002", "t0004"};
  policy.max_stragglers = {100, true};
  Rollout r = h.Run(policy);

  EXPECT_EQ(r.state, RolloutState::kFailed);
  EXPECT_THAT(r.error, HasSubstr("canary t0002 failed: TimedOut"));
  EXPECT_THAT(h.DeployedSlugs(), ElementsAre("t0002"));
  EXPECT_EQ(h.Row(r, "t0004")->status, TenantStatus::kSkipped);
  EXPECT_EQ(h.Row(r, "t0000")->status, TenantStatus::kSkipped);
  EXPECT_EQ(r.results.size(), 5u);
}

TEST_F(RolloutEngineTest, CanaryUnhealthyAfterSoakFailsBeforeFanout) {
  h.AddTenants(4);
  policy.canary = {"t0000"};
  policy.soak_seconds = 120;
  const TimePoint soak_end = h.At(1 + 120);
  h.fleet.Set("t0000", FakeTenant{.healthy = [soak_end](int, TimePoint t) { return t < soak_end; }});
  Rollout r = h.Run(policy);

  EXPECT_EQ(r.state, RolloutState::kFailed);
  EXPECT_THAT(r.error, HasSubstr("canary t0000 unhealthy after the soak"));
  EXPECT_THAT(h.DeployedSlugs(), ElementsAre("t0000"));
  EXPECT_EQ(h.fleet.probes["t0000"].size(), 2u);
  EXPECT_EQ(h.fleet.probes["t0000"][1], soak_end);
}

TEST_F(RolloutEngineTest, ATenantRemovedOrCordonedMidRolloutIsCancelledAndTheRestShips) {
  // Coverage is asserted from the plan, not the rows; a tenant removed or
  // cordoned while the rollout ran is withdrawn from it: a Cancelled row,
  // neither verified nor a straggler, even at tolerance 0.
  h.AddTenants(4);
  policy.max_parallel = 1;
  h.fleet.Set("t0000", FakeTenant{.healthy = [this](int, TimePoint) {
    h.store.DeleteTenant("t0002").IgnoreError();
    Tenant t = *h.store.GetTenant("t0003");
    t.state = TenantState::kCordoned;
    h.store.PutTenants({t}).IgnoreError();
    return true;
  }});
  Rollout r = h.Run(policy);
  EXPECT_EQ(r.state, RolloutState::kSucceeded) << r.error;
  EXPECT_TRUE(r.stragglers.empty());
  EXPECT_EQ(h.Row(r, "t0002")->status, TenantStatus::kCancelled);
  EXPECT_EQ(h.Row(r, "t0002")->error, "not deployed: the tenant was removed during the rollout");
  EXPECT_EQ(h.Row(r, "t0003")->status, TenantStatus::kCancelled);
  EXPECT_EQ(h.Row(r, "t0003")->error, "not deployed: the tenant was cordoned during the rollout");
  EXPECT_EQ(h.DeployedSlugs(), (std::vector<std::string>{"t0000", "t0001"}));
}

TEST_F(RolloutEngineTest, ATenantWithdrawnWhileDeployingIsCancelledAtOnce) {
  h.AddTenants(3);
  policy.max_parallel = 1;
  h.fleet.Set("t0001", FakeTenant::Dead());
  ASSERT_TRUE(h.Submit(policy).ok());
  h.clock.RunUntil(h.At(2));  // t0001's deploy hangs
  h.store.DeleteTenant("t0001").IgnoreError();
  h.service.TenantWithdrawn("t0001", "the tenant was removed during the rollout");
  h.clock.RunUntilIdle();
  Rollout r = h.Get("r1");
  EXPECT_EQ(r.state, RolloutState::kSucceeded) << r.error;
  EXPECT_EQ(h.Row(r, "t0001")->status, TenantStatus::kCancelled);
  EXPECT_EQ(h.Row(r, "t0002")->status, TenantStatus::kSuccess);
  EXPECT_LT(h.SecondsSinceStart(h.fleet.deploys.back().at), 10);  // not after a 300 s timeout
}

TEST_F(RolloutEngineTest, DryRunListsPhasesAndTouchesNothing) {
  h.AddTenants(5);
  policy.dry_run = true;
  policy.canary = {"t0001"};
  policy.strategy = Strategy::kBatches;
  policy.max_parallel = 2;
  Rollout r = h.Run(policy);

  EXPECT_EQ(r.state, RolloutState::kSucceeded);
  EXPECT_THAT(r.stragglers, IsEmpty());
  EXPECT_THAT(h.DeployedSlugs(), IsEmpty());
  EXPECT_TRUE(h.fleet.probes.empty());
  std::vector<std::string> phases;
  for (const auto& row : r.results) {
    EXPECT_EQ(row.status, TenantStatus::kDryRun);
    EXPECT_FALSE(row.verified_on_target);
    phases.push_back(row.slug + ":" + row.phase);
  }
  EXPECT_THAT(phases, ElementsAre("t0001:canary", "t0000:batch-1", "t0002:batch-1",
                                  "t0003:batch-2", "t0004:batch-2"));
  EXPECT_FALSE(h.store.DesiredRelease()->has_value());  // no side effect at all
}

TEST_F(RolloutEngineTest, BatchesWaitForTheSlowestWhileWindowDoesNot) {
  auto makespan = [](Strategy strategy) {
    EngineHarness h;
    h.AddTenants(4);
    for (int i = 0; i < 4; ++i) {
      h.fleet.Set(EngineHarness::Slug(i), FakeTenant::Slow(std::chrono::seconds(i % 2 == 0 ? 10 : 1)));
    }
    Policy p = EngineHarness::TestPolicy();
    p.max_parallel = 2;
    p.strategy = strategy;
    Rollout r = h.Run(p);
    EXPECT_EQ(r.state, RolloutState::kSucceeded);
    EXPECT_EQ(h.fleet.max_in_flight, 2);
    return DurationToSeconds(h.clock.Elapsed());
  };
  // window: t0 [0,10] t1 [0,1] t2 [1,11] t3 [10,11]; batches: [0,10] [10,20].
  EXPECT_DOUBLE_EQ(makespan(Strategy::kWindow), 11);
  EXPECT_DOUBLE_EQ(makespan(Strategy::kBatches), 20);
}

TEST_F(RolloutEngineTest, WindowNeverExceedsMaxParallel) {
  h.AddTenants(40);
  policy.max_parallel = 7;
  Rollout r = h.Run(policy);
  EXPECT_EQ(r.state, RolloutState::kSucceeded);
  EXPECT_EQ(h.fleet.max_in_flight, 7);
  EXPECT_EQ(h.fleet.deploys.size(), 40u);
}

TEST_F(RolloutEngineTest, HealthSettlesOnTheThirdPoll) {
  h.AddTenants(1);
  h.fleet.Set("t0000", FakeTenant::HealthyFromProbe(2));
  Rollout r = h.Run(policy);
  const TenantResult* row = h.Row(r, "t0000");
  EXPECT_EQ(row->status, TenantStatus::kSuccess);
  EXPECT_TRUE(row->healthz_ok);
  // Deploy 1 s, then probes at 1, 6, 11.
  EXPECT_THAT(h.fleet.probes["t0000"], ElementsAre(h.At(1), h.At(6), h.At(11)));
  EXPECT_EQ(row->duration_ms, 11'000);
}

TEST_F(RolloutEngineTest, NeverHealthyIsUnhealthyAtTheHealthTimeout) {
  h.AddTenants(1);
  h.fleet.Set("t0000", FakeTenant::Unhealthy());
  Rollout r = h.Run(policy);
  const TenantResult* row = h.Row(r, "t0000");
  EXPECT_EQ(row->status, TenantStatus::kUnhealthy);
  EXPECT_FALSE(row->healthz_ok);
  EXPECT_EQ(row->duration_ms, 91'000);  // 1 s deploy + 90 s health timeout
  EXPECT_EQ(h.fleet.probes["t0000"].size(), 18u);  // every 5 s from 1 to 86
  EXPECT_THAT(row->error, HasSubstr("health_timeout_s (90s)"));
}

TEST_F(RolloutEngineTest, EventsTellEachTenantsStartAndFinishThenTheFinalState) {
  h.AddTenants(2);
  Rollout r = h.Run(policy);
  std::vector<std::string> seen;
  for (const auto& e : h.sink.events) {
    seen.push_back(e.type + (e.data.contains("slug") ? ":" + e.data["slug"].get<std::string>() : ""));
  }
  EXPECT_THAT(seen, ElementsAre("rollout_state", "tenant_started:t0000", "tenant_started:t0001",
                                "tenant_finished:t0000", "tenant_finished:t0001", "rollout_state"));
  EXPECT_TRUE(h.sink.events.back().final);
  EXPECT_EQ(h.sink.events.back().data["state"], "succeeded");
  EXPECT_EQ(h.sink.events[3].data["result"]["status"], "Success");
  // The same events are in the ledger, in order, for SSE replay.
  EXPECT_EQ(h.store.EventsAfter(r.id, 0)->size(), 6u);
}

TEST_F(RolloutEngineTest, EveryRowOfAHaltedOrADryRunRolloutIsAnEventExactlyOnce) {
  h.AddTenants(5);
  policy.max_parallel = 1;
  h.fleet.Set("t0001", FakeTenant::Stuck());
  Rollout halted = h.Run(policy);
  ASSERT_EQ(halted.state, RolloutState::kFailed);
  policy.dry_run = true;
  Rollout dry = h.Run(policy, EngineHarness::TestRelease(2));
  for (const Rollout* r : {&halted, &dry}) {
    std::map<std::string, int> finished;
    for (const auto& e : h.sink.events) {
      if (e.rollout_id == r->id && e.type == kEventTenantFinished) ++finished[e.data["slug"].get<std::string>()];
    }
    ASSERT_EQ(r->results.size(), 5u);
    for (const auto& row : r->results) EXPECT_EQ(finished[row.slug], 1) << r->id << " " << row.slug;
  }
}

TEST_F(RolloutEngineTest, EveryTenantIsMarkedStartedBeforeItsDeploy) {
  h.AddTenants(3);
  std::vector<size_t> in_flight_at_deploy;
  Result<SubmitOutcome> out = h.Submit(policy);
  ASSERT_TRUE(out.ok());
  h.clock.RunUntil(h.At(0.5));  // deploys started, none finished
  auto in_flight = h.store.InFlight(out->rollout.id);
  EXPECT_EQ(in_flight->size(), 3u);
  EXPECT_EQ(h.fleet.deploys.size(), 3u);
  h.clock.RunUntilIdle();
  EXPECT_TRUE(h.store.InFlight(out->rollout.id)->empty());
}

TEST_F(RolloutEngineTest, CancelAbandonsInFlightAndMarksTheRestCancelled) {
  h.AddTenants(5);
  policy.max_parallel = 2;
  h.fleet.Set("t0000", FakeTenant::Slow(std::chrono::seconds(100)));
  h.fleet.Set("t0001", FakeTenant::Slow(std::chrono::seconds(100)));
  Result<SubmitOutcome> out = h.Submit(policy);
  h.clock.RunUntil(h.At(10));
  ASSERT_TRUE(h.service.Cancel(out->rollout.id).ok());
  h.clock.RunUntilIdle();
  Rollout r = h.Get(out->rollout.id);
  EXPECT_EQ(r.state, RolloutState::kCancelled);
  EXPECT_EQ(h.Row(r, "t0000")->status, TenantStatus::kCancelled);
  EXPECT_EQ(h.Row(r, "t0004")->status, TenantStatus::kCancelled);
  EXPECT_THAT(h.DeployedSlugs(), ElementsAre("t0000", "t0001"));
  EXPECT_TRUE(h.fleet.deploys[0].cancelled);
  EXPECT_EQ(h.clock.Elapsed(), std::chrono::seconds(10));
  EXPECT_EQ(h.service.Cancel(out->rollout.id).code(), Status::Code::kConflict);
}

TEST_F(RolloutEngineTest, PauseStopsNewStartsUntilResume) {
  h.AddTenants(4);
  policy.max_parallel = 1;
  Result<SubmitOutcome> out = h.Submit(policy);
  h.clock.RunUntil(h.At(0.5));
  ASSERT_TRUE(h.service.Pause(out->rollout.id).ok());
  h.clock.RunUntil(h.At(1000));
  EXPECT_EQ(h.Get(out->rollout.id).state, RolloutState::kPaused);
  EXPECT_THAT(h.DeployedSlugs(), ElementsAre("t0000"));  // the in-flight one finished
  ASSERT_TRUE(h.service.Resume(out->rollout.id).ok());
  h.clock.RunUntilIdle();
  Rollout r = h.Get(out->rollout.id);
  EXPECT_EQ(r.state, RolloutState::kSucceeded);
  EXPECT_EQ(h.fleet.deploys.size(), 4u);
  EXPECT_DOUBLE_EQ(h.SecondsSinceStart(h.fleet.deploys[1].at), 1000);
}

TEST_F(RolloutEngineTest, TenantRunningANewerReleaseIsNotMovedBackward) {
  h.AddTenants(3);
  h.store.ObserveTenant("t0001", TenantObservation{.running_seq = 9}).IgnoreError();
  policy.max_stragglers = {1, false};
  Rollout r = h.Run(policy, EngineHarness::TestRelease(5));
  EXPECT_EQ(h.Row(r, "t0001")->status, TenantStatus::kSkipped);
  EXPECT_THAT(h.Row(r, "t0001")->error, HasSubstr("newer than 5"));
  EXPECT_THAT(h.DeployedSlugs(), ElementsAre("t0000", "t0002"));
}

TEST_F(RolloutEngineTest, AFiveMinuteRolloutRunsInVirtualTime) {
  h.AddTenants(30);
  for (int i = 0; i < 30; ++i) h.fleet.Set(EngineHarness::Slug(i), FakeTenant::Slow(std::chrono::seconds(30)));
  policy.max_parallel = 3;
  Rollout r = h.Run(policy);
  EXPECT_EQ(r.state, RolloutState::kSucceeded);
  EXPECT_EQ(h.clock.Elapsed(), std::chrono::seconds(300));
}

}  // namespace
}  // namespace rollcall
