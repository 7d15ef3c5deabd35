// The keeper on the fake clock and fleet, with the real watch and service:
// transitions recorded, quarantine left, automatic recovery with its
// backoff, and the rules that stop it (freeze, cordon, fence, a running
// rollout).
#include "core/fleet_keeper.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/drift_watch.h"
#include "testing/engine_harness.h"

namespace rollcall {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FleetKeeperTest : public ::testing::Test {
 protected:
  void SetUp() override { h.AddTenants(3); }

  // A rollout of `release` in which t0001 is stuck (quarantined, tolerated).
  void RollOutWithStuckTenant(const Release& release = EngineHarness::TestRelease(2)) {
    h.fleet.Set("t0001", FakeTenant::Stuck());
    Policy p = EngineHarness::TestPolicy();
    p.max_stragglers.value = 1;
    Rollout r = h.Run(p, release);
    ASSERT_EQ(r.state, RolloutState::kSucceeded);
    ASSERT_TRUE(h.store.GetTenant("t0001")->quarantined);
  }

  void Start(AutoRecoveryConfig config = {}) {
    keeper = FleetKeeper::Create(h.env, h.service, config, [this] { return watch->Snapshot(); });
    h.service.SetOnFinished([this](const Rollout& r) { keeper->OnRolloutFinished(r); });
    watch = DriftWatch::Create(h.env, h.service.leases(), DriftWatchConfig{.interval = 10s},
                               [this](const Tenant& t, const DriftStatus& before, const DriftStatus& after,
                                      bool changed) { keeper->OnLook(t, before, after, changed); });
    watch->Start();
  }
  static AutoRecoveryConfig Auto(Duration backoff = 60s, Duration cap = 240s) {
    return AutoRecoveryConfig{.enabled = true, .backoff = backoff, .max_backoff = cap, .parallel = 2};
  }

  std::vector<TimePoint> DeploysOf(const std::string& slug) const {
    std::vector<TimePoint> out;
    for (const auto& d : h.fleet.deploys) {
      if (d.slug == slug) out.push_back(d.at);
    }
    return out;
  }
  std::vector<std::string> Audit(const std::string& kind) {
    AuditQuery q;
    q.kind = kind;
    std::vector<std::string> out;
    std::vector<AuditEntry> entries = *h.store.ListAudit(q);
    for (const auto& e : entries) out.insert(out.begin(), e.actor + " " + e.target + ": " + e.reason);
    return out;
  }
  std::vector<std::string> FleetEvents(const std::string& type) {
    std::vector<std::string> out;
    std::vector<RolloutEvent> events = *h.store.FleetEventsAfter(0, 1000);
    for (const auto& e : events) {
      if (e.rollout_id.empty() && e.type == type) out.push_back(e.data.dump());
    }
    return out;
  }
  void Cleanup() {
    watch->Stop();
    h.clock.RunUntil(h.clock.Now() + 1s);
  }

