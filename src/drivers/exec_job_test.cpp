#include "drivers/exec_job.h"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

TEST(RunningImageMarkerTest, TakesTheLastMarkerLine) {
  EXPECT_EQ(
      RunningImageMarker("ROLLCALL_RUNNING_IMAGE=a:1\nlog\nROLLCALL_RUNNING_IMAGE=a:2\nmore\n"),
      "a:2");
  EXPECT_EQ(RunningImageMarker("REDEPLOY_RUNNING_IMAGE=a:1\r\n"), "a:1");
  EXPECT_EQ(RunningImageMarker("  ROLLCALL_RUNNING_IMAGE= a:3 \nROLLCALL_RUNNING_IMAGE=\n"), "a:3");
}

TEST(RunningImageMarkerTest, IgnoresMarkersInsideOtherText) {
  EXPECT_EQ(RunningImageMarker("echo ROLLCALL_RUNNING_IMAGE=a:1\n"), "");
  EXPECT_EQ(RunningImageMarker(""), "");
}

TEST(LastNonEmptyLineTest, SkipsTrailingBlankLinesAndTrims) {
  EXPECT_EQ(LastNonEmptyLine("first\n  second  \n\n \n"), "second");
  EXPECT_EQ(LastNonEmptyLine("only"), "only");
  EXPECT_EQ(LastNonEmptyLine("\n\n"), "");
}

TEST(InspectedImageTest, PrefersAMarkerOverTheLastLine) {
  EXPECT_EQ(InspectedImage("ROLLCALL_RUNNING_IMAGE=a:1\ndone\n"), "a:1");
  EXPECT_EQ(InspectedImage("status ok\na:2\n"), "a:2");
}

}  // namespace
}  // namespace rollcall
