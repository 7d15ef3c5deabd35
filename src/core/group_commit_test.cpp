// Group commit: the engine's per-tenant writes of one loop turn reach the
// store in one transaction, before the deploys they precede; a row and its
// event are never apart.
#include <gtest/gtest.h>

#include <cstdio>

#include "testing/engine_harness.h"

namespace rollcall {
namespace {

TEST(GroupCommitTest, TenantsThatStartAndFinishTogetherCostOneCommitEach) {
  EngineHarness h;
  constexpr int kTenants = 100;
  h.AddTenants(kTenants);
  Policy p = EngineHarness::TestPolicy();
  p.max_parallel = kTenants;  // all start at once, all finish at once (1 s deploys)
  const size_t before = h.store.writes();
  Rollout r = h.Run(p);
  ASSERT_EQ(r.state, RolloutState::kSucceeded);
  const size_t writes = h.store.writes() - before;
  std::printf("%zu write transactions for %d tenants\n", writes, kTenants);
  // Before the group commit: five writes per tenant (mark, started event,
  // row, observation, finished event) = 500. Now: the 100 starts in one
  // commit, the 100 results (row, observation, event) in one, and the
  // rollout's own writes (header, states, final event): a handful.
  EXPECT_LE(writes, 12u) << writes << " write transactions for " << kTenants << " tenants";
}

TEST(GroupCommitTest, EveryDeployFollowsTheCommitOfItsInFlightMark) {
  EngineHarness h;
  h.AddTenants(5);
  Policy p = EngineHarness::TestPolicy();
  p.max_parallel = 5;
  ASSERT_TRUE(h.Submit(p).ok());
  // Run task by task: whenever a deploy has been sent, its mark is durable.
  std::string id;
  for (int i = 0; i < 100000 && h.clock.Step(); ++i) {
    if (id.empty()) {
      Result<std::vector<Rollout>> all = h.store.ListRollouts(std::nullopt);
      if (all.ok() && !all->empty()) id = (*all)[0].id;
    }
    if (id.empty()) continue;
    Rollout stored = *h.store.GetRollout(id);
    std::vector<InFlightTenant> marks = *h.store.InFlight(id);
    for (const auto& call : h.fleet.deploys) {
      bool marked = false, finished = false;
      for (const auto& m : marks) marked = marked || m.slug == call.slug;
      for (const auto& row : stored.results) finished = finished || row.slug == call.slug;
      EXPECT_TRUE(marked || finished) << call.slug << " deployed before its in-flight mark was written";
    }
  }
}

TEST(GroupCommitTest, EachRowIsCommittedWithItsFinishedEvent) {
  EngineHarness h;
  h.AddTenants(20);
  Policy p = EngineHarness::TestPolicy();
  p.max_parallel = 7;
  Rollout r = h.Run(p);
  ASSERT_EQ(r.state, RolloutState::kSucceeded);
  std::vector<RolloutEvent> events = *h.store.EventsAfter(r.id, 0);
  for (const auto& row : r.results) {
    int finished = 0;
    for (const auto& e : events) finished += e.type == kEventTenantFinished && e.data.value("slug", "") == row.slug;
    EXPECT_EQ(finished, 1) << row.slug;
  }
  // Published as written: the sink saw the ledger's events, ids and all.
  ASSERT_EQ(h.sink.events.size(), events.size());
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(h.sink.events[i].id, events[i].id);
}

}  // namespace
}  // namespace rollcall
