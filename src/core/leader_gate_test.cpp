// A leader whose lease ran out by its own clock sends no deploy: the gate
// sits between the unmodified engine and the driver.
#include "core/leader_gate.h"

#include <gtest/gtest.h>

#include "core/leadership.h"
#include "testing/engine_harness.h"

namespace rollcall {
namespace {

using std::chrono::seconds;

// The engine of EngineHarness, but deploying through the gate.
struct GatedHarness : EngineHarness {
  Leadership leadership{LeadershipConfig{seconds(10), seconds(2), seconds(2)}};
  std::vector<std::string> refusals;
  LeaderGatedDriver gate{driver, [this] { return leadership.MayAct(clock.Now()); },
                         [this](const std::string& why) { refusals.push_back(why); }};
  EngineEnv gated_env{clock, gate, prober, store, sink, kRepo};
  RolloutService gated{gated_env, ids};
};

TEST(LeaderGateTest, DeploysPassWhileTheLeaseHoldsAndNoneOnceItRanOut) {
  GatedHarness h;
  h.AddTenants(6);
  for (int i = 0; i < 6; ++i) h.fleet.Set(EngineHarness::Slug(i), FakeTenant::Slow(seconds(3)));
  h.leadership.Acquired(1, h.clock.Now());  // may act for 8 s, never renewed
  Policy p = EngineHarness::TestPolicy();
  p.max_parallel = 1;
  p.health_interval_s = 0.5;
  ASSERT_TRUE(h.gated.Submit(RolloutRequest{EngineHarness::TestRelease(), p, false, ""}).ok());
  h.clock.RunUntilIdle();
  // Each deploy takes 3 s: t0000 at 0 s, t0001 at ~3 s, t0002 at ~6 s; at
  // ~9 s the lease (by this clock) is gone, so t0003 is never sent.
  EXPECT_EQ(h.DeployedSlugs(), (std::vector<std::string>{"t0000", "t0001", "t0002"}));
  ASSERT_EQ(h.refusals.size(), 1u);
  EXPECT_NE(h.refusals[0].find("refused to deploy t0003"), std::string::npos) << h.refusals[0];
  EXPECT_EQ(h.gate.refused(), 1);
}

// A driver that sends later (a worker thread, a connection) than the engine
// asked: the deploy is held here until the test lets it go.
struct LateDriver : Driver {
  CancelFn Deploy(const DeployRequest& req, std::function<void(DeployOutcome)>) override {
    held.push_back(req);
    return {};
  }
  CancelFn Inspect(const Tenant&, std::function<void(InspectOutcome)>) override { return {}; }
  std::vector<DeployRequest> held;
};

TEST(LeaderGateTest, ADeployDecidedBeforeAPauseIsNotSentAfterTheLeaseRanOut) {
  FakeClock clock;
  Leadership leadership{LeadershipConfig{seconds(10), seconds(2), seconds(2)}};
  leadership.Acquired(1, clock.Now());
  LateDriver late;
  std::vector<std::string> refusals;
  LeaderGatedDriver gate{late, [&] { return leadership.MayAct(clock.Now()); },
                         [&](const std::string& why) { refusals.push_back(why); }};
  DeployRequest req;
  req.tenant.slug = "t0001";
  req.rollout_id = "r1";
  gate.Deploy(req, [](DeployOutcome) {});
  ASSERT_EQ(late.held.size(), 1u);  // decided while the lease held
  ASSERT_TRUE(late.held[0].may_send);
  EXPECT_TRUE(late.held[0].may_send());  // still in time: it goes
  clock.Advance(seconds(30));            // paused past the lease
  EXPECT_FALSE(late.held[0].may_send());
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_NE(refusals[0].find("as the deploy was about to be sent"), std::string::npos) << refusals[0];
  EXPECT_EQ(gate.refused(), 1);
}

TEST(LeaderGateTest, InspectsPassEvenWithoutTheRightToAct) {
  GatedHarness h;
  h.AddTenants(1);
  bool answered = false;
  h.gate.Inspect(*h.store.GetTenant("t0000"), [&](InspectOutcome) { answered = true; });
  h.clock.RunUntilIdle();
  EXPECT_TRUE(answered);
  EXPECT_TRUE(h.refusals.empty());
}

}  // namespace
}  // namespace rollcall
