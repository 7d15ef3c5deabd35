// Admission and fencing through the service (DESIGN §3.9), on the fake fleet.
#include "core/rollout_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/engine_harness.h"

namespace rollcall {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Kind = SubmitOutcome::Kind;

class RolloutServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h.AddTenants(6);
    policy.max_parallel = 1;
  }
  EngineHarness h;
  Policy policy = EngineHarness::TestPolicy();
};

TEST_F(RolloutServiceTest, LowerSeqIsRefusedNamingTheNewerRelease) {
  Result<SubmitOutcome> r2 = h.Submit(policy, EngineHarness::TestRelease(2));
  ASSERT_EQ(r2->kind, Kind::kStarted);
  Result<SubmitOutcome> older = h.Submit(policy, EngineHarness::TestRelease(1));
  ASSERT_TRUE(older.ok());
  EXPECT_EQ(older->kind, Kind::kSuperseded);
  EXPECT_EQ(older->newer.tag, "v2");
  EXPECT_EQ(older->newer.seq, std::optional<int64_t>(2));
  EXPECT_EQ(older->newer_rollout_id, r2->rollout.id);
  h.clock.RunUntilIdle();
  // Still refused once R2 finished: the desired release is durable.
  Result<SubmitOutcome> later = h.Submit(policy, EngineHarness::TestRelease(1));
  EXPECT_EQ(later->kind, Kind::kSuperseded);
  EXPECT_EQ(later->newer_rollout_id, r2->rollout.id);  // found in the ledger
  for (const auto& call : h.fleet.deploys) EXPECT_EQ(call.image, "registry.test/app:v2");
}

TEST_F(RolloutServiceTest, AFrozenFleetTakesOnlyRollbacks) {
  ASSERT_TRUE(h.store.SetFreeze(FleetFreeze{"incident 42", 1}).ok());
  Result<SubmitOutcome> refused = h.Submit(policy, EngineHarness::TestRelease(2));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kConflict);
  EXPECT_EQ(refused.status().message(),
            "fleet frozen: incident 42 (unfreeze it, or send a rollback with a reason)");
  Policy dry = policy;
  dry.dry_run = true;  // a dry run answers what the real run would
  EXPECT_EQ(h.Submit(dry, EngineHarness::TestRelease(2)).status().code(), Status::Code::kConflict);
  EXPECT_EQ(h.Submit(policy, EngineHarness::TestRelease(1), true, "v2 corrupts uploads")->kind, Kind::kStarted);
  h.clock.RunUntilIdle();
  EXPECT_FALSE(h.fleet.deploys.empty());
}

TEST_F(RolloutServiceTest, HigherSeqSupersedesARunningOlderRollout) {
  Result<SubmitOutcome> r1 = h.Submit(policy, EngineHarness::TestRelease(1));
  h.clock.RunUntil(h.At(1.5));  // R1 finished t0000, started t0001
  Result<SubmitOutcome> r2 = h.Submit(policy, EngineHarness::TestRelease(2));
  ASSERT_EQ(r2->kind, Kind::kStarted);
  h.clock.RunUntilIdle();

  Rollout old = h.Get(r1->rollout.id);
  EXPECT_EQ(old.state, RolloutState::kSuperseded);
  EXPECT_EQ(old.superseded_by, r2->rollout.id);
  EXPECT_EQ(h.Row(old, "t0001")->status, TenantStatus::kSuccess);  // in flight: finished
  EXPECT_EQ(h.Row(old, "t0002")->status, TenantStatus::kSkipped);
  EXPECT_THAT(h.Row(old, "t0002")->error, HasSubstr("superseded by rollout r2"));
  // R1 started nothing after R2 was accepted.
  std::vector<std::string> v1;
  for (const auto& call : h.fleet.deploys) {
    if (call.image.ends_with(":v1")) v1.push_back(call.slug);
  }
  EXPECT_THAT(v1, ElementsAre("t0000", "t0001"));
  EXPECT_EQ(h.Get(r2->rollout.id).state, RolloutState::kSucceeded);
  EXPECT_EQ((*h.store.DesiredRelease())->tag, "v2");
}

