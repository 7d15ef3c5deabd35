// The Store contract (store_conformance.h): the fleet's history and
// settings — audit trail, drift statuses, desired release, freeze,
// channels, legacy canaries, process groups.
#include <atomic>
#include <thread>

#include "store/store_conformance.h"

namespace rollcall::store_test {
namespace {
// ---- audit ----

TYPED_TEST(StoreConformanceTest, TheAuditTrailListsNewestFirstWithFiltersAndACursor) {
  Store& s = this->store();
  std::vector<AuditEntry> entries = {
      {0, 100, "drift-watch", "drift", "a", "drifted", {{"state", "drifted"}}},
      {0, 200, "auto-recover", "recover", "a", "attempt 1", {{"rollout_id", "r9"}}},
      {0, 300, "drift-watch", "drift", "b", "", Json::object()},
      {0, 400, "admin", "recover", "", "by hand", Json::object()},
  };
  for (AuditEntry& e : entries) ASSERT_TRUE(s.AppendAudit(e).ok());
  EXPECT_LT(entries[0].id, entries[1].id);

  std::vector<AuditEntry> all = *s.ListAudit({});
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].actor, "admin");  // newest first
  EXPECT_EQ(all[3].id, entries[0].id);
  EXPECT_EQ(all[3].at_ms, 100);
  EXPECT_EQ(all[3].kind, "drift");
  EXPECT_EQ(all[3].target, "a");
  EXPECT_EQ(all[3].reason, "drifted");
  EXPECT_EQ(all[3].data, entries[0].data);

  AuditQuery by_actor;
  by_actor.actor = "drift-watch";
  EXPECT_EQ(s.ListAudit(by_actor)->size(), 2u);
  AuditQuery by_kind;
  by_kind.kind = "recover";
  by_kind.since_ms = 250;
  std::vector<AuditEntry> recent = *s.ListAudit(by_kind);
  ASSERT_EQ(recent.size(), 1u);
  EXPECT_EQ(recent[0].actor, "admin");
  AuditQuery page;
  page.limit = 2;
  std::vector<AuditEntry> first = *s.ListAudit(page);
  ASSERT_EQ(first.size(), 2u);
  page.before_id = first.back().id;  // the next page starts below the last one seen
  std::vector<AuditEntry> second = *s.ListAudit(page);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].id, entries[1].id);
  EXPECT_EQ(second[1].id, entries[0].id);
}

// ---- drift ----

TYPED_TEST(StoreConformanceTest, DriftStatusRoundTripsAndGoesWithItsTenant) {
  Store& s = this->store();
  ASSERT_TRUE(s.PutTenants({Minimal("a"), Minimal("b")}).ok());
  DriftStatus d;
  d.state = DriftState::kDrifted;
  d.since_ms = 1'700'000'000'000;
  d.detail = "runs app:v1, not app:v2";
  d.last = {1'700'000'060'000, true, "app:v1", 41, false, true, "abc1234", "app:v1", true, true};
  ASSERT_TRUE(s.PutDriftStatus("a", d).ok());
  DriftStatus later = d;
  later.state = DriftState::kUnreachable;
  later.last = TenantSighting{};
  later.last.at_ms = 5;
  ASSERT_TRUE(s.PutDriftStatus("b", later).ok());
  ExpectNotFound(s.PutDriftStatus("nope", d), "tenant nope not found");

  std::map<std::string, DriftStatus> all = *s.ListDriftStatus();
  ASSERT_EQ(all.size(), 2u);
  const DriftStatus& got = all.at("a");
  EXPECT_EQ(got.state, DriftState::kDrifted);
  EXPECT_EQ(got.since_ms, d.since_ms);
  EXPECT_EQ(got.detail, d.detail);
  EXPECT_EQ(ToJson(got), ToJson(d));
  EXPECT_EQ(got.last.inspected_seq, 41);
  EXPECT_TRUE(got.last.inspected);
  EXPECT_EQ(got.last.buildinfo_image, "app:v1");
  EXPECT_FALSE(all.at("b").last.inspected_seq.has_value());

  d.state = DriftState::kOnTarget;  // a later transition replaces it
  ASSERT_TRUE(s.PutDriftStatus("a", d).ok());
  EXPECT_EQ(s.ListDriftStatus()->at("a").state, DriftState::kOnTarget);
  ASSERT_TRUE(s.DeleteTenant("a").ok());
  EXPECT_EQ(s.ListDriftStatus()->count("a"), 0u);
}

// ---- fencing ----

