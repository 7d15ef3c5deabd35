// A store that becomes unreachable mid-rollout (a networked database
// restarting or partitioned): the engine starts nothing whose in-flight mark
// it could not write, keeps every row it could not commit, retries with a
// backoff, and when the store answers again the rollout completes with
// every row, each tenant deployed once and each event written once.
#include <gtest/gtest.h>

#include <map>

#include "testing/engine_harness.h"

namespace rollcall {
namespace {

using namespace std::chrono_literals;

// Runs the clock until `done` or `limit` of virtual time passed.
template <typename Fn>
bool RunUntil(EngineHarness& h, Fn done, Duration limit) {
  const TimePoint end = h.clock.Now() + limit;
  while (!done() && h.clock.Now() < end) {
    if (!h.clock.Step()) h.clock.Advance(100ms);
  }
  return done();
}

std::map<std::string, int> DeploysPerTenant(const EngineHarness& h) {
  std::map<std::string, int> n;
  for (const auto& d : h.fleet.deploys) ++n[d.slug];
  return n;
}

TEST(StoreOutageTest, ARolloutWaitsOutAnUnreachableStoreThenCompletesWithEveryRow) {
  EngineHarness h;
  constexpr int kTenants = 30;
  h.AddTenants(kTenants);
  Policy p = EngineHarness::TestPolicy();
  p.max_parallel = 5;
  Result<SubmitOutcome> out = h.Submit(p);
  ASSERT_TRUE(out.ok()) << out.status().message();
  const std::string id = out->rollout.id;
  ASSERT_TRUE(RunUntil(h, [&] { return h.fleet.deploys.size() >= 10; }, 60s));

  h.store.SetDown(true);
  const size_t deploys_at_outage = h.fleet.deploys.size();
  // A minute of outage: the tenants in flight finish, nothing new starts.
  h.clock.Advance(60s);
  EXPECT_GT(h.store.refused(), 0u) << "the engine never noticed the outage";
  EXPECT_LE(h.fleet.deploys.size(), deploys_at_outage + static_cast<size_t>(p.max_parallel))
      << "tenants were deployed while their in-flight marks could not be written";
  const size_t deploys_during_outage = h.fleet.deploys.size();
  h.clock.Advance(60s);
  EXPECT_EQ(h.fleet.deploys.size(), deploys_during_outage) << "deploys went on without the store";

  h.store.SetDown(false);
  ASSERT_TRUE(h.clock.RunUntilIdle());
  Rollout r = h.Get(id);
  EXPECT_EQ(r.state, RolloutState::kSucceeded) << r.error;
  ASSERT_EQ(r.results.size(), static_cast<size_t>(kTenants));
  for (const auto& row : r.results) EXPECT_TRUE(row.verified_on_target) << row.slug << ": " << row.error;
  for (const auto& [slug, n] : DeploysPerTenant(h)) EXPECT_EQ(n, 1) << slug;
  EXPECT_EQ(DeploysPerTenant(h).size(), static_cast<size_t>(kTenants));
  // Each row's event once, in the ledger and on the stream.
  std::map<std::string, int> finished;
  const std::vector<RolloutEvent> events = *h.store.EventsAfter(id, 0);
  for (const auto& e : events) {
    if (e.type == kEventTenantFinished) ++finished[e.data.value("slug", "")];
  }
  EXPECT_EQ(finished.size(), static_cast<size_t>(kTenants));
  for (const auto& [slug, n] : finished) EXPECT_EQ(n, 1) << slug;
  int published = 0;
  for (const auto& e : h.sink.events) published += e.rollout_id == id && e.type == kEventTenantFinished;
  EXPECT_EQ(published, kTenants);
  // Every tenant's observation landed: it runs the release's seq.
  const std::vector<Tenant> tenants = *h.store.ListTenants();
  for (const auto& t : tenants) EXPECT_EQ(t.running_seq, 1) << t.slug;
}

// The outage comes as the last tenants finish: the verdict waits for their
// rows, and the ledger ends with the rollout's final state, not "running".
TEST(StoreOutageTest, AnOutageAsTheLastTenantsFinishDelaysTheVerdictUntilTheirRowsAreWritten) {
  EngineHarness h;
  h.AddTenants(8);
  Policy p = EngineHarness::TestPolicy();
  p.max_parallel = 8;
  Result<SubmitOutcome> out = h.Submit(p);
  ASSERT_TRUE(out.ok());
  const std::string id = out->rollout.id;
  ASSERT_TRUE(RunUntil(h, [&] { return h.fleet.deploys.size() == 8; }, 60s));
  h.store.SetDown(true);
  h.clock.Advance(120s);  // every tenant finished meanwhile
  EXPECT_EQ(h.fleet.in_flight, 0);
  h.store.SetDown(false);
  ASSERT_TRUE(h.clock.RunUntilIdle());
  Result<Rollout> stored = h.store.GetRollout(id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->state, RolloutState::kSucceeded) << stored->error;
  EXPECT_EQ(stored->results.size(), 8u);
  EXPECT_TRUE(h.store.InFlight(id)->empty());
  const std::vector<RolloutEvent> events = *h.store.EventsAfter(id, 0);
  ASSERT_FALSE(events.empty());
  EXPECT_TRUE(events.back().final);
}

// An operator's cancel during the outage stops the deploys at once; the
// rollout's end is recorded once the store answers.
TEST(StoreOutageTest, ACancelDuringAnOutageStopsDeploysAndIsRecordedWhenTheStoreReturns) {
  EngineHarness h;
  h.AddTenants(20);
  Policy p = EngineHarness::TestPolicy();
  p.max_parallel = 4;
  Result<SubmitOutcome> out = h.Submit(p);
  ASSERT_TRUE(out.ok());
  const std::string id = out->rollout.id;
  ASSERT_TRUE(RunUntil(h, [&] { return h.fleet.deploys.size() >= 6; }, 60s));
  h.store.SetDown(true);
  h.clock.Advance(5s);
  ASSERT_TRUE(h.service.Cancel(id).ok());
  const size_t deploys = h.fleet.deploys.size();
  h.clock.Advance(60s);
  EXPECT_EQ(h.fleet.deploys.size(), deploys);
  h.store.SetDown(false);
  ASSERT_TRUE(h.clock.RunUntilIdle());
  Rollout r = h.Get(id);
  EXPECT_EQ(r.state, RolloutState::kCancelled) << r.error;
  EXPECT_EQ(r.results.size(), 20u);
}

}  // namespace
}  // namespace rollcall
