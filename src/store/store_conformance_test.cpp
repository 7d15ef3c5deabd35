// The Store contract (store_conformance.h): tenants, rollouts, events.
#include <atomic>
#include <thread>

#include "store/store_conformance.h"

namespace rollcall::store_test {
namespace {

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

TYPED_TEST(StoreConformanceTest, GetTenantsReadsThoseThatExistInOneCall) {
  Tenant full = FullTenant("acme");
  ASSERT_TRUE(this->store().PutTenants({full, Minimal("b\"q"), Minimal("c")}).ok());
  ASSERT_TRUE(this->store().ObserveTenant("acme", {.running_seq = 7}).ok());
  full.running_seq = 7;
  Result<std::map<std::string, Tenant>> some = this->store().GetTenants({"acme", "zz", "b\"q"});
  ASSERT_TRUE(some.ok()) << some.status().message();
  ASSERT_EQ(some->size(), 2u);  // an unknown slug is simply absent
  ExpectSameTenant(full, some->at("acme"));
  EXPECT_EQ(some->at("b\"q").slug, "b\"q");
  Result<std::map<std::string, Tenant>> none = this->store().GetTenants({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
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

TYPED_TEST(StoreConformanceTest, ARolloutPageIsNewestFirstWithRowCountsAndNoRows) {
  Store& s = this->store();
  Rollout r1 = FullRollout("r1", 100);
  Rollout r2 = FullRollout("r2", 200);
  r2.state = RolloutState::kFailed;
  Rollout r3 = FullRollout("r3", 300);
  Rollout r3b = FullRollout("r3b", 300);  // same instant: the id breaks the tie
  for (const Rollout& r : {r3, r1, r3b, r2}) ASSERT_TRUE(s.PutRollout(r).ok());
  TenantResult off = Row("c2", TenantStatus::kOffTarget);
  off.verified_on_target = false;
  for (const TenantResult& row : {Row("c1"), off, Row("a")}) ASSERT_TRUE(s.PutResult("r3", row).ok());

  Result<std::vector<RolloutListing>> all = s.ListRolloutPage({});
  ASSERT_TRUE(all.ok()) << all.status().message();
  std::vector<std::string> ids;
  for (const RolloutListing& l : *all) ids.push_back(l.rollout.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"r3b", "r3", "r2", "r1"}));
  const RolloutListing& r3_listing = (*all)[1];
  EXPECT_TRUE(r3_listing.rollout.results.empty());
  EXPECT_EQ(r3_listing.rollout.enumerated, r3.enumerated);
  EXPECT_EQ(r3_listing.rollout.created_by, "ci-deploy");
  EXPECT_EQ(r3_listing.rows_by_status, (std::map<TenantStatus, int64_t>{{TenantStatus::kSuccess, 2},
                                                                        {TenantStatus::kOffTarget, 1}}));
  EXPECT_EQ(r3_listing.verified, 2);
  EXPECT_TRUE((*all)[0].rows_by_status.empty());

  Result<std::vector<RolloutListing>> page = s.ListRolloutPage({std::nullopt, 2, ""});
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[1].rollout.id, "r3");
  Result<std::vector<RolloutListing>> older = s.ListRolloutPage({std::nullopt, 2, "r3"});
  ASSERT_EQ(older->size(), 2u);
  EXPECT_EQ((*older)[0].rollout.id, "r2");
  EXPECT_EQ((*older)[1].rollout.id, "r1");
  Result<std::vector<RolloutListing>> failed = s.ListRolloutPage({RolloutState::kFailed, 0, ""});
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ((*failed)[0].rollout.id, "r2");
  EXPECT_EQ(s.ListRolloutPage({std::nullopt, 0, "nope"}).status().code(), Status::Code::kNotFound);
}

TYPED_TEST(StoreConformanceTest, CountRolloutsByStateReadsNoRollout) {
  Store& s = this->store();
  EXPECT_TRUE(s.CountRollouts()->empty());
  Rollout r2 = FullRollout("r2", 200);
  r2.state = RolloutState::kFailed;
  for (const Rollout& r : {FullRollout("r1", 100), r2, FullRollout("r3", 300)}) ASSERT_TRUE(s.PutRollout(r).ok());
  EXPECT_EQ(*s.CountRollouts(),
            (std::map<RolloutState, int64_t>{{RolloutState::kRunning, 2}, {RolloutState::kFailed, 1}}));
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

}  // namespace
}  // namespace rollcall::store_test
