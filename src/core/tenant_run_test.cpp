// TenantRun edge cases: late or duplicate answers, cancellation, probe bounds.
#include "core/tenant_run.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/engine_harness.h"

namespace rollcall {
namespace {

using ::testing::HasSubstr;

// A driver whose deploys the test completes by hand, at any time.
class ManualDriver : public Driver {
 public:
  CancelFn Deploy(const DeployRequest& req, std::function<void(DeployOutcome)> done) override {
    image = req.image;
    pending = std::move(done);
    return [this] { ++cancels; };
  }
  CancelFn Inspect(const Tenant&, std::function<void(InspectOutcome)>) override { return nullptr; }
  std::function<void(DeployOutcome)> pending;
  std::string image;
  int cancels = 0;
};

// A prober that records the timeout it was given and never answers.
class SilentProber : public Prober {
 public:
  CancelFn ProbeHealth(const Tenant&, Duration timeout, std::function<void(ProbeOutcome)>) override {
    timeouts.push_back(timeout);
    return nullptr;
  }
  std::vector<Duration> timeouts;
};

class TenantRunTest : public ::testing::Test {
 protected:
  std::shared_ptr<TenantRun> Start(Prober& prober) {
    env = std::make_unique<EngineEnv>(EngineEnv{h.clock, driver, prober, h.store, h.sink, "repo"});
    TenantRunParams p{"r1", EngineHarness::TestRelease(1), false, "window",
                      std::chrono::seconds(300), std::chrono::seconds(90), std::chrono::seconds(5)};
    p.leases = leases;
    Tenant t;
    t.slug = "acme";
    return TenantRun::Start(*env, p, t, [this](TenantResult row) { rows.push_back(row); });
  }
  EngineHarness h;
  std::shared_ptr<TenantLeases> leases = TenantLeases::Create(h.clock);
  ManualDriver driver;
  std::unique_ptr<EngineEnv> env;
  std::vector<TenantResult> rows;
};

TEST_F(TenantRunTest, ADeployAnsweringAfterItsTimeoutIsIgnored) {
  auto run = Start(h.prober);
  EXPECT_EQ(driver.image, "repo:v1");
  h.clock.RunUntil(h.At(300));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].status, TenantStatus::kTimedOut);
  EXPECT_EQ(driver.cancels, 1);
  driver.pending(DeployOutcome{0, "repo:v1", "", ""});  // the dead box wakes up
  h.clock.RunUntilIdle();
  EXPECT_EQ(rows.size(), 1u);
}

TEST_F(TenantRunTest, CancelWhileDeployingReportsCancelledOnce) {
  auto run = Start(h.prober);
  h.clock.RunUntil(h.At(10));
  run->Cancel("operator said stop");
  run->Cancel("twice");
  h.clock.RunUntilIdle();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].status, TenantStatus::kCancelled);
  EXPECT_EQ(rows[0].error, "operator said stop");
  EXPECT_EQ(rows[0].duration_ms, 10'000);
}

TEST_F(TenantRunTest, ADriverSideTimeoutIsTimedOutNotFailed) {
  auto run = Start(h.prober);
  DeployOutcome expired;
  expired.error = "agent: Operation timed out after 300000 milliseconds";
  expired.timed_out = true;
  driver.pending(expired);
  h.clock.RunUntilIdle();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].status, TenantStatus::kTimedOut);
}

TEST_F(TenantRunTest, TransportErrorIsFailedWithItsReason) {
  auto run = Start(h.prober);
  driver.pending(DeployOutcome{std::nullopt, "", "", "agent: connection refused"});
  h.clock.RunUntilIdle();
  EXPECT_EQ(rows[0].status, TenantStatus::kFailed);
  EXPECT_EQ(rows[0].error, "agent: connection refused");
}

TEST_F(TenantRunTest, ProbesThatNeverAnswerEndAtTheSettleDeadline) {
  SilentProber silent;
  auto run = Start(silent);
  driver.pending(DeployOutcome{0, "repo:v1", "", ""});
  h.clock.RunUntilIdle();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].status, TenantStatus::kUnhealthy);
  EXPECT_THAT(rows[0].error, HasSubstr("no answer"));
  ASSERT_EQ(silent.timeouts.size(), 1u);
  EXPECT_EQ(silent.timeouts[0], std::chrono::seconds(5));  // bounded by the interval
}

}  // namespace
}  // namespace rollcall
