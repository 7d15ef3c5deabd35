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

TEST(CoverageTest, EveryRowVerifiedIsClean) {
  CoverageVerdict v = EvaluateCoverage({"a", "b"}, {Ok("b"), Ok("a")}, 0);
  EXPECT_THAT(v.stragglers, IsEmpty());
  EXPECT_TRUE(v.within_tolerance);
}

TEST(CoverageTest, EnumeratedTenantWithoutARowIsAStragglerEvenWhenEveryRowIsOk) {
  CoverageVerdict v = EvaluateCoverage({"a", "b", "c"}, {Ok("a"), Ok("c")}, 0);
  EXPECT_THAT(v.stragglers, ElementsAre("b"));
  EXPECT_THAT(v.missing_rows, ElementsAre("b"));
  EXPECT_FALSE(v.within_tolerance);
  EXPECT_TRUE(EvaluateCoverage({"a", "b", "c"}, {Ok("a"), Ok("c")}, 1).within_tolerance);
}

TEST(CoverageTest, SuccessWithoutProofIsNotVerified) {
  TenantResult stuck = Ok("a");
  stuck.verified_on_target = false;
  EXPECT_THAT(EvaluateCoverage({"a"}, {stuck}, 0).stragglers, ElementsAre("a"));
}

TEST(CoverageTest, StragglersAreSortedAndUnique) {
  TenantResult bad = Ok("c");
  bad.verified_on_target = false;
  CoverageVerdict v = EvaluateCoverage({"d", "c", "a"}, {bad, Ok("c"), Ok("x")}, 5);
  EXPECT_THAT(v.stragglers, ElementsAre("a", "c", "d"));
}

}  // namespace
}  // namespace rollcall
