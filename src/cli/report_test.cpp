#include "cli/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/json_codec.h"

namespace rollcall {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TenantResult Row(const char* slug, TenantStatus status, bool verified, const char* phase = "window") {
  TenantResult r;
  r.slug = slug;
  r.phase = phase;
  r.status = status;
  r.verified_on_target = verified;
  return r;
}

// A rollout as the server sends it: canary c, fan-out a and b.
Json RolloutJson(const std::string& state, const std::vector<TenantResult>& rows, const Json& max_stragglers = 0,
                 std::vector<std::string> enumerated = {"c", "a", "b"}) {
  Rollout r;
  r.id = "r1";
  r.release = {"v1", "", 1};
  r.policy.canary = {"c"};
  r.state = *ParseRolloutState(state);
  r.enumerated = std::move(enumerated);
  r.results = rows;
  r.started_at_ms = 1'800'000'000'000;
  r.finished_at_ms = 1'800'000'005'060;
  Json j = ToJson(r);
  j["policy"]["max_stragglers"] = max_stragglers;
  return j;
}

const std::vector<TenantResult> kOneStuck = {Row("c", TenantStatus::kSuccess, true, "canary"),
                                             Row("b", TenantStatus::kOffTarget, false),
                                             Row("a", TenantStatus::kSuccess, true)};

TEST(ReportTest, TheGateIsCoresOverTheFanoutTolerance) {
  Result<ClientGate> strict = GateOf(RolloutJson("failed", kOneStuck, 0));
  ASSERT_TRUE(strict.ok()) << strict.status().message();
  EXPECT_THAT(strict->verdict.stragglers, ElementsAre("b"));
  EXPECT_FALSE(strict->passed);
  EXPECT_TRUE(GateOf(RolloutJson("succeeded", kOneStuck, 1))->passed);
  EXPECT_EQ(GateOf(RolloutJson("succeeded", kOneStuck, "50%"))->rules.tolerance, 1);  // 50% of 2 fan-out
}

TEST(ReportTest, AnEnumeratedTenantWithoutARowIsAStragglerEvenWhenEveryRowIsOk) {
  // Every row the server sent is verified, but b was enumerated and has none.
  std::vector<TenantResult> rows = {Row("c", TenantStatus::kSuccess, true, "canary"),
                                    Row("a", TenantStatus::kSuccess, true)};
  Result<ClientGate> gate = GateOf(RolloutJson("succeeded", rows, 0));
  ASSERT_TRUE(gate.ok());
  EXPECT_THAT(gate->verdict.stragglers, ElementsAre("b"));
  EXPECT_THAT(gate->verdict.missing_rows, ElementsAre("b"));
  EXPECT_FALSE(gate->passed);
  EXPECT_FALSE(ResponseAggregate(*gate)["ok"].get<bool>());
}

TEST(ReportTest, NothingVerifiedNeverPassesWhateverTheTolerance) {
  Json j = RolloutJson("succeeded", {Row("t5", TenantStatus::kTimedOut, false)}, 1, {"t5"});
  j["policy"]["canary"] = Json::array();
  Result<ClientGate> gate = GateOf(j);
  ASSERT_TRUE(gate.ok());
  EXPECT_FALSE(gate->passed);
  EXPECT_EQ(gate->verdict.error, "no tenant was verified on the target");
}

TEST(ReportTest, DryRunAssertsNoCoverage) {
  Json j = RolloutJson("succeeded", {Row("c", TenantStatus::kDryRun, false, "canary")}, 0, {"c"});
  j["policy"]["dry_run"] = true;
  Result<ClientGate> g = GateOf(j);
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(g->passed);
  EXPECT_TRUE(g->verdict.stragglers.empty());
  EXPECT_EQ(ProblemsLine(*g), "");
}

TEST(ReportTest, TheHeadingSaysWhatHappened) {
  EXPECT_EQ(ProblemsLine(*GateOf(RolloutJson("succeeded", kOneStuck, 1))), "⚠ Stragglers (quarantined): b");
  std::vector<TenantResult> cancelled = {Row("c", TenantStatus::kSuccess, true, "canary"),
                                         Row("a", TenantStatus::kCancelled, false),
                                         Row("b", TenantStatus::kCancelled, false)};
  EXPECT_EQ(ProblemsLine(*GateOf(RolloutJson("cancelled", cancelled, 5))), "✗ Not landed: a, b");
  EXPECT_EQ(ProblemsLine(*GateOf(RolloutJson("failed", kOneStuck, 0))), "✗ Not landed: b");
}

TEST(ReportTest, EachRolloutEndsWithOneRecapLine) {
  EXPECT_EQ(RecapLine(*GateOf(RolloutJson("succeeded", kOneStuck, 1))),
            "2 verified, 1 quarantined, 0 failed, 0 skipped, 0 cancelled in 5.1 s");
  std::vector<TenantResult> halted = {Row("c", TenantStatus::kSuccess, true, "canary"),
                                      Row("a", TenantStatus::kUnhealthy, false),
                                      Row("b", TenantStatus::kSkipped, false)};
  EXPECT_EQ(RecapLine(*GateOf(RolloutJson("failed", halted, 0))),
            "1 verified, 0 quarantined, 1 failed, 1 skipped, 0 cancelled in 5.1 s");
}

TEST(ReportTest, TheResponseIsTheLegacyShapeWrittenByTheServersCodec) {
  TenantResult failed = Row("a", TenantStatus::kFailed, false);
  failed.exit_code = 3;
  failed.started_at_ms = 1'800'000'000'250;
  failed.proof_observed_at_ms = 0;
  Json j = RolloutJson("succeeded", {Row("c", TenantStatus::kSuccess, true, "canary"), failed,
                                     Row("b", TenantStatus::kSuccess, true)}, 1);
  Result<ClientGate> gate = GateOf(j);
  ASSERT_TRUE(gate.ok());
  Json agg = ResponseAggregate(*gate);
  EXPECT_TRUE(agg["ok"].get<bool>());
  EXPECT_EQ(agg["rollout_id"], "r1");
  EXPECT_EQ(agg["stragglers"], Json::array({"a"}));
  const Json& row = agg["results"][1];
  EXPECT_EQ(row, ToJson(failed, RowShape::kLegacy));  // the same codec, every field back
  EXPECT_EQ(row["ssm_status"], "Failed");
  EXPECT_EQ(row["ssm_exit_code"], 3);
  EXPECT_EQ(row["started_at"], "2027-01-15T08:00:00.250Z");
  EXPECT_FALSE(row.contains("status"));
}

TEST(ReportTest, ServerRowsWithoutVerifiedFieldCountAsVerifiedWhenSuccessful) {
  Json rollout = Json::parse(R"({"id":"r1","state":"succeeded","results":[
      {"slug":"a","phase":"batch-1","ssm_status":"Success","ssm_exit_code":0},
      {"slug":"b","phase":"batch-1","ssm_status":"TimedOut"}],"policy":{"max_stragglers":1}})");
  Result<ClientGate> g = GateOf(rollout);
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_THAT(g->verdict.stragglers, ElementsAre("b"));
  EXPECT_TRUE(g->passed);
}

TEST(ReportTest, TableHasTheContractColumns) {
  std::string table = RenderTable({Row("acme", TenantStatus::kSuccess, true)});
  for (const char* col : {"Tenant", "Phase", "Status", "Exit", "Healthz", "On target", "Running image",
                          "Duration", "Error"}) {
    EXPECT_THAT(table, HasSubstr(col));
  }
  EXPECT_THAT(table, HasSubstr("acme"));
}

}  // namespace
}  // namespace rollcall