TEST_F(RolloutServiceTest, ResubmittingARunningReleaseReturnsItsRollout) {
  Result<SubmitOutcome> first = h.Submit(policy, EngineHarness::TestRelease(3));
  Result<SubmitOutcome> again = h.Submit(policy, EngineHarness::TestRelease(3));
  EXPECT_EQ(again->kind, Kind::kExisting);
  EXPECT_EQ(again->rollout.id, first->rollout.id);
  h.clock.RunUntilIdle();
  EXPECT_EQ(h.fleet.deploys.size(), 6u);  // deployed once
  // Once finished, the same release may be rolled out again (e.g. to retry
  // quarantined tenants).
  EXPECT_EQ(h.Submit(policy, EngineHarness::TestRelease(3))->kind, Kind::kStarted);
}

TEST_F(RolloutServiceTest, RollbackNeedsAReason) {
  h.Run(policy, EngineHarness::TestRelease(5));
  Result<SubmitOutcome> no_reason = h.Submit(policy, EngineHarness::TestRelease(4), true, "");
  ASSERT_FALSE(no_reason.ok());
  EXPECT_EQ(no_reason.status().code(), Status::Code::kInvalid);
  EXPECT_EQ(no_reason.status().message(), "reason: required when rollback is true");

  Result<SubmitOutcome> rollback =
      h.Submit(policy, EngineHarness::TestRelease(4), true, "v5 corrupts invoices");
  ASSERT_EQ(rollback->kind, Kind::kStarted);
  h.clock.RunUntilIdle();
  Rollout r = h.Get(rollback->rollout.id);
  EXPECT_EQ(r.state, RolloutState::kSucceeded) << r.error;
  EXPECT_EQ(r.reason, "v5 corrupts invoices");
  EXPECT_THAT(r.warnings.front(), HasSubstr("rollback to v4"));
  EXPECT_EQ(h.store.GetTenant("t0000")->running_seq, std::optional<int64_t>(4));
  EXPECT_EQ((*h.store.DesiredRelease())->tag, "v4");
}

TEST_F(RolloutServiceTest, SameSeqWithAnotherTagIsAConflict) {
  h.Run(policy, EngineHarness::TestRelease(7));
  Release other = EngineHarness::TestRelease(7);
  other.tag = "v7-hotfix";
  Result<SubmitOutcome> out = h.Submit(policy, other);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Status::Code::kConflict);
  EXPECT_THAT(out.status().message(), HasSubstr("release.seq: 7 already names tag v7"));
}

TEST_F(RolloutServiceTest, ReleaseWithoutSeqIsUnfencedAndWarned) {
  h.Run(policy, EngineHarness::TestRelease(5));
  Release unfenced{"hotfix", "", std::nullopt};
  Result<SubmitOutcome> out = h.Submit(policy, unfenced);
  ASSERT_EQ(out->kind, Kind::kStarted);
  EXPECT_THAT(out->rollout.warnings.front(), HasSubstr("no seq"));
  EXPECT_EQ((*h.store.DesiredRelease())->tag, "v5");  // did not move the fence
}

TEST_F(RolloutServiceTest, ADryRunIsFencedLikeTheRealRunButMovesNothing) {
  h.Run(policy, EngineHarness::TestRelease(5));
  policy.dry_run = true;
  Result<SubmitOutcome> older = h.Submit(policy, EngineHarness::TestRelease(1));
  ASSERT_TRUE(older.ok()) << older.status().message();
  EXPECT_EQ(older->kind, Kind::kSuperseded);
  EXPECT_EQ(older->newer.tag, "v5");
  EXPECT_EQ(h.Submit(policy, EngineHarness::TestRelease(1), /*rollback=*/true).status().code(), Status::Code::kInvalid);
  Result<SubmitOutcome> newer = h.Submit(policy, EngineHarness::TestRelease(6));
  ASSERT_EQ(newer->kind, Kind::kStarted);
  h.clock.RunUntilIdle();
  EXPECT_EQ((*h.store.DesiredRelease())->tag, "v5");
  EXPECT_EQ(h.Get(newer->rollout.id).state, RolloutState::kSucceeded);
}

