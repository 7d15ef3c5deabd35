// `rollcall fleet`: tenants left behind first, with how long.
#include "cli/fleet_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/time.h"

namespace rollcall {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kNow = 1'800'000'000'000;

Json Observed(const std::string& state, int64_t ago_ms, const std::string& image, const std::string& detail = "") {
  return {{"state", state}, {"since", FormatWallMillis(kNow - ago_ms)}, {"image", image},
          {"detail", detail.empty() ? Json(nullptr) : Json(detail)}};
}

TEST(FleetTableTest, ListsDriftedTenantsFirstTheLongestFirstWithHowLong) {
  Json fleet = {
      {"desired_release", {{"tag", "v2"}, {"seq", 2}, {"git_sha", "abc1234def"}}},
      {"freeze", nullptr},
      {"tenants",
       {{{"slug", "a-ok"}, {"state", "active"}, {"quarantined", false},
         {"observed", Observed("on_target", 3'600'000, "app:v2")}},
        {{"slug", "b-new"}, {"state", "active"}, {"quarantined", false},
         {"observed", Observed("drifted", 45'000, "app:v1", "runs app:v1, desired app:v2")}},
        {{"slug", "c-old"}, {"state", "active"}, {"quarantined", true}, {"quarantine_reason", "rollout r1: OffTarget"},
         {"observed", Observed("drifted", 2 * 86'400'000 + 3'600'000, "app:v1")}},
        {{"slug", "d-q"}, {"state", "active"}, {"quarantined", true}, {"quarantine_reason", "rollout r1: Unhealthy"},
         {"observed", Observed("on_target", 1000, "app:v2")}},
        {{"slug", "e-off"}, {"state", "cordoned"}, {"quarantined", false}, {"running_image", "app:v0"}}}},
      {"summary", {{"total", 5}, {"quarantined", 2}, {"observed", {{"drifted", 2}, {"on_target", 2}}}}}};
  const std::string table = FleetTable(fleet, kNow);
  EXPECT_THAT(table, HasSubstr("desired release: v2 (seq 2, sha abc1234)\n"));
  const size_t c = table.find("c-old"), b = table.find("b-new"), d = table.find("d-q"), e = table.find("e-off"),
               a = table.find("a-ok");
  ASSERT_NE(a, std::string::npos);
  EXPECT_LT(c, b);  // drifted for two days before drifted for 45 s
  EXPECT_LT(b, d);  // then quarantined, cordoned, on target
  EXPECT_LT(d, e);
  EXPECT_LT(e, a);
  EXPECT_THAT(table, HasSubstr("2d01h"));
  EXPECT_THAT(table, HasSubstr("45s"));
  EXPECT_THAT(table, HasSubstr("quarantined: rollout r1: OffTarget"));
  EXPECT_THAT(table, HasSubstr("5 tenant(s); observed: 2 drifted 2 on_target; 2 quarantined\n"));
}

TEST(FleetTableTest, SaysSoWhenTheFleetIsFrozenOrHasNoRelease) {
  Json fleet = {{"desired_release", nullptr},
                {"freeze", {{"reason", "incident 7"}, {"since", "2026-12-01T10:00:00.000Z"}}},
                {"tenants", Json::array()},
                {"summary", {{"total", 0}, {"quarantined", 0}, {"observed", Json::object()}}}};
  const std::string table = FleetTable(fleet, kNow);
  EXPECT_THAT(table, HasSubstr("desired release: none yet\n"));
  EXPECT_THAT(table, HasSubstr("FROZEN since 2026-12-01T10:00:00.000Z: incident 7\n"));
  EXPECT_THAT(table, HasSubstr("observed: none yet"));
}

TEST(FleetTableTest, AgesReadAtAGlance) {
  EXPECT_EQ(FormatAge(0), "0s");
  EXPECT_EQ(FormatAge(59'999), "59s");
  EXPECT_EQ(FormatAge(192'000), "3m12s");
  EXPECT_EQ(FormatAge(2 * 3'600'000 + 5 * 60'000), "2h05m");
  EXPECT_EQ(FormatAge(46 * 3'600'000), "1d22h");
}

}  // namespace
}  // namespace rollcall
