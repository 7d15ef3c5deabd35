// The Store contract, run unchanged against every implementation: the same
// typed cases for MemoryStore, SqliteStore (a file in a temp dir) and
// PgStore (a schema of its own in the PostgreSQL that ctest's `postgres`
// fixture starts, scripts/pg-test-server.sh). SQLite-only behaviour is in
// sqlite_store_test.cpp, PostgreSQL-only in pg_store_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "core/json_codec.h"
#include "store/memory_store.h"
#include "store/pg_store.h"
#include "store/pg_test_server.h"
#include "store/sqlite_store.h"
#include "store/store_test_data.h"

namespace rollcall::store_test {
namespace {

struct MemoryMaker {
  static bool Available(std::string&) { return true; }
  static std::unique_ptr<Store> Make(const TempDir&) { return std::make_unique<MemoryStore>(); }
};

struct SqliteMaker {
  static bool Available(std::string&) { return true; }
  static std::unique_ptr<Store> Make(const TempDir& dir) {
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(dir.File("rollcall.db"));
    EXPECT_TRUE(store.ok()) << store.status().message();
    if (!store.ok()) return nullptr;
    return std::move(store).value();
  }
};

struct PgMaker {
  static bool Available(std::string& why) { return PgTestServer::Available(why); }
  static std::unique_ptr<Store> Make(const TempDir&) {
    Result<std::string> conninfo = PgTestServer::FreshSchema();
    EXPECT_TRUE(conninfo.ok()) << conninfo.status().message();
    if (!conninfo.ok()) return nullptr;
    Result<std::unique_ptr<PgStore>> store = PgStore::Open(*conninfo);
    EXPECT_TRUE(store.ok()) << store.status().message();
    if (!store.ok()) return nullptr;
    return std::move(store).value();
  }
};

template <typename Maker>
class StoreConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why; !Maker::Available(why)) {
      if (PgTestServer::Required()) FAIL() << why;
      GTEST_SKIP() << why;
    }
    ASSERT_TRUE(dir_.ok());
    store_ = Maker::Make(dir_);
    ASSERT_NE(store_, nullptr);
  }
  Store& store() { return *store_; }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

struct MakerNames {
  template <typename T>
  static std::string GetName(int) {
    if (std::is_same_v<T, MemoryMaker>) return "Memory";
    return std::is_same_v<T, SqliteMaker> ? "Sqlite" : "Pg";
  }
};
using Makers = ::testing::Types<MemoryMaker, SqliteMaker, PgMaker>;
TYPED_TEST_SUITE(StoreConformanceTest, Makers, MakerNames);

// ---- tenants ----

TYPED_TEST(StoreConformanceTest, TenantsRoundTripEveryField) {
  Tenant full = FullTenant("acme");
  full.running_image = "registry.test/custom:v1";  // a new tenant is stored as given
  full.running_seq = 1;
  Tenant minimal = Minimal("bravo");
  minimal.image_repo.reset();
  ASSERT_TRUE(this->store().PutTenants({full, minimal}).ok());
  ExpectSameTenant(full, *this->store().GetTenant("acme"));
  ExpectSameTenant(minimal, *this->store().GetTenant("bravo"));
}

TYPED_TEST(StoreConformanceTest, ListTenantsIsSortedBySlug) {
  ASSERT_TRUE(this->store().PutTenants({Minimal("c"), Minimal("a"), Minimal("b-2")}).ok());
  ASSERT_TRUE(this->store().PutTenants({Minimal("b")}).ok());
  Result<std::vector<Tenant>> all = this->store().ListTenants();
  ASSERT_TRUE(all.ok());
  std::vector<std::string> slugs;
  for (const auto& t : *all) slugs.push_back(t.slug);
  EXPECT_EQ(slugs, (std::vector<std::string>{"a", "b", "b-2", "c"}));
}

TYPED_TEST(StoreConformanceTest, UnknownTenantIsNotFound) {
  ExpectNotFound(this->store().GetTenant("zz").status(), "tenant zz not found");
  ExpectNotFound(this->store().DeleteTenant("zz"), "tenant zz not found");
  ExpectNotFound(this->store().ObserveTenant("zz", {.running_image = "x"}), "tenant zz not found");
}