TYPED_TEST(StoreConformanceTest, DesiredReleaseRoundTrips) {
  Store& s = this->store();
  Result<std::optional<Release>> none = s.DesiredRelease();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(s.SetDesiredRelease({"v41", "abc1234", 41}).ok());
  ASSERT_TRUE(s.SetDesiredRelease({"v42", "", std::nullopt}).ok());
  std::optional<Release> got = *s.DesiredRelease();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->tag, "v42");
  EXPECT_EQ(got->git_sha, "");
  EXPECT_FALSE(got->seq.has_value());
  ASSERT_TRUE(s.SetDesiredRelease({"v43", "abc1234", 43}).ok());
  EXPECT_EQ(s.DesiredRelease()->value().seq, std::optional<int64_t>(43));
  EXPECT_EQ(s.DesiredRelease()->value().git_sha, "abc1234");
}

TYPED_TEST(StoreConformanceTest, FreezeRoundTripsAndClears) {
  Store& s = this->store();
  EXPECT_FALSE(s.GetFreeze()->has_value());
  ASSERT_TRUE(s.SetFreeze(FleetFreeze{"incident 42", 1234}).ok());
  std::optional<FleetFreeze> f = *s.GetFreeze();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->reason, "incident 42");
  EXPECT_EQ(f->since_ms, 1234);
  ASSERT_TRUE(s.SetFreeze(std::nullopt).ok());
  EXPECT_FALSE(s.GetFreeze()->has_value());
  EXPECT_TRUE(s.SetFreeze(std::nullopt).ok());  // unfreezing twice is fine
}

// ---- channels ----

TYPED_TEST(StoreConformanceTest, PromotionsMoveTheChannelOnlyFromWhatTheCallerSaw) {
  Store& s = this->store();
  EXPECT_FALSE(s.GetChannel("latest")->has_value());
  EXPECT_TRUE(s.ListChannels()->empty());
  const ChannelRecord first{"latest", "v41", 41, "sha256:aa", 1000, false, ""};
  const ChannelRecord second{"latest", "v42", 42, "sha256:bb", 2000, false, "", "ci-deploy"};
  const ChannelRecord back{"latest", "v41", 41, "sha256:aa", 3000, true, "v42 corrupts uploads"};
  ASSERT_TRUE(s.RecordPromotion(first, std::nullopt).ok());
  // A racer that also saw "no channel yet" loses.
  EXPECT_EQ(s.RecordPromotion(second, std::nullopt).code(), Status::Code::kConflict);
  ASSERT_TRUE(s.RecordPromotion(second, first).ok());
  EXPECT_EQ(s.RecordPromotion(back, first).code(), Status::Code::kConflict);  // stale view
  ASSERT_TRUE(s.RecordPromotion(back, second).ok());
  ASSERT_TRUE(s.RecordPromotion({"stable", "v40", std::nullopt, "sha256:cc", 500, false, ""}, std::nullopt).ok());

  std::optional<ChannelRecord> latest = *s.GetChannel("latest");
  ASSERT_TRUE(latest.has_value());
  EXPECT_TRUE(latest->SameAs(back));
  EXPECT_TRUE(latest->rollback);
  EXPECT_EQ(latest->reason, "v42 corrupts uploads");
  EXPECT_EQ(latest->promoted_at_ms, 3000);
  std::vector<ChannelRecord> all = *s.ListChannels();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].channel, "latest");
  EXPECT_EQ(all[1].channel, "stable");
  EXPECT_FALSE(all[1].seq.has_value());
  std::vector<ChannelRecord> history = *s.ChannelHistory("latest");
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].tag, "v41");
  EXPECT_EQ(history[1].tag, "v42");
  EXPECT_EQ(history[1].created_by, "ci-deploy");
  EXPECT_EQ(history[0].created_by, "");
  EXPECT_TRUE(history[2].rollback);
  EXPECT_TRUE(s.ChannelHistory("nightly")->empty());
}

