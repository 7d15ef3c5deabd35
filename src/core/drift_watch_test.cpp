// The watch on the fake clock and fleet: the schedule spread over the
// interval, the bound on looks in flight, tenants a rollout holds, and the
// states it reports.
#include "core/drift_watch.h"

#include <gtest/gtest.h>

#include "store/memory_store.h"
#include "testing/fake_clock.h"
#include "testing/fake_fleet.h"

namespace rollcall {
namespace {

using namespace std::chrono_literals;

class DriftWatchTest : public ::testing::Test {
 protected:
  void AddTenants(int n) {
    std::vector<Tenant> tenants;
    for (int i = 0; i < n; ++i) {
      Tenant t;
      t.slug = "t" + std::to_string(i);
      t.base_url = "http://h/" + t.slug;
      t.agent_url = "http://h/" + t.slug + "/agent";
      tenants.push_back(t);
      driver.SetRunning(t.slug, "repo:v2");
    }
    ASSERT_TRUE(store.PutTenants(tenants).ok());
  }
  std::shared_ptr<DriftWatch> Watch(DriftWatchConfig config = {}) {
    auto watch = DriftWatch::Create(env, leases, config,
                                    [this](const Tenant& t, const DriftStatus&, const DriftStatus& after,
                                           bool changed) {
                                      if (changed) changes.push_back(t.slug + ":" + std::string(ToString(after.state)));
                                    });
    watch->Start();
    return watch;
  }

  FakeClock clock;
  FakeFleet fleet{clock};
  FakeDriver driver{fleet};
  FakeProber prober{fleet};
  MemoryStore store;
  struct NullSink : EventSink {
    void Publish(const RolloutEvent&) override {}
  } sink;
  EngineEnv env{clock, driver, prober, store, sink, "repo"};
  std::shared_ptr<TenantLeases> leases = TenantLeases::Create(clock);
  std::vector<std::string> changes;
};

TEST_F(DriftWatchTest, LooksAreSpreadOverTheIntervalOncePerTenant) {
  AddTenants(4);
  ASSERT_TRUE(store.SetDesiredRelease(Release{"v2", "", 2}).ok());
  auto watch = Watch(DriftWatchConfig{.interval = 60s});
  clock.RunUntil(clock.Now() + 1s);
  EXPECT_EQ(fleet.inspects, 1);  // t0 at once
  clock.Advance(15s);
  EXPECT_EQ(fleet.inspects, 2);
  clock.Advance(30s);
  EXPECT_EQ(fleet.inspects, 4);
  clock.Advance(15s);  // the next round begins
  EXPECT_EQ(fleet.inspects, 5);
  EXPECT_EQ(fleet.probes["t0"].size(), 2u);  // one /healthz per interval
  EXPECT_EQ(watch->Snapshot().at("t3").state, DriftState::kOnTarget);
  watch->Stop();
}

TEST_F(DriftWatchTest, LooksStartInBatchesAndARoundNeverSlipsAWholeInterval) {
  AddTenants(100);
  size_t rounds = 0;
  auto watch = DriftWatch::Create(env, leases, DriftWatchConfig{.interval = 1s, .batch_window = 150ms}, {},
                                  [&](size_t looked, Duration) {
                                    EXPECT_EQ(looked, 100u);
                                    ++rounds;
                                  });
  watch->Start();
  clock.Advance(50ms);
  EXPECT_EQ(fleet.inspects, 1);  // t0 at once; t1..t5 (due by 50 ms) wait for their batch
  clock.Advance(150ms);
  EXPECT_GE(fleet.inspects, 10);  // one wake started the batch due meanwhile
  // The last looks of a round are due just before the next round starts:
  // they start with it instead of pushing the next round an interval back.
  clock.Advance(3300ms);  // 3.5 s: rounds at 0, 1, 2 and 3 s
  EXPECT_EQ(fleet.probes["t99"].size(), 3u);
  EXPECT_EQ(fleet.probes["t0"].size(), 4u);
  EXPECT_EQ(rounds, 3u);  // each reported whole
  watch->Stop();
}

TEST_F(DriftWatchTest, ATenantThatFellBackIsDriftedSinceTheLookThatSawIt) {
  AddTenants(2);
  ASSERT_TRUE(store.SetDesiredRelease(Release{"v2", "", 2}).ok());
  auto watch = Watch(DriftWatchConfig{.interval = 10s});
  clock.Advance(10s);
  EXPECT_EQ(watch->Snapshot().at("t1").state, DriftState::kOnTarget);
  driver.SetRunning("t1", "repo:v1");  // restored from an old snapshot
  clock.Advance(10s);
  DriftStatus t1 = watch->Snapshot().at("t1");
  EXPECT_EQ(t1.state, DriftState::kDrifted);
  EXPECT_EQ(t1.detail, "runs repo:v1, desired repo:v2");
  EXPECT_EQ(t1.since_ms, t1.last.at_ms);
  clock.Advance(10s);
  EXPECT_LT(watch->Snapshot().at("t1").since_ms, watch->Snapshot().at("t1").last.at_ms);
  EXPECT_EQ(changes, (std::vector<std::string>{"t0:on_target", "t1:on_target", "t1:drifted"}));
  watch->Stop();
}

TEST_F(DriftWatchTest, LooksInFlightAreBoundedAndASilentTenantTimesOut) {
  AddTenants(4);
  for (int i = 0; i < 4; ++i) fleet.Set("t" + std::to_string(i), FakeTenant::Dead());  // no /buildinfo
  auto watch = Watch(DriftWatchConfig{.interval = 1s, .max_in_flight = 1, .look_timeout = 2s});
  clock.Advance(1500ms);
  EXPECT_EQ(fleet.inspects, 1);  // the others wait for the slot
  clock.Advance(2s);
  EXPECT_EQ(watch->looks(), 1u);
  EXPECT_EQ(fleet.inspects, 2);
  watch->Stop();
}

TEST_F(DriftWatchTest, ATenantARolloutHoldsIsNotLookedAt) {
  AddTenants(1);
  std::shared_ptr<TenantLeases::Hold> held;
  leases->Acquire("t0", "rollout r1", [&](std::shared_ptr<TenantLeases::Hold> h) { held = std::move(h); });
  ASSERT_TRUE(held);
  auto watch = Watch(DriftWatchConfig{.interval = 5s});
  clock.Advance(12s);
  EXPECT_EQ(fleet.inspects, 0);
  held.reset();
  clock.Advance(5s);
  EXPECT_EQ(fleet.inspects, 1);
  watch->Stop();
}

TEST_F(DriftWatchTest, CordonedTenantsAreNotWatched) {
  AddTenants(2);
  Result<Tenant> t1 = store.GetTenant("t1");
  ASSERT_TRUE(t1.ok());
  t1->state = TenantState::kCordoned;
  ASSERT_TRUE(store.PutTenants({*t1}).ok());
  auto watch = Watch(DriftWatchConfig{.interval = 10s});
  clock.Advance(20s);
  EXPECT_EQ(watch->Snapshot().count("t1"), 0u);
  EXPECT_EQ(watch->Snapshot().count("t0"), 1u);
  watch->Stop();
}

}  // namespace
}  // namespace rollcall