TEST_F(RolloutServiceTest, TheSameReleaseWithAnotherScopeRunsBesideNotInsteadOf) {
  policy.only_slugs = std::vector<std::string>{"t0000", "t0001"};
  Result<SubmitOutcome> a = h.Submit(policy);
  Policy other = policy;
  other.only_slugs = std::vector<std::string>{"t0001", "t0002"};
  Result<SubmitOutcome> b = h.Submit(other);
  ASSERT_EQ(b->kind, Kind::kStarted);
  EXPECT_NE(a->rollout.id, b->rollout.id);
  EXPECT_EQ(h.Submit(policy)->rollout.id, a->rollout.id);  // same scope: idempotent
  h.clock.RunUntilIdle();
  EXPECT_EQ(h.Get(a->rollout.id).state, RolloutState::kSucceeded);
  EXPECT_EQ(h.Get(b->rollout.id).state, RolloutState::kSucceeded);
  // The tenant both cover was deployed once: the second run found it on target.
  int t1 = 0;
  for (const auto& call : h.fleet.deploys) t1 += call.slug == "t0001";
  EXPECT_EQ(t1, 1);
}

TEST_F(RolloutServiceTest, BadPlanIsInvalidNamingTheField) {
  policy.only_slugs = std::vector<std::string>{"t0001", "nope"};
  Result<SubmitOutcome> out = h.Submit(policy);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "policy.only_slugs: unknown tenant \"nope\"");
}

