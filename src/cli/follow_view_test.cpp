// The live view of a rollout, fed events in virtual time.
#include "cli/follow_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rollcall {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Json Created() {
  return Json::parse(R"({"id":"r1","enumerated":["c","a","b","d"],
                         "policy":{"canary":["c"],"soak_seconds":60,"dry_run":false}})");
}

Json Finished(const std::string& slug, const std::string& phase, const std::string& status) {
  return {{"slug", slug}, {"phase", phase}, {"status", status}, {"verified_on_target", status == "Success"},
          {"duration_ms", 1500}, {"error", status == "Success" ? Json(nullptr) : Json("running app:v1")}};
}

TEST(FollowViewTest, CountsInFlightAndDoneAndDrawsABar) {
  FollowView v(Created());
  v.Apply("tenant_started", {{"slug", "c"}, {"phase", "canary"}}, 0, false);
  EXPECT_EQ(v.Line(1, 80), "[------------------------------] 0/4 · 1 in flight · 1s");
  v.Apply("tenant_finished", Finished("c", "canary", "Success"), 2, false);
  v.Apply("tenant_started", {{"slug", "a"}, {"phase", "window"}}, 62, false);
  v.Apply("tenant_started", {{"slug", "b"}, {"phase", "window"}}, 62, false);
  EXPECT_EQ(v.Line(63, 80), "[#######-----------------------] 1/4 · 2 in flight · 1m03s");
  EXPECT_THAT(v.Line(63, 20), HasSubstr("1/4"));  // a narrow terminal: no bar
}

TEST(FollowViewTest, TheSoakCountsDownAfterTheLastCanary) {
  FollowView v(Created());
  v.Apply("tenant_started", {{"slug", "c"}, {"phase", "canary"}}, 0, false);
  v.Apply("tenant_finished", Finished("c", "canary", "Success"), 2, false);
  EXPECT_THAT(v.Line(12, 100), HasSubstr("soaking 50s"));
  v.Apply("tenant_started", {{"slug", "a"}, {"phase", "window"}}, 62, false);
  EXPECT_THAT(v.Line(62, 100), ::testing::Not(HasSubstr("soaking")));
}

TEST(FollowViewTest, KeepsFailuresAndStateChangesAboveTheLiveLine) {
  FollowView v(Created());
  EXPECT_THAT(v.Apply("tenant_finished", Finished("a", "window", "Success"), 1, false), IsEmpty());
  EXPECT_THAT(v.Apply("tenant_finished", Finished("b", "window", "OffTarget"), 2, false),
              ElementsAre("[2/4] b            OffTarget    1.5s running app:v1"));
  EXPECT_THAT(v.Apply("rollout_state", {{"state", "paused"}}, 3, false),
              ElementsAre("rollout paused: no new tenant starts; in-flight ones finish"));
  EXPECT_THAT(v.Line(3, 100), HasSubstr("PAUSED"));
  EXPECT_THAT(v.Apply("rollout_state", {{"state", "running"}}, 4, false), ElementsAre("rollout resumed"));
  EXPECT_THAT(v.Line(4, 100), HasSubstr("1 not verified"));
  EXPECT_FALSE(v.ended());
  EXPECT_THAT(v.Apply("rollout_state", {{"state", "succeeded"}}, 5, false), IsEmpty());
  EXPECT_TRUE(v.ended());
}

TEST(FollowViewTest, ALogGetsEveryTenant) {
  FollowView v(Created());
  EXPECT_THAT(v.Apply("tenant_finished", Finished("a", "window", "Success"), 1, true),
              ElementsAre("[1/4] a            Success      1.5s"));
}

}  // namespace
}  // namespace rollcall
