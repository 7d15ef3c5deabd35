#include "core/proof_output.h"

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

TEST(ProofOutputTest, OnlyAValidImageReferenceIsProof) {
  EXPECT_EQ(RunningImageMarker("ROLLCALL_RUNNING_IMAGE=reg.test/app:v1 and more\n"), "");
  EXPECT_EQ(RunningImageMarker("ROLLCALL_RUNNING_IMAGE=Reg/App:v1\n"), "");
  // The last marker decides: a garbled one is no proof, whatever came before.
  EXPECT_EQ(RunningImageMarker("ROLLCALL_RUNNING_IMAGE=a:1\nROLLCALL_RUNNING_IMAGE=not an image\n"), "");
  EXPECT_EQ(InspectedImage("Error: no such container\n"), "");
  EXPECT_EQ(InspectedImage("ROLLCALL_RUNNING_IMAGE=bad image\na:2\n"), "");
  EXPECT_EQ(InspectedImage("ghcr.io/acme/app@sha256:" + std::string(64, 'e') + "\n"),
            "ghcr.io/acme/app@sha256:" + std::string(64, 'e'));
}

}  // namespace
}  // namespace rollcall