TYPED_TEST(StoreConformanceTest, RacingPromotionsFromTheSameViewHaveOneWinner) {
  Store& s = this->store();
  constexpr int kRacers = 8;
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back([&s, &wins, i] {
      ChannelRecord mine{"latest", "v" + std::to_string(i), i, "sha256:" + std::to_string(i), i, false, ""};
      if (s.RecordPromotion(mine, std::nullopt).ok()) ++wins;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(s.ChannelHistory("latest")->size(), 1u);
}

TYPED_TEST(StoreConformanceTest, DesiredReleaseAdvancesOnlyFromWhatTheCallerSaw) {
  Store& s = this->store();
  const Release v1{"v1", "abc1234", 1}, v2{"v2", "", 2}, v3{"v3", "", 3};
  ASSERT_TRUE(s.AdvanceDesiredRelease(v1, std::nullopt).ok());
  EXPECT_EQ(s.AdvanceDesiredRelease(v2, std::nullopt).code(), Status::Code::kConflict);
  EXPECT_EQ(s.AdvanceDesiredRelease(v2, Release{"v1", "", 1}).code(), Status::Code::kConflict);  // exact match only
  ASSERT_TRUE(s.AdvanceDesiredRelease(v2, v1).ok());
  EXPECT_EQ(s.AdvanceDesiredRelease(v3, v1).code(), Status::Code::kConflict);
  EXPECT_EQ(s.DesiredRelease()->value(), v2);
  std::atomic<int> wins{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 8; ++i) {
    racers.emplace_back([&s, &wins, &v2, i] {
      if (s.AdvanceDesiredRelease(Release{"r" + std::to_string(i), "", 10 + i}, v2).ok()) ++wins;
    });
  }
  for (auto& t : racers) t.join();
  EXPECT_EQ(wins.load(), 1);
}

// ---- threads ----

TYPED_TEST(StoreConformanceTest, ConcurrentWritersAllLand) {
  Store& s = this->store();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  Rollout r = FullRollout("r1", 100);
  r.enumerated.clear();
  for (int i = 0; i < kThreads * kPerThread; ++i) r.enumerated.push_back("t" + std::to_string(i));
  ASSERT_TRUE(s.PutRollout(r).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&s, t] {
      for (int i = t * kPerThread; i < (t + 1) * kPerThread; ++i) {
        const std::string slug = "t" + std::to_string(i);
        EXPECT_TRUE(s.MarkStarted("r1", {slug, "window", i}).ok());
        EXPECT_TRUE(s.PutResult("r1", Row(slug)).ok());
        RolloutEvent e = Event("r1", kEventTenantFinished);
        EXPECT_TRUE(s.AppendEvent(e).ok());
        EXPECT_TRUE(s.GetRollout("r1").ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(s.GetRollout("r1")->results.size(), size_t{kThreads * kPerThread});
  EXPECT_TRUE(s.InFlight("r1")->empty());
  std::vector<RolloutEvent> events = *s.EventsAfter("r1", 0);
  ASSERT_EQ(events.size(), size_t{kThreads * kPerThread});
  for (size_t i = 1; i < events.size(); ++i) EXPECT_LT(events[i - 1].id, events[i].id);
}

// ---- the legacy endpoint's canary memory ----

TYPED_TEST(StoreConformanceTest, ALegacyCanaryIsRememberedPerTagAndReplaced) {
  EXPECT_FALSE(*this->store().LegacyCanaryFor("v1"));
  ASSERT_TRUE(this->store().RememberLegacyCanary({"v1", "acme", "r1", 100}).ok());
  ASSERT_TRUE(this->store().RememberLegacyCanary({"v2", "bravo", "r2", 200}).ok());
  ASSERT_TRUE(this->store().RememberLegacyCanary({"v1", "charlie", "r3", 300}).ok());
  std::optional<LegacyCanary> v1 = *this->store().LegacyCanaryFor("v1");
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->slug, "charlie");
  EXPECT_EQ(v1->dry_run_id, "r3");
  EXPECT_EQ(v1->at_ms, 300);
  EXPECT_EQ((*this->store().LegacyCanaryFor("v2"))->slug, "bravo");
}

// ---- exec deploys' process groups ----

TYPED_TEST(StoreConformanceTest, AProcessGroupIsRecordedUntilClearedByItsOwnId) {
  ProcessGroupRecord rec{"acme", "r1", 4242, 987654, "boot-1", 1'700'000'000'000};
  ASSERT_TRUE(this->store().RecordProcessGroup(rec).ok());
  std::optional<ProcessGroupRecord> got = *this->store().ProcessGroupOf("acme");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->rollout_id, "r1");
  EXPECT_EQ(got->pgid, 4242);
  EXPECT_EQ(got->leader_start_ticks, 987654);
  EXPECT_EQ(got->boot_id, "boot-1");
  EXPECT_EQ(got->deadline_ms, 1'700'000'000'000);
  ASSERT_TRUE(this->store().ClearProcessGroup("acme", 1).ok());  // another group: kept
  EXPECT_TRUE(*this->store().ProcessGroupOf("acme"));
  ASSERT_TRUE(this->store().ClearProcessGroup("acme", 4242).ok());
  EXPECT_FALSE(*this->store().ProcessGroupOf("acme"));
}

}  // namespace
}  // namespace rollcall::store_test
