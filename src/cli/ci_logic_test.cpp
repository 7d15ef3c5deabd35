#include "cli/ci_logic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rollcall {
namespace {

using ::testing::ElementsAre;

TEST(CiLogicTest, PlanDefaultsTheTagAndHonoursTheKillSwitch) {
  Json p = MakePlanJson("3F9A1C2DEADBEEF", "", "");
  EXPECT_EQ(p["enabled"], true);
  EXPECT_EQ(p["tag"], "staging-3F9A1C2");
  EXPECT_EQ(MakePlanJson("abc1234", "v9", "")["tag"], "v9");
  for (const char* yes : {"1", "true", "YES", "On", "disabled", "disable"}) {
    Json off = MakePlanJson("abc1234", "", yes);
    EXPECT_EQ(off["enabled"], false) << yes;
    EXPECT_EQ(off["reason"], std::string("ROLLCALL_DISABLED=") + yes);
  }
  for (const char* no : {"", "0", "false", "no", "off", "enabled", "maybe"}) {
    EXPECT_EQ(MakePlanJson("abc1234", "", no)["enabled"], true) << no;
  }
}

TEST(CiLogicTest, ShaPrefixCompareIsCaseInsensitiveOnTheShorter) {
  EXPECT_TRUE(ShaMatches("abc1234", "ABC1234DEADBEEF"));
  EXPECT_TRUE(ShaMatches("ABC1234DEADBEEF0000", "abc1234deadbeef"));
  EXPECT_FALSE(ShaMatches("abc1235", "abc1234deadbeef"));
  EXPECT_FALSE(ShaMatches("abc12", "abc12"));  // too short to mean anything
  EXPECT_FALSE(ShaMatches("", "abc1234"));
}

TEST(CiLogicTest, NewestRowPerContextWinsById) {
  auto newest = NewestByContext({{5, "build", "pending"}, {9, "build", "success"},
                                 {7, "build", "failure"}, {3, "lint", "success"}});
  EXPECT_EQ(newest.at("build").state, "success");
  EXPECT_EQ(newest.at("build").id, 9);
  EXPECT_EQ(newest.at("lint").id, 3);
}

TEST(CiLogicTest, EvaluateCiWaitsSucceedsOrFailsAtOnce) {
  auto rows = NewestByContext({{1, "build", "success"}, {2, "test", "pending"}});
  CiVerdict pending = EvaluateCi({"build", "test", "deploy-check"}, rows);
  EXPECT_EQ(pending.kind, CiVerdict::Kind::kPending);
  EXPECT_THAT(pending.waiting, ElementsAre("test", "deploy-check"));
  EXPECT_EQ(EvaluateCi({"build"}, rows).kind, CiVerdict::Kind::kSuccess);
  for (const char* bad : {"failure", "error", "cancelled", "canceled", "skipped"}) {
    auto failed = NewestByContext({{1, "build", "success"}, {2, "test", bad}});
    CiVerdict v = EvaluateCi({"build", "test"}, failed);
    EXPECT_EQ(v.kind, CiVerdict::Kind::kFailed) << bad;
    EXPECT_EQ(v.failed_context, "test");
  }
}

TEST(CiLogicTest, VerifyClassification) {
  std::string running;
  EXPECT_EQ(ClassifyVerify({200, R"({"git_sha":"ABC1234ff"})", 200}, "abc1234", &running), VerifyState::kOk);
  EXPECT_EQ(running, "ABC1234ff");
  EXPECT_EQ(ClassifyVerify({200, R"({"git_sha":"0000000"})", 200}, "abc1234", nullptr), VerifyState::kStale);
  EXPECT_EQ(ClassifyVerify({200, R"({"git_sha":"abc1234"})", 503}, "abc1234", nullptr), VerifyState::kUnhealthy);
  EXPECT_EQ(ClassifyVerify({0, "", 0}, "abc1234", nullptr), VerifyState::kUnreachable);
  EXPECT_EQ(ClassifyVerify({200, "<html>", 200}, "abc1234", nullptr), VerifyState::kUnreachable);
  EXPECT_EQ(ToString(VerifyState::kStale), "STALE");
}

}  // namespace
}  // namespace rollcall