TYPED_TEST(StoreConformanceTest, ReRegisteringATenantKeepsWhatTheServerObserved) {
  ASSERT_TRUE(this->store().PutTenants({Minimal("a")}).ok());
  ASSERT_TRUE(this->store()
                  .ObserveTenant("a", {.running_image = "repo:v3", .running_seq = 3,
                                       .quarantined = true, .quarantine_reason = "stuck"})
                  .ok());
  Tenant again = FullTenant("a");  // a request never carries observations
  ASSERT_TRUE(this->store().PutTenants({again}).ok());
  Tenant got = *this->store().GetTenant("a");
  EXPECT_EQ(got.labels, again.labels);
  EXPECT_EQ(got.state, TenantState::kCordoned);
  EXPECT_EQ(got.running_image, "repo:v3");
  EXPECT_EQ(got.running_seq, std::optional<int64_t>(3));
  EXPECT_TRUE(got.quarantined);
  EXPECT_EQ(got.quarantine_reason, "stuck");
}

TYPED_TEST(StoreConformanceTest, PutTenantsTakesTheLastOfDuplicatesAndAcceptsAnEmptyList) {
  Tenant first = Minimal("a");
  first.base_url = "http://first";
  Tenant second = Minimal("a");
  second.base_url = "http://second";
  ASSERT_TRUE(this->store().PutTenants({first, second}).ok());
  ASSERT_TRUE(this->store().PutTenants({}).ok());
  EXPECT_EQ(this->store().GetTenant("a")->base_url, "http://second");
  EXPECT_EQ(this->store().ListTenants()->size(), 1u);
}

TYPED_TEST(StoreConformanceTest, DeleteTenantRemovesIt) {
  ASSERT_TRUE(this->store().PutTenants({Minimal("a"), Minimal("b")}).ok());
  ASSERT_TRUE(this->store().DeleteTenant("a").ok());
  ExpectNotFound(this->store().GetTenant("a").status(), "tenant a not found");
  ExpectNotFound(this->store().DeleteTenant("a"), "tenant a not found");
  EXPECT_EQ(this->store().ListTenants()->size(), 1u);
}

TYPED_TEST(StoreConformanceTest, ObserveTenantChangesOnlyTheFieldsThatAreSet) {
  Store& s = this->store();
  ASSERT_TRUE(s.PutTenants({FullTenant("a")}).ok());
  ASSERT_TRUE(s.ObserveTenant("a", {.running_image = "repo:v1"}).ok());
  ASSERT_TRUE(s.ObserveTenant("a", {.running_seq = 7}).ok());
  ASSERT_TRUE(s.ObserveTenant("a", {.quarantined = true, .quarantine_reason = "dead"}).ok());
  Tenant got = *s.GetTenant("a");
  EXPECT_EQ(got.running_image, "repo:v1");
  EXPECT_EQ(got.running_seq, std::optional<int64_t>(7));
  EXPECT_TRUE(got.quarantined);
  EXPECT_EQ(got.quarantine_reason, "dead");
  EXPECT_EQ(got.labels, FullTenant("a").labels);

  // A reason without the flag changes nothing; clearing the flag clears it.
  ASSERT_TRUE(s.ObserveTenant("a", {.quarantine_reason = "ignored"}).ok());
  EXPECT_EQ(s.GetTenant("a")->quarantine_reason, "dead");
  ASSERT_TRUE(s.ObserveTenant("a", {.quarantined = false, .quarantine_reason = "x"}).ok());
  got = *s.GetTenant("a");
  EXPECT_FALSE(got.quarantined);
  EXPECT_EQ(got.quarantine_reason, "");
  EXPECT_EQ(got.running_image, "repo:v1");
  EXPECT_EQ(got.running_seq, std::optional<int64_t>(7));
}

// ---- rollouts ----

TYPED_TEST(StoreConformanceTest, RolloutHeaderRoundTripsAndPutRolloutIgnoresResults) {
  Rollout r = FullRollout("r1", 1'700'000'000'000);
  Rollout with_rows = r;
  with_rows.results = {Row("a")};
  ASSERT_TRUE(this->store().PutRollout(with_rows).ok());
  ExpectSameRollout(r, *this->store().GetRollout("r1"));
}

