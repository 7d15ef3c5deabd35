#include "sim/deploy_timing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace rollcall::sim {
namespace {

using namespace std::chrono_literals;

TEST(DeployTimingTest, FixedTimingIgnoresTheKey) {
  DeployTiming t = DeployTiming::Fixed(250);
  EXPECT_EQ(DrawDeployDuration(t, 1, "a", 1), Duration(250ms));
  EXPECT_EQ(DrawDeployDuration(t, 9, "b", 7), Duration(250ms));
}

TEST(DeployTimingTest, LogNormalDrawsRepeatForTheSameKeyOnly) {
  DeployTiming t = *ParseDeployDist("lognormal:200:0.5");
  EXPECT_EQ(DrawDeployDuration(t, 7, "t0001", 1), DrawDeployDuration(t, 7, "t0001", 1));
  EXPECT_NE(DrawDeployDuration(t, 7, "t0001", 1), DrawDeployDuration(t, 8, "t0001", 1));
  EXPECT_NE(DrawDeployDuration(t, 7, "t0001", 1), DrawDeployDuration(t, 7, "t0002", 1));
  EXPECT_NE(DrawDeployDuration(t, 7, "t0001", 1), DrawDeployDuration(t, 7, "t0001", 2));
}

TEST(DeployTimingTest, LogNormalMedianIsTheGivenOne) {
  DeployTiming t = *ParseDeployDist("lognormal:200:0.8");
  std::vector<int64_t> ms;
  for (int i = 0; i < 20000; ++i) {
    ms.push_back(DurationToMillis(DrawDeployDuration(t, 42, "t" + std::to_string(i), 1)));
  }
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  EXPECT_NEAR(static_cast<double>(ms[ms.size() / 2]), 200.0, 10.0);
}

TEST(DeployTimingTest, ZeroSigmaIsExactlyTheMedian) {
  DeployTiming t = *ParseDeployDist("lognormal:300:0");
  EXPECT_EQ(DrawDeployDuration(t, 3, "x", 5), Duration(300ms));
}

TEST(DeployTimingTest, KeyedUniformStaysInsideTheOpenInterval) {
  for (uint64_t n = 0; n < 10000; ++n) {
    double u = KeyedUniform(n, "s", n, 1);
    ASSERT_GT(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(DeployTimingTest, RejectsMalformedDistributions) {
  for (const char* text : {"normal:200:1", "lognormal:200", "lognormal:0:1", "lognormal:-5:1",
                           "lognormal:200:-1", "lognormal:abc:1", "lognormal:200:1x"}) {
    EXPECT_FALSE(ParseDeployDist(text).ok()) << text;
  }
}

}  // namespace
}  // namespace rollcall::sim