  EngineHarness h;
  std::shared_ptr<FleetKeeper> keeper;
  std::shared_ptr<DriftWatch> watch;
};

TEST_F(FleetKeeperTest, ATransitionIsKeptInTheLedgerTheStreamAndTheAuditTrail) {
  h.Run(EngineHarness::TestPolicy(), EngineHarness::TestRelease(2));
  Start();
  h.clock.Advance(10s);
  EXPECT_TRUE(Audit("drift").empty());  // finding a tenant on target is not news
  h.driver.SetRunning("t0001", h.Target(EngineHarness::TestRelease(1)));  // restored from an old snapshot
  h.clock.Advance(10s);
  EXPECT_THAT(Audit("drift"), ElementsAre("drift-watch t0001: on_target -> drifted: runs registry.test/app:v1, "
                                          "desired registry.test/app:v2"));
  std::map<std::string, DriftStatus> kept = *h.store.ListDriftStatus();
  ASSERT_EQ(kept.count("t0001"), 1u);
  EXPECT_EQ(kept.at("t0001").state, DriftState::kDrifted);
  EXPECT_EQ(kept.at("t0001").since_ms, watch->Snapshot().at("t0001").since_ms);
  std::vector<std::string> drift = FleetEvents(kEventDrift);
  ASSERT_EQ(drift.size(), 1u);
  EXPECT_THAT(drift[0], HasSubstr(R"("previous":"on_target")"));
  EXPECT_THAT(drift[0], HasSubstr(R"("slug":"t0001")"));
  EXPECT_EQ(DeploysOf("t0001").size(), 1u);  // reported only: automatic recovery is off
  Cleanup();
}

TEST_F(FleetKeeperTest, AQuarantinedTenantSeenOnTargetLeavesQuarantineWithAnEvent) {
  h.Run(EngineHarness::TestPolicy(), EngineHarness::TestRelease(2));
  TenantObservation obs;
  obs.quarantined = true;
  obs.quarantine_reason = "rollout r0: Unhealthy";  // e.g. its health came back after the gate
  ASSERT_TRUE(h.store.ObserveTenant("t0002", obs).ok());
  Start();
  h.clock.Advance(10s);
  EXPECT_FALSE(h.store.GetTenant("t0002")->quarantined);
  EXPECT_THAT(Audit("quarantine"), ElementsAre("drift-watch t0002: left quarantine: observed on target and "
                                               "healthy (was: rollout r0: Unhealthy)"));
  EXPECT_EQ(FleetEvents(kEventQuarantine).size(), 1u);
  EXPECT_EQ(DeploysOf("t0002").size(), 1u);  // nothing redeployed
  Cleanup();
}

TEST_F(FleetKeeperTest, AutoRecoveryRedeploysATenantThatFellBack) {
  Policy fleet_policy = EngineHarness::TestPolicy();
  fleet_policy.per_tenant_timeout_s = 120;
  fleet_policy.max_parallel = 2;
  fleet_policy.canary = {"t0000"};
  h.Run(fleet_policy, EngineHarness::TestRelease(2));
  Start(Auto());
  h.driver.SetRunning("t0001", h.Target(EngineHarness::TestRelease(1)));
  h.clock.Advance(20s);
  ASSERT_EQ(DeploysOf("t0001").size(), 2u);
  EXPECT_EQ(h.fleet.deploys.back().image, h.Target(EngineHarness::TestRelease(2)));
  EXPECT_THAT(Audit("recover"), ElementsAre(HasSubstr("auto-recover t0001: attempt 1: rollout r2 of v2")));
  Rollout recovery = h.Get("r2");
  EXPECT_TRUE(recovery.recovery);
  EXPECT_EQ(recovery.state, RolloutState::kSucceeded);
  EXPECT_THAT(recovery.enumerated, ElementsAre("t0001"));
  EXPECT_EQ(recovery.policy.per_tenant_timeout_s, 120);  // the fleet's policy ...
  EXPECT_EQ(recovery.policy.max_parallel, 2);
  EXPECT_TRUE(recovery.policy.canary.empty());  // ... without its canary
  h.clock.Advance(10s);
  EXPECT_EQ(watch->Snapshot().at("t0001").state, DriftState::kOnTarget);
  EXPECT_EQ(DeploysOf("t0001").size(), 2u);
  EXPECT_EQ(DeploysOf("t0000").size(), 1u);
  Cleanup();
}

TEST_F(FleetKeeperTest, AStuckTenantIsRetriedWithADoublingBackoffAndStaysQuarantinedWithTheNewReason) {
  RollOutWithStuckTenant();
  Start(Auto(60s, 240s));
  h.clock.Advance(900s);
  std::vector<TimePoint> deploys = DeploysOf("t0001");
  ASSERT_GE(deploys.size(), 5u);  // the rollout's, then attempts 1, 2, 3, 4...
  // Attempt 1 at the first look; then 60 s, 120 s, 240 s, 240 s (the cap)
  // after each failure, each failure itself taking the health gate's time.
  std::vector<double> gaps;
  for (size_t i = 2; i < deploys.size(); ++i) gaps.push_back(DurationToSeconds(deploys[i] - deploys[i - 1]));
  EXPECT_GE(gaps[0], 60);
  EXPECT_LT(gaps[0], 120);
  EXPECT_GE(gaps[1], 120);
  EXPECT_LT(gaps[1], 240);
  EXPECT_GE(gaps[2], 240);
  EXPECT_LT(gaps[2], 480);
  Tenant t = *h.store.GetTenant("t0001");
  EXPECT_TRUE(t.quarantined);
  EXPECT_THAT(t.quarantine_reason, HasSubstr("OffTarget"));
  EXPECT_NE(t.quarantine_reason.rfind("rollout r1:", 0), 0u) << t.quarantine_reason;  // a recovery's reason
  EXPECT_THAT(Audit("recover")[1], HasSubstr("attempt 2"));
  Cleanup();
}

TEST_F(FleetKeeperTest, ATenantRecoveredByHandOnceItsFaultIsClearedLeavesQuarantine) {
  RollOutWithStuckTenant();
  h.fleet.Set("t0001", FakeTenant{});  // the operator fixed the host
  Result<RecoveryOutcome> out = h.service.Recover(RecoveryAsk{{}, "host fixed", {}});
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_TRUE(out->submitted);
  EXPECT_THAT(out->scope.slugs, ElementsAre("t0001"));
  h.clock.RunUntilIdle();
  Rollout r = h.Get(out->submitted->rollout.id);
  EXPECT_EQ(r.state, RolloutState::kSucceeded);
  EXPECT_EQ(r.reason, "host fixed");
  EXPECT_FALSE(h.store.GetTenant("t0001")->quarantined);
  std::vector<std::string> events = FleetEvents(kEventQuarantine);
  ASSERT_EQ(events.size(), 2u);  // entered (the first rollout), left (the recovery)
  EXPECT_THAT(events[1], HasSubstr(R"("quarantined":false)"));
  EXPECT_THAT(events[1], HasSubstr("verified on target by rollout " + r.id));
}

TEST_F(FleetKeeperTest, FreezeHoldsAutoRecoveryUntilLifted) {
  RollOutWithStuckTenant();
  ASSERT_TRUE(h.store.SetFreeze(FleetFreeze{"incident 7", 1}).ok());
  Start(Auto());
  h.clock.Advance(60s);
  EXPECT_EQ(DeploysOf("t0001").size(), 1u);
  EXPECT_TRUE(Audit("recover").empty());
  ASSERT_TRUE(h.store.SetFreeze(std::nullopt).ok());
  h.clock.Advance(10s);  // the next look
  EXPECT_EQ(DeploysOf("t0001").size(), 2u);
  Cleanup();
}

TEST_F(FleetKeeperTest, ACordonedOrFencedTenantIsNeverTouched) {
  RollOutWithStuckTenant();
  Tenant t1 = *h.store.GetTenant("t0001");
  t1.state = TenantState::kCordoned;
  ASSERT_TRUE(h.store.PutTenants({t1}).ok());
  // t0002 fell back, but its own fence is above the desired release.
  h.driver.SetRunning("t0002", h.Target(EngineHarness::TestRelease(1)));
  TenantObservation fence;
  fence.running_seq = 7;
  ASSERT_TRUE(h.store.ObserveTenant("t0002", fence).ok());
  Start(Auto());
  h.clock.Advance(120s);
  EXPECT_EQ(DeploysOf("t0001").size(), 1u);
  EXPECT_EQ(DeploysOf("t0002").size(), 1u);
  EXPECT_EQ(watch->Snapshot().at("t0002").state, DriftState::kDrifted);  // reported
  Result<RecoveryOutcome> by_hand = h.service.Recover(RecoveryAsk{{"t0001", "t0002"}, "", watch->Snapshot()});
  ASSERT_TRUE(by_hand.ok());
  EXPECT_FALSE(by_hand->submitted);
  ASSERT_EQ(by_hand->scope.skipped.size(), 2u);
  EXPECT_EQ(by_hand->scope.skipped[0].why, "cordoned");
  EXPECT_THAT(by_hand->scope.skipped[1].why, HasSubstr("fenced"));
  Cleanup();
}

TEST_F(FleetKeeperTest, ATenantRemovedWhileWaitingItsTurnDoesNotHoldUpTheOthers) {
  h.Run(EngineHarness::TestPolicy(), EngineHarness::TestRelease(2));
  Start(Auto());
  // A scoped rollout of t0000 holds automatic recovery back for 40 s ...
  h.fleet.Set("t0000", FakeTenant::Slow(40s));
  Policy only = EngineHarness::TestPolicy();
  only.only_slugs = std::vector<std::string>{"t0000"};
  ASSERT_TRUE(h.Submit(only, EngineHarness::TestRelease(2)).ok());
  // ... while t0001 and t0002 are seen drifted, and t0001 is removed.
  h.driver.SetRunning("t0001", h.Target(EngineHarness::TestRelease(1)));
  h.driver.SetRunning("t0002", h.Target(EngineHarness::TestRelease(1)));
  h.clock.Advance(15s);
  ASSERT_EQ(watch->Snapshot().at("t0002").state, DriftState::kDrifted);
  ASSERT_TRUE(h.store.DeleteTenant("t0001").ok());
  h.clock.Advance(30s);  // the rollout ended: both were due in one batch
  EXPECT_EQ(DeploysOf("t0002").size(), 2u);
  EXPECT_EQ(DeploysOf("t0001").size(), 1u);
  Cleanup();
}

TEST_F(FleetKeeperTest, TenantsARolloutHasStillToDeployAreNotRecoveredUnderIt) {
  h.Run(EngineHarness::TestPolicy(), EngineHarness::TestRelease(2));
  Start(Auto());
  Policy slow = EngineHarness::TestPolicy();
  slow.max_parallel = 1;
  for (int i = 0; i < 3; ++i) h.fleet.Set(EngineHarness::Slug(i), FakeTenant::Slow(30s));
  ASSERT_TRUE(h.Submit(slow, EngineHarness::TestRelease(3)).ok());
  h.clock.Advance(200s);  // the watch sees t0001 and t0002 behind v3 while t0000 deploys
  EXPECT_EQ(DeploysOf("t0001").size(), 2u);
  EXPECT_EQ(DeploysOf("t0002").size(), 2u);
  EXPECT_TRUE(Audit("recover").empty());
  Result<RecoveryOutcome> none = h.service.Recover(RecoveryAsk{});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->submitted);
  // Nor by hand with the watch's looks from before the rollout reached them.
  std::map<std::string, DriftStatus> stale;
  for (const char* slug : {"t0001", "t0002"}) {
    stale[slug].state = DriftState::kDrifted;
    stale[slug].last.at_ms = h.clock.WallMillis() - 190'000;
  }
  Result<RecoveryOutcome> by_hand = h.service.Recover(RecoveryAsk{{}, "", stale});
  ASSERT_TRUE(by_hand.ok());
  EXPECT_FALSE(by_hand->submitted);
  Cleanup();
}

}  // namespace
}  // namespace rollcall