TYPED_TEST(StoreConformanceTest, ADefaultRolloutRoundTrips) {
  Rollout r;  // no tag, no timestamps: the store returns what it was given
  r.id = "r1";
  ASSERT_TRUE(this->store().PutRollout(r).ok());
  ExpectSameRollout(r, *this->store().GetRollout("r1"));
}

TYPED_TEST(StoreConformanceTest, PutRolloutReplacesTheHeaderAndKeepsResults) {
  Store& s = this->store();
  Rollout r = FullRollout("r1", 100);
  ASSERT_TRUE(s.PutRollout(r).ok());
  ASSERT_TRUE(s.PutResult("r1", Row("a")).ok());
  r.state = RolloutState::kSucceeded;
  r.stragglers.clear();
  r.error.clear();
  r.finished_at_ms = 999;
  ASSERT_TRUE(s.PutRollout(r).ok());
  Rollout got = *s.GetRollout("r1");
  r.results = {Row("a")};
  ExpectSameRollout(r, got);
}

TYPED_TEST(StoreConformanceTest, UnknownRolloutIsNotFound) {
  Store& s = this->store();
  const std::string msg = "rollout nope not found";
  ExpectNotFound(s.GetRollout("nope").status(), msg);
  ExpectNotFound(s.MarkStarted("nope", {"a", "window", 1}), msg);
  ExpectNotFound(s.PutResult("nope", Row("a")), msg);
  ExpectNotFound(s.InFlight("nope").status(), msg);
  ExpectNotFound(s.EventsAfter("nope", 0).status(), msg);
  RolloutEvent e = Event("nope", kEventRolloutState);
  ExpectNotFound(s.AppendEvent(e), msg);
  EXPECT_EQ(e.id, 0);
}

TYPED_TEST(StoreConformanceTest, ResultsFollowTheEnumeratedOrderAndUpsertBySlug) {
  Store& s = this->store();
  Rollout r = FullRollout("r1", 100);
  r.enumerated = {"c1", "c2", "a", "b"};
  ASSERT_TRUE(s.PutRollout(r).ok());
  for (const char* slug : {"b", "zz-not-enumerated", "c2", "a", "c1"}) {
    ASSERT_TRUE(s.PutResult("r1", Row(slug)).ok());
  }
  TenantResult retried = Row("b", TenantStatus::kOffTarget);
  retried.exit_code.reset();
  retried.verified_on_target = false;
  retried.error = "";
  ASSERT_TRUE(s.PutResult("r1", retried).ok());

  Rollout got = *s.GetRollout("r1");
  EXPECT_EQ(Slugs(got.results), (std::vector<std::string>{"c1", "c2", "a", "b"}));
  ExpectSameRow(Row("c1"), got.results[0]);
  ExpectSameRow(retried, got.results[3]);
}

