// Durations as operators write them.
#include "core/time.h"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

using namespace std::chrono_literals;

TEST(ParseDurationTextTest, TakesBareSecondsAndUnitsLargestFirst) {
  EXPECT_EQ(ParseDurationText("90"), Duration(90s));
  EXPECT_EQ(ParseDurationText("2.5"), Duration(2500ms));
  EXPECT_EQ(ParseDurationText("90s"), Duration(90s));
  EXPECT_EQ(ParseDurationText("5m"), Duration(5min));
  EXPECT_EQ(ParseDurationText("1h30m"), Duration(90min));
  EXPECT_EQ(ParseDurationText("1h0m5s"), Duration(3605s));
  EXPECT_EQ(ParseDurationText("250ms"), Duration(250ms));
  EXPECT_EQ(ParseDurationText("1m30s500ms"), Duration(90500ms));
}

TEST(ParseDurationTextTest, RefusesAnythingElse) {
  for (const char* bad : {"", "-5", "5x", "m", "1.2.3", "5m1h", "5s5s", "1h30", ".5", "5.", " 5", "5 m"}) {
    EXPECT_FALSE(ParseDurationText(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace rollcall
