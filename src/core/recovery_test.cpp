// Which tenants a recovery touches, and the rollout it asks for.
#include "core/recovery.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rollcall {
namespace {

using ::testing::ElementsAre;

Tenant Named(const std::string& slug) {
  Tenant t;
  t.slug = slug;
  return t;
}

DriftStatus In(DriftState state) {
  DriftStatus s;
  s.state = state;
  return s;
}

std::vector<std::string> Skipped(const RecoveryScope& scope) {
  std::vector<std::string> out;
  for (const auto& s : scope.skipped) out.push_back(s.slug + ": " + s.why);
  return out;
}

class RecoveryScopeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Tenant quarantined = Named("q");
    quarantined.quarantined = true;
    Tenant cordoned = Named("c");
    cordoned.state = TenantState::kCordoned;
    cordoned.quarantined = true;
    Tenant fenced = Named("f");
    fenced.running_seq = 9;
    fenced.quarantined = true;
    tenants = {Named("ok"), quarantined, Named("drifted"), Named("ahead"), cordoned, fenced, Named("pend")};
    observed = {{"ok", In(DriftState::kOnTarget)},     {"drifted", In(DriftState::kDrifted)},
                {"ahead", In(DriftState::kAhead)},     {"pend", In(DriftState::kDrifted)},
                {"c", In(DriftState::kDrifted)}};
  }
  std::vector<Tenant> tenants;
  std::map<std::string, DriftStatus> observed;
  Release desired{"v5", "", 5};
};

TEST_F(RecoveryScopeTest, TakesQuarantinedAndDriftedTenantsAndSaysWhyItLeavesTheRest) {
  Result<RecoveryScope> scope = ScopeRecovery(tenants, observed, desired, {}, {"pend"});
  ASSERT_TRUE(scope.ok()) << scope.status().message();
  EXPECT_THAT(scope->slugs, ElementsAre("drifted", "q"));
  EXPECT_THAT(Skipped(*scope), ElementsAre("ahead: ahead of the desired release: never moved back",
                                           "c: cordoned",
                                           "f: fenced: runs seq 9, above the desired release's 5",
                                           "pend: a running rollout has still to deploy it"));
}

TEST_F(RecoveryScopeTest, OnlyNarrowsItAndNamesWhatItCannotTouch) {
  Result<RecoveryScope> scope = ScopeRecovery(tenants, observed, desired, {"q", "ok", "ahead"}, {});
  ASSERT_TRUE(scope.ok());
  EXPECT_THAT(scope->slugs, ElementsAre("q"));
  EXPECT_THAT(Skipped(*scope), ElementsAre("ahead: ahead of the desired release: never moved back",
                                           "ok: neither quarantined nor drifted"));
  Result<RecoveryScope> unknown = ScopeRecovery(tenants, observed, desired, {"q", "nope"}, {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), Status::Code::kInvalid);
  EXPECT_EQ(unknown.status().message(), "only[1]: no tenant \"nope\"");
}

TEST(RecoveryRequestTest, IsTheDesiredReleaseWithoutCanaryEachTenantOnItsOwn) {
  Policy base;
  base.canary = {"c1"};
  base.soak_seconds = 600;
  base.max_parallel = 7;
  base.strategy = Strategy::kBatches;
  base.per_tenant_timeout_s = 42;
  base.dry_run = true;
  const Release desired{"v5", "abc1234", 5};
  RolloutRequest req = RecoveryRequest(desired, base, {"q", "d"}, "fault cleared");
  EXPECT_EQ(req.release, desired);
  EXPECT_TRUE(req.recovery);
  EXPECT_FALSE(req.rollback);
  EXPECT_EQ(req.reason, "fault cleared");
  EXPECT_TRUE(req.policy.canary.empty());
  EXPECT_EQ(req.policy.soak_seconds, 0);
  EXPECT_EQ(req.policy.max_parallel, 7);
  EXPECT_EQ(req.policy.per_tenant_timeout_s, 42);
  EXPECT_EQ(req.policy.strategy, Strategy::kWindow);
  EXPECT_FALSE(req.policy.dry_run);
  EXPECT_EQ(req.policy.max_stragglers.Describe(), "100%");
  EXPECT_THAT(*req.policy.only_slugs, ElementsAre("d", "q"));
}

}  // namespace
}  // namespace rollcall