// The engine's writes of one turn land together, in order: marks, rows
// (clearing their marks), observations (one of a removed tenant skipped),
// events with increasing ids.
TYPED_TEST(StoreConformanceTest, ABatchCommitsEveryWriteInOrderAndNumbersItsEvents) {
  Store& s = this->store();
  ASSERT_TRUE(s.PutTenants({Minimal("a"), Minimal("b")}).ok());
  ASSERT_TRUE(s.PutRollout(FullRollout("r1", 100)).ok());
  const int64_t before = *s.LastEventId();
  LedgerBatch batch;
  batch.MarkStarted("r1", {"a", "window", 10});
  batch.MarkStarted("r1", {"b", "window", 11});
  batch.AppendEvent(Event("r1", kEventTenantStarted));
  batch.PutResult("r1", Row("a"));
  TenantObservation seen;
  seen.running_image = "img:v2";
  seen.running_seq = 2;
  seen.quarantined = false;
  batch.ObserveTenant("a", seen);
  batch.ObserveTenant("gone", seen);  // removed meanwhile: skipped
  TenantObservation held;  // two observations of b in one batch: applied in order
  held.quarantined = true;
  held.quarantine_reason = "stuck";
  batch.ObserveTenant("b", held);
  TenantObservation later;
  later.running_image = "img:v1";
  batch.ObserveTenant("b", later);
  batch.AppendEvent(Event("r1", kEventTenantFinished));
  batch.AppendEvent(Event("", "quarantine"));
  Status committed = s.Commit(batch);
  ASSERT_TRUE(committed.ok()) << committed.message();

  std::vector<int64_t> ids;
  for (const LedgerWrite& w : batch.writes()) {
    if (w.kind == LedgerWrite::Kind::kAppendEvent) ids.push_back(w.event.id);
  }
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_GT(ids[0], before);
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_LT(ids[1], ids[2]);
  EXPECT_EQ(*s.LastEventId(), ids[2]);
  std::vector<InFlightTenant> in_flight = *s.InFlight("r1");
  ASSERT_EQ(in_flight.size(), 1u);  // a's row cleared its mark
  EXPECT_EQ(in_flight[0].slug, "b");
  Rollout got = *s.GetRollout("r1");
  ASSERT_EQ(got.results.size(), 1u);
  ExpectSameRow(Row("a"), got.results[0]);
  EXPECT_EQ(s.GetTenant("a")->running_image, "img:v2");
  EXPECT_EQ(s.GetTenant("a")->running_seq, 2);
  EXPECT_EQ(s.GetTenant("b")->running_image, "img:v1");
  EXPECT_TRUE(s.GetTenant("b")->quarantined);
  EXPECT_EQ(s.GetTenant("b")->quarantine_reason, "stuck");
  std::vector<RolloutEvent> events = *s.EventsAfter("r1", before);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, kEventTenantStarted);
  EXPECT_EQ(events[1].type, kEventTenantFinished);
  EXPECT_EQ(s.FleetEventsAfter(before, 10)->size(), 3u);
}

TYPED_TEST(StoreConformanceTest, PutResultClearsTheInFlightMark) {
  Store& s = this->store();
  ASSERT_TRUE(s.PutRollout(FullRollout("r1", 100)).ok());
  ASSERT_TRUE(s.PutRollout(FullRollout("r2", 200)).ok());
  ASSERT_TRUE(s.MarkStarted("r1", {"b", "window", 20}).ok());
  ASSERT_TRUE(s.MarkStarted("r1", {"a", "canary", 10}).ok());
  ASSERT_TRUE(s.MarkStarted("r1", {"a", "canary", 11}).ok());  // re-marked: replaced
  ASSERT_TRUE(s.MarkStarted("r2", {"a", "window", 30}).ok());

  std::vector<InFlightTenant> in_flight = *s.InFlight("r1");
  ASSERT_EQ(in_flight.size(), 2u);  // by slug
  EXPECT_EQ(in_flight[0].slug, "a");
  EXPECT_EQ(in_flight[0].phase, "canary");
  EXPECT_EQ(in_flight[0].started_at_ms, 11);
  EXPECT_EQ(in_flight[1].slug, "b");

  ASSERT_TRUE(s.PutResult("r1", Row("a")).ok());
  in_flight = *s.InFlight("r1");
  ASSERT_EQ(in_flight.size(), 1u);
  EXPECT_EQ(in_flight[0].slug, "b");
  EXPECT_EQ(s.InFlight("r2")->size(), 1u);  // another rollout's mark stays
  ASSERT_TRUE(s.PutResult("r1", Row("c")).ok());  // never marked: fine
  EXPECT_EQ(s.InFlight("r1")->size(), 1u);
}

TYPED_TEST(StoreConformanceTest, ListRolloutsFiltersByStateInCreationOrder) {
  Store& s = this->store();
  Rollout r1 = FullRollout("r1", 100);
  Rollout r2 = FullRollout("r2", 200);
  r2.state = RolloutState::kFailed;
  Rollout r3 = FullRollout("r3", 300);
  for (const Rollout& r : {r3, r1, r2}) ASSERT_TRUE(s.PutRollout(r).ok());
  ASSERT_TRUE(s.PutResult("r3", Row("a")).ok());

  std::vector<Rollout> all = *s.ListRollouts(std::nullopt);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "r1");
  EXPECT_EQ(all[1].id, "r2");
  EXPECT_EQ(all[2].id, "r3");
  EXPECT_EQ(Slugs(all[2].results), std::vector<std::string>{"a"});  // with results

  std::vector<Rollout> running = *s.ListRollouts(RolloutState::kRunning);
  ASSERT_EQ(running.size(), 2u);
  EXPECT_EQ(running[0].id, "r1");
  EXPECT_EQ(running[1].id, "r3");
  EXPECT_EQ(s.ListRollouts(RolloutState::kFailed)->size(), 1u);
  EXPECT_TRUE(s.ListRollouts(RolloutState::kPaused)->empty());
}

