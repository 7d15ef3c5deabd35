// What the engine tells RolloutMetrics, on the fake clock: one deploy timing
// per deploy answered, a settle time per tenant that turned healthy after
// its deploy, every final row once, each rollout's end once, and a fence
// refusal when a tenant already runs a newer release.
#include "core/rollout_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/engine_harness.h"

namespace rollcall {
namespace {

using ::testing::ElementsAre;

class RecordingMetrics : public RolloutMetrics {
 public:
  void DeployAnswered(Duration took) override { deploys.push_back(DurationToSeconds(took)); }
  void HealthSettled(Duration took) override { settles.push_back(DurationToSeconds(took)); }
  void TenantFinished(const TenantResult& row) override { rows[std::string(ToString(row.status))]++; }
  void FenceRefused() override { ++fence_refusals; }
  void RolloutFinished(const Rollout& r) override { finished.push_back(std::string(ToString(r.state))); }

  std::vector<double> deploys, settles;
  std::map<std::string, int> rows;
  int fence_refusals = 0;
  std::vector<std::string> finished;
};

class RolloutMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override { h.env.metrics = &metrics; }
  EngineHarness h;
  RecordingMetrics metrics;
  Policy policy = EngineHarness::TestPolicy();
};

TEST_F(RolloutMetricsTest, EachDeployEachSettleEachRowAndTheEndAreToldOnce) {
  h.AddTenants(4);
  h.fleet.Set("t0001", FakeTenant::Stuck());
  h.fleet.Set("t0002", FakeTenant::HealthyFromProbe(2));  // healthy on the third probe, 5 s apart
  h.fleet.Set("t0003", FakeTenant::Slow(std::chrono::seconds(4)));
  policy.max_stragglers = {1, false};
  Rollout r = h.Run(policy);
  ASSERT_EQ(r.state, RolloutState::kSucceeded) << r.error;

  std::sort(metrics.deploys.begin(), metrics.deploys.end());
  EXPECT_THAT(metrics.deploys, ElementsAre(1.0, 1.0, 1.0, 4.0));
  std::sort(metrics.settles.begin(), metrics.settles.end());
  EXPECT_THAT(metrics.settles, ElementsAre(0.0, 0.0, 0.0, 10.0));
  EXPECT_EQ(metrics.rows, (std::map<std::string, int>{{"Success", 3}, {"OffTarget", 1}}));
  EXPECT_THAT(metrics.finished, ElementsAre("succeeded"));
  EXPECT_EQ(metrics.fence_refusals, 0);
}

TEST_F(RolloutMetricsTest, ADryRunTellsItsEndButNoRows) {
  h.AddTenants(2);
  policy.dry_run = true;
  h.Run(policy);
  EXPECT_TRUE(metrics.rows.empty());
  EXPECT_TRUE(metrics.deploys.empty());
  EXPECT_THAT(metrics.finished, ElementsAre("succeeded"));
}

TEST_F(RolloutMetricsTest, ATenantOnANewerReleaseIsAFenceRefusal) {
  h.AddTenants(2);
  TenantObservation newer;
  newer.running_image = h.Target(EngineHarness::TestRelease(9));
  newer.running_seq = 9;
  ASSERT_TRUE(h.store.ObserveTenant("t0001", newer).ok());
  policy.max_stragglers = {1, false};
  Rollout r = h.Run(policy, EngineHarness::TestRelease(5));
  EXPECT_EQ(h.Row(r, "t0001")->status, TenantStatus::kSkipped);
  EXPECT_EQ(metrics.fence_refusals, 1);
  EXPECT_EQ(metrics.rows, (std::map<std::string, int>{{"Success", 1}, {"Skipped", 1}}));
}

}  // namespace
}  // namespace rollcall
