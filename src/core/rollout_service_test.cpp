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
  ASSERT_EQ(h.Submit(policy, EngineHarness::TestRelease(2))->kind, Kind::kStarted);
  Result<SubmitOutcome> older = h.Submit(policy, EngineHarness::TestRelease(1));
  ASSERT_TRUE(older.ok());
  EXPECT_EQ(older->kind, Kind::kSuperseded);
  EXPECT_EQ(older->newer.tag, "v2");
  EXPECT_EQ(older->newer.seq, std::optional<int64_t>(2));
  h.clock.RunUntilIdle();
  // Still refused once R2 finished: the desired release is durable.
  EXPECT_EQ(h.Submit(policy, EngineHarness::TestRelease(1))->kind, Kind::kSuperseded);
  for (const auto& call : h.fleet.deploys) EXPECT_EQ(call.image, "registry.test/app:v2");
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

TEST_F(RolloutServiceTest, DryRunIsNeverFencedNorFences) {
  h.Run(policy, EngineHarness::TestRelease(5));
  policy.dry_run = true;
  Result<SubmitOutcome> out = h.Submit(policy, EngineHarness::TestRelease(1));
  ASSERT_EQ(out->kind, Kind::kStarted);
  h.clock.RunUntilIdle();
  EXPECT_EQ((*h.store.DesiredRelease())->tag, "v5");
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