// ---- events ----

TYPED_TEST(StoreConformanceTest, EventIdsIncreaseAcrossRolloutsAndReplayAfterAnId) {
  Store& s = this->store();
  ASSERT_TRUE(s.PutRollout(FullRollout("r1", 100)).ok());
  ASSERT_TRUE(s.PutRollout(FullRollout("r2", 200)).ok());
  RolloutEvent a = Event("r1", kEventTenantStarted);
  RolloutEvent other = Event("r2", kEventTenantStarted);
  RolloutEvent b = Event("r1", kEventTenantFinished);
  RolloutEvent c = Event("r1", kEventRolloutState, /*final=*/true);
  c.data = {{"state", "succeeded"}};
  for (RolloutEvent* e : {&a, &other, &b, &c}) ASSERT_TRUE(s.AppendEvent(*e).ok());
  EXPECT_GT(a.id, 0);
  EXPECT_LT(a.id, other.id);
  EXPECT_LT(other.id, b.id);
  EXPECT_LT(b.id, c.id);

  std::vector<RolloutEvent> all = *s.EventsAfter("r1", 0);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, a.id);
  EXPECT_EQ(all[0].rollout_id, "r1");
  EXPECT_EQ(all[0].type, kEventTenantStarted);
  EXPECT_EQ(all[0].data, a.data);
  EXPECT_EQ(all[0].at_ms, 1234);
  EXPECT_FALSE(all[0].final);
  EXPECT_TRUE(all[2].final);
  EXPECT_EQ(all[2].data, c.data);

  std::vector<RolloutEvent> after = *s.EventsAfter("r1", a.id);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].id, b.id);
  EXPECT_TRUE(s.EventsAfter("r1", c.id)->empty());
  EXPECT_EQ(s.EventsAfter("r2", 0)->size(), 1u);
}

TYPED_TEST(StoreConformanceTest, FleetEventsShareOneSequenceWithRolloutEvents) {
  Store& s = this->store();
  EXPECT_EQ(*s.LastEventId(), 0);
  ASSERT_TRUE(s.PutRollout(FullRollout("r1", 100)).ok());
  RolloutEvent a = Event("r1", kEventTenantStarted);
  RolloutEvent drift = Event("", "drift");
  RolloutEvent b = Event("r1", kEventTenantFinished);
  for (RolloutEvent* e : {&a, &drift, &b}) ASSERT_TRUE(s.AppendEvent(*e).ok());
  EXPECT_LT(a.id, drift.id);
  EXPECT_LT(drift.id, b.id);
  EXPECT_EQ(s.EventsAfter("r1", 0)->size(), 2u);  // a rollout's stream holds only its own

  std::vector<RolloutEvent> all = *s.FleetEventsAfter(0, 100);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].id, drift.id);
  EXPECT_EQ(all[1].rollout_id, "");
  EXPECT_EQ(all[1].type, "drift");
  EXPECT_EQ(all[1].data, drift.data);
  EXPECT_EQ(all[0].rollout_id, "r1");
  std::vector<RolloutEvent> page = *s.FleetEventsAfter(a.id, 1);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].id, drift.id);
  EXPECT_TRUE(s.FleetEventsAfter(b.id, 100)->empty());
  EXPECT_EQ(*s.LastEventId(), b.id);
  RolloutEvent orphan = Event("nope", kEventTenantStarted);
  ExpectNotFound(s.AppendEvent(orphan), "rollout nope not found");
}

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
  const ChannelRecord second{"latest", "v42", 42, "sha256:bb", 2000, false, ""};
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
