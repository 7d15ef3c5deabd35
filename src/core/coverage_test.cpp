#include "core/coverage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rollcall {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TenantResult Ok(const std::string& slug) {
  TenantResult r;
  r.slug = slug;
  r.status = TenantStatus::kSuccess;
  r.verified_on_target = true;
  return r;
}

CoverageRules Rules(int64_t tolerance) { return CoverageRules{tolerance, true, false}; }

TenantResult Row(const std::string& slug, TenantStatus status) {
  TenantResult r;
  r.slug = slug;
  r.status = status;
  return r;
}

TEST(CoverageTest, EveryRowVerifiedIsClean) {
  CoverageVerdict v = EvaluateCoverage({"a", "b"}, {Ok("b"), Ok("a")}, Rules(0));
  EXPECT_THAT(v.stragglers, IsEmpty());
  EXPECT_TRUE(v.within_tolerance);
}

TEST(CoverageTest, EnumeratedTenantWithoutARowIsAStragglerEvenWhenEveryRowIsOk) {
  CoverageVerdict v = EvaluateCoverage({"a", "b", "c"}, {Ok("a"), Ok("c")}, Rules(0));
  EXPECT_THAT(v.stragglers, ElementsAre("b"));
  EXPECT_THAT(v.missing_rows, ElementsAre("b"));
  EXPECT_FALSE(v.within_tolerance);
  EXPECT_TRUE(EvaluateCoverage({"a", "b", "c"}, {Ok("a"), Ok("c")}, Rules(1)).within_tolerance);
}

TEST(CoverageTest, SuccessWithoutProofIsNotVerified) {
  TenantResult stuck = Ok("a");
  stuck.verified_on_target = false;
  EXPECT_THAT(EvaluateCoverage({"a"}, {stuck}, Rules(0)).stragglers, ElementsAre("a"));
}

TEST(CoverageTest, StragglersAreSortedAndUnique) {
  TenantResult bad = Ok("c");
  bad.verified_on_target = false;
  CoverageVerdict v = EvaluateCoverage({"d", "c", "a"}, {bad, Ok("c"), Ok("x")}, Rules(5));
  EXPECT_THAT(v.stragglers, ElementsAre("a", "c", "d"));
}

TEST(CoverageTest, AWithdrawnTenantsCancelledRowIsNeitherVerifiedNorAStraggler) {
  CoverageVerdict v = EvaluateCoverage({"a", "b"}, {Ok("a"), Row("b", TenantStatus::kCancelled)}, Rules(0));
  EXPECT_THAT(v.stragglers, IsEmpty());
  EXPECT_THAT(v.not_landed, ElementsAre("b"));
  EXPECT_EQ(v.verified, 1u);
  EXPECT_TRUE(v.passed);
}

TEST(CoverageTest, NothingVerifiedFailsWhateverTheToleranceUnlessAScopedLegacyCall) {
  const std::vector<TenantResult> rows = {Row("a", TenantStatus::kTimedOut)};
  CoverageVerdict v = EvaluateCoverage({"a"}, rows, Rules(1));
  EXPECT_TRUE(v.within_tolerance);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.error, "no tenant was verified on the target");
  CoverageVerdict legacy = EvaluateCoverage({"a"}, rows, CoverageRules{1, false, false});
  EXPECT_TRUE(legacy.passed);
  EXPECT_THAT(legacy.stragglers, ElementsAre("a"));
  // Every tenant withdrawn: nothing landed either.
  EXPECT_FALSE(EvaluateCoverage({"a"}, {Row("a", TenantStatus::kCancelled)}, Rules(0)).passed);
}

TEST(CoverageTest, BeyondTheToleranceTheErrorNamesTheStragglers) {
  CoverageVerdict v = EvaluateCoverage({"a", "b", "c"}, {Ok("a")}, Rules(1));
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.error, "coverage gate: 2 stragglers exceed the tolerance of 1: b, c");
}

TEST(CoverageTest, ADryRunAssertsNoCoverage) {
  CoverageVerdict v = EvaluateCoverage({"a"}, {Row("a", TenantStatus::kDryRun)}, CoverageRules{0, true, true});
  EXPECT_TRUE(v.passed);
  EXPECT_THAT(v.stragglers, IsEmpty());
}

TEST(CoverageTest, RulesComeFromTheRolloutsOwnPolicyAndEnumeration) {
  Rollout r;
  r.enumerated = {"c", "a", "b", "d", "e"};
  r.policy.canary = {"c"};
  r.policy.max_stragglers = StragglerLimit{50, true};
  r.legacy_scoped = true;
  CoverageRules rules = CoverageRulesOf(r);
  EXPECT_EQ(rules.tolerance, 2);  // 50% of the four fan-out tenants
  EXPECT_FALSE(rules.require_one_verified);
  EXPECT_FALSE(rules.dry_run);
}

TEST(CoverageTest, TheRecapCountsEachTenantOnce) {
  const std::vector<std::string> enumerated = {"a", "b", "c", "d", "e", "f"};
  const std::vector<TenantResult> rows = {Ok("a"), Row("b", TenantStatus::kOffTarget), Row("c", TenantStatus::kSkipped),
                                          Row("d", TenantStatus::kCancelled), Row("e", TenantStatus::kTimedOut)};
  CoverageVerdict v = EvaluateCoverage(enumerated, rows, Rules(9));
  RolloutRecap ok = Recap(enumerated, rows, v, /*succeeded=*/true);
  EXPECT_EQ(FormatRecap(ok, 5.06), "1 verified, 4 quarantined, 0 failed, 0 skipped, 1 cancelled in 5.1 s");
  RolloutRecap failed = Recap(enumerated, rows, v, /*succeeded=*/false);
  EXPECT_EQ(FormatRecap(failed, 5.06), "1 verified, 0 quarantined, 3 failed, 1 skipped, 1 cancelled in 5.1 s");
  const std::vector<TenantResult> dry = {Row("a", TenantStatus::kDryRun), Row("b", TenantStatus::kDryRun)};
  EXPECT_EQ(FormatRecap(Recap({"a", "b"}, dry, EvaluateCoverage({"a", "b"}, dry, CoverageRules{0, true, true}), true), 0),
            "2 planned (dry run) in 0.0 s");
}

}  // namespace
}  // namespace rollcall
