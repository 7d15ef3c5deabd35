#include "cli/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

TEST(ReportTest, GateCountsUnverifiedRowsAgainstTheFanoutTolerance) {
  std::vector<TenantResult> rows = {Row("c", TenantStatus::kSuccess, true, "canary"),
                                    Row("b", TenantStatus::kOffTarget, false),
                                    Row("a", TenantStatus::kSuccess, true)};
  ClientGate strict = RecomputeGate(rows, {0, false});
  EXPECT_THAT(strict.stragglers, ElementsAre("b"));
  EXPECT_FALSE(strict.passed);
  EXPECT_TRUE(RecomputeGate(rows, {1, false}).passed);
  EXPECT_EQ(RecomputeGate(rows, {50, true}).tolerance, 1);  // 50% of 2 fan-out rows
}

TEST(ReportTest, DryRunAssertsNoCoverage) {
  ClientGate g = RecomputeGate({Row("a", TenantStatus::kDryRun, false)}, {0, false});
  EXPECT_TRUE(g.passed);
  EXPECT_TRUE(g.stragglers.empty());
}

TEST(ReportTest, ServerRowsWithoutVerifiedFieldCountAsVerifiedWhenSuccessful) {
  Json rollout = Json::parse(R"({"id":"r1","state":"succeeded","results":[
      {"slug":"a","phase":"batch-1","ssm_status":"Success","ssm_exit_code":0},
      {"slug":"b","phase":"batch-1","ssm_status":"TimedOut"}]})");
  Result<std::vector<TenantResult>> rows = RowsOf(rollout);
  ASSERT_TRUE(rows.ok());
  ClientGate g = RecomputeGate(*rows, {1, false});
  EXPECT_THAT(g.stragglers, ElementsAre("b"));
  Json agg = ResponseAggregate(rollout, g);
  EXPECT_TRUE(agg["ok"]);
  EXPECT_EQ(agg["rollout_id"], "r1");
  EXPECT_EQ(agg["stragglers"], Json::array({"b"}));
  EXPECT_EQ(agg["results"][1]["ssm_status"], "TimedOut");
  Json v1 = Json::parse(R"({"id":"r2","state":"failed","results":[
      {"slug":"a","status":"Failed","exit_code":3,"started_at":"2026-11-21T09:30:00.000Z"}]})");
  Json row = ResponseAggregate(v1, RecomputeGate(*RowsOf(v1), {0, false}))["results"][0];
  EXPECT_EQ(row["ssm_status"], "Failed");
  EXPECT_EQ(row["ssm_exit_code"], 3);
  EXPECT_EQ(row["started_at"], "2026-11-21T09:30:00.000Z");
  EXPECT_FALSE(row.contains("status"));
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
