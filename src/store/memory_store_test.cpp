#include "store/memory_store.h"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

Tenant T(const std::string& slug) {
  Tenant t;
  t.slug = slug;
  return t;
}

TEST(MemoryStoreTest, ReRegisteringATenantKeepsWhatTheServerObserved) {
  MemoryStore store;
  ASSERT_TRUE(store.PutTenants({T("a")}).ok());
  ASSERT_TRUE(store.ObserveTenant("a", {.running_image = "repo:v3", .running_seq = 3,
                                        .quarantined = true, .quarantine_reason = "stuck"}).ok());
  Tenant again = T("a");
  again.labels["region"] = "eu";
  ASSERT_TRUE(store.PutTenants({again}).ok());
  Tenant got = *store.GetTenant("a");
  EXPECT_EQ(got.labels["region"], "eu");
  EXPECT_EQ(got.running_seq, std::optional<int64_t>(3));
  EXPECT_TRUE(got.quarantined);
  EXPECT_EQ(store.GetTenant("zz").status().code(), Status::Code::kNotFound);
}

TEST(MemoryStoreTest, ResultsClearInFlightAndEventsReplayAfterAnId) {
  MemoryStore store;
  Rollout r;
  r.id = "r1";
  r.enumerated = {"a"};
  ASSERT_TRUE(store.PutRollout(r).ok());
  ASSERT_TRUE(store.MarkStarted("r1", {"a", "window", 1}).ok());
  EXPECT_EQ(store.InFlight("r1")->size(), 1u);
  TenantResult row;
  row.slug = "a";
  ASSERT_TRUE(store.PutResult("r1", row).ok());
  EXPECT_TRUE(store.InFlight("r1")->empty());
  EXPECT_EQ(store.GetRollout("r1")->results.size(), 1u);

  RolloutEvent e1{0, "r1", "tenant_started", {}, 0, false};
  RolloutEvent e2{0, "r1", "tenant_finished", {}, 0, false};
  ASSERT_TRUE(store.AppendEvent(e1).ok());
  ASSERT_TRUE(store.AppendEvent(e2).ok());
  EXPECT_LT(e1.id, e2.id);
  auto after = store.EventsAfter("r1", e1.id);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].type, "tenant_finished");
  EXPECT_EQ(store.ListRollouts(RolloutState::kRunning)->size(), 0u);
  EXPECT_EQ(store.ListRollouts(std::nullopt)->size(), 1u);
}

}  // namespace
}  // namespace rollcall
