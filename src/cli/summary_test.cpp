#include "cli/summary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rollcall {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(SummaryTest, RolloutTableHasTheContractColumnsAndTheStragglerSection) {
  Json rollout = Json::parse(R"({"id":"r-1","state":"succeeded","release":{"tag":"v2","seq":2,"git_sha":"abc1234"},
    "policy":{"canary":["a"],"max_stragglers":1},"enumerated":["a","b"],
    "started_at":"2026-11-21T09:30:00.000Z","finished_at":"2026-11-21T09:30:02.400Z",
    "results":[{"slug":"a","phase":"canary","status":"Success","exit_code":0,"healthz_ok":true,
                "verified_on_target":true,"running_image":"repo:v2","duration_ms":1500,"error":null},
               {"slug":"b","phase":"window","status":"OffTarget","exit_code":0,"healthz_ok":true,
                "verified_on_target":false,"running_image":"repo:v1","duration_ms":900,"error":"running repo:v1 | old"}]})");
  Result<ClientGate> gate = GateOf(rollout);
  ASSERT_TRUE(gate.ok()) << gate.status().message();
  std::string md = RolloutMarkdown(rollout, *gate);
  EXPECT_THAT(md, HasSubstr("| Tenant | Phase | Status | Exit | Healthz | On target | Running image | Duration | Error |"));
  EXPECT_THAT(md, HasSubstr("`r-1`"));
  EXPECT_THAT(md, HasSubstr("Release **v2** (seq 2), sha `abc1234`"));
  EXPECT_THAT(md, HasSubstr("| b | window | OffTarget | 0 | ✅ | ❌ | repo:v1 | 0.9s | running repo:v1 \\| old |"));
  EXPECT_THAT(md, HasSubstr("⚠ Stragglers (quarantined)"));
  EXPECT_THAT(md, HasSubstr("1 verified, 1 quarantined, 0 failed, 0 skipped, 0 cancelled in 2.4 s"));
  // The recap first, then the problem tenants, then the rest folded away.
  EXPECT_THAT(md, ::testing::StartsWith("### ✅ Rollcall rollout `r-1` succeeded\n\n**1 verified, 1 quarantined"));
  EXPECT_LT(md.find("| b | window"), md.find("<details><summary>1 tenant(s) verified on target</summary>"));
  EXPECT_LT(md.find("<details>"), md.find("| a | canary"));
  EXPECT_THAT(md, HasSubstr("1 of a tolerance of 1."));
  EXPECT_THAT(RolloutMarkdown(rollout, *gate, "https://rollcall.acme.dev/"),
              HasSubstr("[open in the dashboard](https://rollcall.acme.dev/ui/rollouts/r-1)"));

  rollout["state"] = "failed";  // the same rows under a failed rollout
  std::string failed = RolloutMarkdown(rollout, *GateOf(rollout));
  EXPECT_THAT(failed, Not(HasSubstr("Stragglers")));
  EXPECT_THAT(failed, HasSubstr("✗ Not landed"));
  EXPECT_THAT(failed, HasSubstr("1 verified, 0 quarantined, 1 failed"));
}

TEST(SummaryTest, VerifyTableCountsSkippedTenants) {
  std::string md = VerifyMarkdown("abc1234", {{"a", VerifyState::kOk, "abc1234", ""},
                                              {"b", VerifyState::kStale, "0000000", "still on the old build"}}, 2);
  EXPECT_THAT(md, HasSubstr("| b | STALE | 0000000 | still on the old build |"));
  EXPECT_THAT(md, HasSubstr("**1/2 on target**; quarantined tenants skipped: 2"));
  EXPECT_LT(md.find("| b | STALE"), md.find("<details><summary>1 tenant(s) on target"));
}

TEST(SummaryTest, AnnotationsAreOneLine) {
  EXPECT_EQ(EscapeAnnotation("a\nb%c\r"), "a%0Ab%25c%0D");
}

}  // namespace
}  // namespace rollcall