TEST_F(RolloutServiceTest, ControlOfAnUnknownRolloutIsNotFound) {
  EXPECT_EQ(h.service.Pause("r404").code(), Status::Code::kNotFound);
  EXPECT_EQ(h.service.Cancel("r404").code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace rollcall

namespace rollcall {
namespace {

// A second control plane over the same ledger, as after kill -9 and restart:
// the first one's clock is simply never run again.
struct Restarted {
  explicit Restarted(Store& store) : env{clock, driver, prober, store, sink, EngineHarness::kRepo} {}
  FakeClock clock;
  FakeFleet fleet{clock};
  FakeDriver driver{fleet};
  FakeProber prober{fleet};
  RecordingSink sink;
  SequentialIds ids;
  EngineEnv env;
  RolloutService service{env, ids};
};

TEST(RolloutResumeTest, ResumesFromTheLedgerWithoutDeployingAnyoneTwice) {
  EngineHarness h;
  h.AddTenants(10);
  Policy policy = EngineHarness::TestPolicy();
  policy.max_parallel = 2;
  policy.canary = {"t0000"};
  Result<SubmitOutcome> out = h.Submit(policy);
  const std::string id = out->rollout.id;
  // Canary [0,1], then pairs [1,2], [2,3], [3,4]: at 3.5 s t0005 and t0006
  // are in flight.
  h.clock.RunUntil(h.At(3.5));
  ASSERT_EQ(h.store.InFlight(id)->size(), 2u);

  Restarted b(h.store);
  b.driver.SetRunning("t0005", h.Target());  // its deploy finished while we were down
  Result<size_t> resumed = b.service.ResumeAll();
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  EXPECT_EQ(*resumed, 1u);
  b.clock.RunUntilIdle();

  Rollout r = *h.store.GetRollout(id);
  EXPECT_EQ(r.state, RolloutState::kSucceeded) << r.error;
  EXPECT_EQ(r.results.size(), 10u);  // exact coverage
  EXPECT_TRUE(r.stragglers.empty());
  std::vector<std::string> second;
  for (const auto& call : b.fleet.deploys) second.push_back(call.slug);
  // t0005 was adopted (already on target), t0006 redeployed, the rest new.
  EXPECT_THAT(second, ElementsAre("t0006", "t0007", "t0008", "t0009"));
  EXPECT_EQ(h.Row(r, "t0005")->status, TenantStatus::kSuccess);
  EXPECT_TRUE(h.Row(r, "t0005")->verified_on_target);
  EXPECT_TRUE(h.store.InFlight(id)->empty());
}

TEST(RolloutResumeTest, AnInFlightDeployStillRunningIsWaitedForNotRepeated) {
  EngineHarness h;
  h.AddTenants(3);
  Policy policy = EngineHarness::TestPolicy();
  policy.max_parallel = 3;
  Result<SubmitOutcome> out = h.Submit(policy);
  h.clock.RunUntil(h.At(0.5));  // all three in flight
  Restarted b(h.store);
  // t0001's agent is still deploying for 7 more seconds, then runs the target.
  FakeTenant busy;
  busy.busy_until = b.clock.Now() + std::chrono::seconds(7);
  busy.image_after_busy = h.Target();
  b.fleet.Set("t0001", busy);
  ASSERT_TRUE(b.service.ResumeAll().ok());
  b.clock.RunUntilIdle();
  Rollout r = *h.store.GetRollout(out->rollout.id);
  EXPECT_EQ(r.state, RolloutState::kSucceeded) << r.error;
  EXPECT_EQ(h.Row(r, "t0001")->status, TenantStatus::kSuccess);
  // It was asked once, refused as busy, then adopted: no second deploy ran.
  int asked = 0;
  for (const auto& call : b.fleet.deploys) asked += call.slug == "t0001";
  EXPECT_LE(asked, 1);
}

// A superseded rollout's deploy may still run on a tenant when the newer
// rollout reaches it: the newer one waits it out, then deploys its own.
TEST(TenantBusyTest, ATenantBusyWithAnotherDeployIsWaitedOutThenDeployed) {
  EngineHarness h;
  h.AddTenants(2);
  FakeTenant busy;
  busy.busy_until = h.clock.Now() + std::chrono::seconds(7);
  busy.image_after_busy = "registry.test/app:v0";  // the older release it was deploying
  h.fleet.Set("t0001", busy);
  Rollout r = h.Run(EngineHarness::TestPolicy());
  EXPECT_EQ(r.state, RolloutState::kSucceeded) << r.error;
  EXPECT_EQ(h.Row(r, "t0001")->status, TenantStatus::kSuccess);
  // Refused as busy (not recorded as a deploy), then deployed once it ended.
  std::vector<DeployCall> t1;
  for (const auto& call : h.fleet.deploys) {
    if (call.slug == "t0001") t1.push_back(call);
  }
  ASSERT_EQ(t1.size(), 1u);
  EXPECT_EQ(t1[0].image, h.Target());
  EXPECT_GE(t1[0].at, h.At(7));
}

// Exclusivity is the control plane's, whatever the driver: the FakeDriver
// never answers busy, yet the newer rollout waits for the older deploy.
TEST(TenantBusyTest, ASupersedingRolloutWaitsForTheTenantsDeployThenInspects) {
  EngineHarness h;
  h.AddTenants(1);
  h.fleet.Set("t0000", FakeTenant::Slow(std::chrono::seconds(10)));
  Policy policy = EngineHarness::TestPolicy();
  ASSERT_TRUE(h.Submit(policy, EngineHarness::TestRelease(1)).ok());
  h.clock.RunUntil(h.At(2));
  Result<SubmitOutcome> newer = h.Submit(policy, EngineHarness::TestRelease(2));
  ASSERT_EQ(newer->kind, Kind::kStarted);
  h.clock.RunUntilIdle();
  EXPECT_EQ(h.fleet.max_in_flight, 1);
  ASSERT_EQ(h.fleet.deploys.size(), 2u);
  EXPECT_EQ(h.fleet.deploys[0].image, h.Target(EngineHarness::TestRelease(1)));
  EXPECT_EQ(h.fleet.deploys[1].image, h.Target(EngineHarness::TestRelease(2)));
  EXPECT_GE(h.fleet.deploys[1].at, h.At(10));
  EXPECT_EQ(h.Get("r1").state, RolloutState::kSuperseded);
  EXPECT_EQ(h.Get(newer->rollout.id).state, RolloutState::kSucceeded);
  EXPECT_EQ(h.store.GetTenant("t0000")->running_seq, 2);  // never back to 1
}

TEST(TenantBusyTest, ASupersededRolloutStillWaitingForATenantNeverDeploysIt) {
  EngineHarness h;
  h.AddTenants(1);
  h.fleet.Set("t0000", FakeTenant::Slow(std::chrono::seconds(10)));
  Policy scope_a = EngineHarness::TestPolicy();
  Policy scope_b = scope_a;
  scope_b.only_slugs = std::vector<std::string>{"t0000"};
  ASSERT_TRUE(h.Submit(scope_a, EngineHarness::TestRelease(1)).ok());  // deploys t0000
  Result<SubmitOutcome> waiting = h.Submit(scope_b, EngineHarness::TestRelease(1));  // waits for it
  ASSERT_EQ(waiting->kind, Kind::kStarted);
  h.clock.RunUntil(h.At(2));
  Result<SubmitOutcome> newer = h.Submit(scope_a, EngineHarness::TestRelease(2));
  h.clock.RunUntilIdle();
  Rollout b = h.Get(waiting->rollout.id);
  EXPECT_EQ(b.state, RolloutState::kSuperseded);
  EXPECT_EQ(h.Row(b, "t0000")->status, TenantStatus::kSkipped);
  ASSERT_EQ(h.fleet.deploys.size(), 2u);  // r1's v1 and the newer v2, nothing of b
  EXPECT_EQ(h.fleet.deploys[1].image, h.Target(EngineHarness::TestRelease(2)));
  EXPECT_EQ(h.Get(newer->rollout.id).state, RolloutState::kSucceeded);
}

TEST(RolloutResumeTest, AnAdoptedTenantStillDeployingIsWaitedOutAndNotDeployedAgain) {
  EngineHarness h;
  h.AddTenants(2);
  Policy policy = EngineHarness::TestPolicy();
  policy.max_parallel = 2;
  Result<SubmitOutcome> out = h.Submit(policy);
  h.clock.RunUntil(h.At(0.5));  // both in flight
  Restarted b(h.store);
  // The agent says it is still deploying (GET /v1/state "deploying"), then
  // runs the target: the deploy started before the crash landed.
  FakeTenant deploying;
  deploying.deploying_until = b.clock.Now() + std::chrono::seconds(4);
  deploying.image_after_busy = h.Target();
  b.fleet.Set("t0001", deploying);
  ASSERT_TRUE(b.service.ResumeAll().ok());
  b.clock.RunUntilIdle();
  Rollout r = *h.store.GetRollout(out->rollout.id);
  EXPECT_EQ(r.state, RolloutState::kSucceeded) << r.error;
  for (const auto& call : b.fleet.deploys) EXPECT_NE(call.slug, "t0001");
  EXPECT_TRUE(h.Row(r, "t0001")->verified_on_target);
}

TEST(TenantBusyTest, ATenantBusyPastTheDeadlineTimesOut) {
  EngineHarness h;
  h.AddTenants(1);
  FakeTenant busy;
  busy.busy_until = h.clock.Now() + std::chrono::hours(1);
  busy.image_after_busy = "registry.test/app:v0";
  h.fleet.Set("t0000", busy);
  Policy policy = EngineHarness::TestPolicy();
  policy.per_tenant_timeout_s = 30;
  Rollout r = h.Run(policy);
  EXPECT_EQ(r.state, RolloutState::kFailed);
  EXPECT_EQ(h.Row(r, "t0000")->status, TenantStatus::kTimedOut);
}

TEST(RolloutResumeTest, AStragglerRecordedBeforeTheCrashStillCounts) {
  EngineHarness h;
  h.AddTenants(6);
  h.fleet.Set("t0000", FakeTenant::Stuck());
  Policy policy = EngineHarness::TestPolicy();
  policy.max_parallel = 1;
  policy.max_stragglers = {0, false};
  Result<SubmitOutcome> out = h.Submit(policy);
  h.clock.RunUntil(h.At(0.5));  // t0000 in flight
  // Let t0000 finish (OffTarget) but crash before anything else happens.
  h.clock.RunUntil(h.At(1.0));
  Restarted b(h.store);
  ASSERT_TRUE(b.service.ResumeAll().ok());
  b.clock.RunUntilIdle();
  Rollout r = *h.store.GetRollout(out->rollout.id);
  EXPECT_EQ(r.state, RolloutState::kFailed);
  EXPECT_THAT(r.stragglers, ::testing::Contains("t0000"));
}

TEST(RolloutResumeTest, AnOlderUnfinishedRolloutIsSupersededOnResume) {
  EngineHarness h;
  h.AddTenants(4);
  Policy policy = EngineHarness::TestPolicy();
  policy.max_parallel = 1;
  Result<SubmitOutcome> r1 = h.Submit(policy, EngineHarness::TestRelease(1));
  h.clock.RunUntil(h.At(0.5));
  Result<SubmitOutcome> r2 = h.Submit(policy, EngineHarness::TestRelease(2));
  // Crash now: R1 is told to stop but still has t0000 in flight.
  Restarted b(h.store);
  ASSERT_TRUE(b.service.ResumeAll().ok());
  b.clock.RunUntilIdle();
  EXPECT_EQ(h.store.GetRollout(r1->rollout.id)->state, RolloutState::kSuperseded);
  EXPECT_EQ(h.store.GetRollout(r2->rollout.id)->state, RolloutState::kSucceeded);
  for (const auto& call : b.fleet.deploys) EXPECT_THAT(call.image, ::testing::EndsWith(":v2"));
  EXPECT_THAT(h.Row(*h.store.GetRollout(r1->rollout.id), "t0000")->error,
              ::testing::HasSubstr("interrupted by a control-plane restart"));
}

}  // namespace
}  // namespace rollcall
