// What only PgStore does: versioned migrations in the database, reconnecting
// after the server drops it, and compare-and-set writes serialised across
// connections (the way two controllers would race). The Store contract
// itself is store_conformance_test.cpp's.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

#include <fmt/format.h>

#include "store/pg_db.h"
#include "store/pg_store.h"
#include "store/pg_test_server.h"
#include "store/store_test_data.h"

namespace rollcall::store_test {
namespace {

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ROLLCALL_SKIP_WITHOUT_POSTGRES();
    Result<std::string> conninfo = PgTestServer::FreshSchema();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status().message();
    conninfo_ = *conninfo;
  }

  std::unique_ptr<PgStore> Open(const std::string& extra = "") {
    Result<std::unique_ptr<PgStore>> store = PgStore::Open(conninfo_ + extra);
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // A second connection to the same schema, for what the store must not see.
  Result<pg::Rows> Admin(const char* sql) {
    if (!admin_) {
      Result<std::unique_ptr<pg::Connection>> c = pg::Connection::Open(conninfo_);
      if (!c.ok()) return c.status();
      admin_ = std::move(c).value();
    }
    return admin_->Exec("admin", sql);
  }

  std::string conninfo_;
  std::unique_ptr<pg::Connection> admin_;
};

TEST_F(PgStoreTest, TheSchemaIsVersionedAndMigratingAgainIsANoOp) {
  ASSERT_NE(Open(), nullptr);
  ASSERT_NE(Open(), nullptr);
  Result<pg::Rows> v = Admin("SELECT version FROM rollcall_schema");
  ASSERT_TRUE(v.ok()) << v.status().message();
  ASSERT_EQ(v->size(), 1);
  EXPECT_EQ((*v)[0].Int(0), static_cast<int64_t>(PgSchemaSteps().size()));
}

TEST_F(PgStoreTest, ASchemaNewerThanTheBinaryIsRefused) {
  ASSERT_NE(Open(), nullptr);
  ASSERT_TRUE(Admin("UPDATE rollcall_schema SET version = 99").ok());
  Result<std::unique_ptr<PgStore>> store = PgStore::Open(conninfo_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().message(), fmt::format("postgres: schema version 99 is newer than this binary knows ({})", PgSchemaSteps().size()));
}

TEST_F(PgStoreTest, AnUnreachableServerIsUnavailableAndThePasswordIsNeverShown) {
  Result<std::unique_ptr<PgStore>> store =
      PgStore::Open("host=127.0.0.1 port=1 user=rollcall dbname=rollcall connect_timeout=2", "s3cret-pw");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(store.status().message().rfind("postgres: connect: ", 0), 0u) << store.status().message();
  EXPECT_EQ(store.status().message().find("s3cret-pw"), std::string::npos);
}

TEST_F(PgStoreTest, ADroppedConnectionFailsOneCallThenIsReestablished) {
  std::unique_ptr<PgStore> store = Open(" application_name=rollcall-victim");
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->PutTenants({Minimal("a")}).ok());
  Result<pg::Rows> killed = Admin(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'rollcall-victim'");
  ASSERT_TRUE(killed.ok()) << killed.status().message();
  ASSERT_EQ(killed->size(), 1);
  Result<Tenant> during = store->GetTenant("a");
  if (!during.ok()) {
    EXPECT_EQ(during.status().code(), Status::Code::kUnavailable) << during.status().message();
    EXPECT_EQ(during.status().message().rfind("postgres: ", 0), 0u) << during.status().message();
  }
  Result<Tenant> after = store->GetTenant("a");
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(after->slug, "a");
}

// What the TTL would do in time, done at once: the lease runs out now.
constexpr const char* kExpireLease = "UPDATE leader_lease SET expires_at = clock_timestamp() - interval '1 ms'";

// A lost database ends no term: the leader's call fails Unavailable, the
// operator's log hears of the loss and of the return once each, and a later
// call reconnects (the engine retries; the lease decides whether the term
// outlives the outage).
TEST_F(PgStoreTest, ALostConnectionEndsNoTermAndALaterCallReconnects) {
  std::unique_ptr<PgStore> store = Open(" application_name=rollcall-term");
  ASSERT_NE(store, nullptr);
  std::vector<std::string> ends;
  std::vector<std::pair<bool, std::string>> reachability;
  store->OnTermEnd([&ends](const Status& s) { ends.push_back(s.message()); });
  store->OnReachability([&](bool up, const std::string& why) { reachability.emplace_back(up, why); });
  ASSERT_EQ(**store->TryAcquireLease("me", "http://me", std::chrono::seconds(10)), 1);
  store->FenceWrites(1);
  ASSERT_TRUE(Admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'rollcall-term'")
                  .ok());
  Status during = store->PutTenants({Minimal("a")});
  ASSERT_EQ(during.code(), Status::Code::kUnavailable) << during.message();
  EXPECT_EQ(during.message().rfind("postgres: ", 0), 0u) << during.message();
  // Bounded: the reconnect backoff is at most a second.
  Status after = Status::Unavailable("not tried");
  for (int i = 0; i < 300 && !after.ok(); ++i) {
    after = store->PutTenants({Minimal("a")});
    if (!after.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(after.ok()) << after.message();
  EXPECT_TRUE(ends.empty()) << ends[0];
  ASSERT_EQ(reachability.size(), 2u);
  EXPECT_FALSE(reachability[0].first);
  EXPECT_EQ(reachability[0].second.rfind("postgres: ", 0), 0u) << reachability[0].second;
  EXPECT_TRUE(reachability[1].first);
}

// A batch committed again (its first commit's answer lost with the
// connection, say) writes each event once and names the same ids.
TEST_F(PgStoreTest, ABatchCommittedTwiceWritesItsEventsOnce) {
  std::unique_ptr<PgStore> store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->PutRollout(FullRollout("r1", 1000)).ok());
  LedgerBatch batch;
  batch.PutResult("r1", Row("a"));
  batch.AppendEvent(Event("r1", kEventTenantFinished));
  batch.AppendEvent(Event("r1", kEventTenantStarted));
  ASSERT_TRUE(store->Commit(batch).ok());
  const int64_t first = batch.writes()[1].event.id, second = batch.writes()[2].event.id;
  ASSERT_GT(first, 0);
  ASSERT_GT(second, first);
  batch.AppendEvent(Event("r1", kEventTenantStarted));  // a write of the next turn joins the retry
  ASSERT_TRUE(store->Commit(batch).ok());
  EXPECT_EQ(batch.writes()[1].event.id, first);
  EXPECT_EQ(batch.writes()[2].event.id, second);
  EXPECT_GT(batch.writes()[3].event.id, second);
  Result<std::vector<RolloutEvent>> events = store->EventsAfter("r1", 0);
  ASSERT_TRUE(events.ok()) << events.status().message();
  EXPECT_EQ(events->size(), 3u);
}

// A leader whose own clock says its lease ran out writes nothing, even
// before anybody took the lease over; the term ends at that write.
TEST_F(PgStoreTest, AFencedWriteAsksTheLeadersClockFirst) {
  std::unique_ptr<PgStore> store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(**store->TryAcquireLease("me", "http://me", std::chrono::seconds(10)), 1);
  store->FenceWrites(1);
  bool may_act = true;
  std::vector<std::string> ends;
  store->GateWrites([&may_act] { return may_act; });
  store->OnTermEnd([&ends](const Status& s) { ends.push_back(s.message()); });
  ASSERT_TRUE(store->PutTenants({Minimal("a")}).ok());
  may_act = false;
  Status late = store->PutTenants({Minimal("b")});
  EXPECT_EQ(late.code(), Status::Code::kUnavailable) << late.message();
  EXPECT_THAT(late.message(), ::testing::HasSubstr("has run out by this controller's clock"));
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(store->ListTenants()->size(), 1u);  // b never written
  EXPECT_TRUE(store->GetTenant("a").ok());      // reads still answer
}

// A leader paused (SIGSTOP) inside a fenced write's transaction holds a
// share lock on the lease row. With its session limited, the server ends
// that transaction, and the standby's acquisition goes through instead of
// waiting for a process that may never run again.
TEST_F(PgStoreTest, ALeaderPausedInsideAWriteCannotHoldTheTakeoverBack) {
  Result<std::unique_ptr<pg::Connection>> paused = pg::Connection::Open(conninfo_);
  ASSERT_TRUE(paused.ok()) << paused.status().message();
  std::unique_ptr<PgStore> standby = Open();
  ASSERT_NE(standby, nullptr);
  ASSERT_TRUE(standby->LimitSession(std::chrono::seconds(10), std::chrono::seconds(5)).ok());
  // A lease that has run out already (1 ms), by the database's clock.
  ASSERT_EQ(**standby->TryAcquireLease("old", "http://old", std::chrono::milliseconds(1)), 1);
  ASSERT_TRUE((*paused)->SetSessionSql("SET idle_in_transaction_session_timeout = 300").ok());
  // What a fenced write does first, then nothing more: the process stopped.
  ASSERT_TRUE((*paused)->Exec("begin", "BEGIN").ok());
  ASSERT_TRUE((*paused)->Exec("check", "SELECT 1 FROM leader_lease WHERE id = 1 AND epoch = 1 FOR SHARE").ok());
  Result<std::optional<int64_t>> taken = standby->TryAcquireLease("new", "http://new", std::chrono::seconds(10));
  ASSERT_TRUE(taken.ok()) << taken.status().message();
  EXPECT_EQ(**taken, 2);
  // The paused one's transaction is gone with its session: it commits nothing.
  Result<pg::Rows> late = (*paused)->Exec("commit", "COMMIT");
  EXPECT_FALSE(late.ok());
}

// Two controllers (two connections) racing to advance the desired release
// from the same expected value, and to promote a channel over the same
// record: exactly one of each wins, every round.
TEST_F(PgStoreTest, CompareAndSetWritesHaveOneWinnerAcrossConnections) {
  std::unique_ptr<PgStore> a = Open();
  std::unique_ptr<PgStore> b = Open();
  ASSERT_TRUE(a && b);
  std::optional<Release> expected;
  std::optional<ChannelRecord> channel;
  for (int round = 1; round <= 20; ++round) {
    Release next{"v" + std::to_string(round), "", round};
    ChannelRecord promotion{"latest", next.tag, round, "sha256:aa", round, false, ""};
    std::atomic<int> release_wins{0}, release_conflicts{0}, promote_wins{0}, promote_conflicts{0};
    auto race = [&](PgStore& s) {
      Status r = s.AdvanceDesiredRelease(next, expected);
      (r.ok() ? release_wins : release_conflicts)++;
      EXPECT_TRUE(r.ok() || r.code() == Status::Code::kConflict) << r.message();
      Status p = s.RecordPromotion(promotion, channel);
      (p.ok() ? promote_wins : promote_conflicts)++;
      EXPECT_TRUE(p.ok() || p.code() == Status::Code::kConflict) << p.message();
    };
    std::thread ta([&] { race(*a); });
    std::thread tb([&] { race(*b); });
    ta.join();
    tb.join();
    ASSERT_EQ(release_wins.load(), 1) << "round " << round;
    ASSERT_EQ(promote_wins.load(), 1) << "round " << round;
    expected = next;
    channel = promotion;
  }
  EXPECT_EQ(a->DesiredRelease()->value().tag, "v20");
  EXPECT_EQ(b->ChannelHistory("latest")->size(), 20u);
}

// ---- the leader lease ----


TEST_F(PgStoreTest, TheLeaseIsTakenByCompareAndSetAndEachAcquisitionMovesTheEpochOn) {
  std::unique_ptr<PgStore> a = Open();
  std::unique_ptr<PgStore> b = Open();
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(a->CurrentLease()->has_value());
  Result<std::optional<int64_t>> first = a->TryAcquireLease("a", "http://a:7700", std::chrono::seconds(10));
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(**first, 1);
  EXPECT_FALSE(b->TryAcquireLease("b", "http://b:7700", std::chrono::seconds(10))->has_value());  // a's runs
  EXPECT_FALSE(a->TryAcquireLease("a", "http://a:7700", std::chrono::seconds(10))->has_value());  // renew, not retake
  ASSERT_TRUE(a->RenewLease("a", 1, std::chrono::seconds(10)).ok());
  Result<std::optional<LeaseView>> seen = b->CurrentLease();
  ASSERT_TRUE(seen.ok() && seen->has_value());
  EXPECT_EQ((*seen)->holder, "a");
  EXPECT_EQ((*seen)->url, "http://a:7700");
  EXPECT_EQ((*seen)->epoch, 1);
  EXPECT_GT((*seen)->expires_in_ms, 0);

  ASSERT_TRUE(Admin(kExpireLease).ok());
  Result<std::optional<int64_t>> second = b->TryAcquireLease("b", "http://b:7700", std::chrono::seconds(10));
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ(**second, 2);
  Status late = a->RenewLease("a", 1, std::chrono::seconds(10));
  EXPECT_EQ(late.code(), Status::Code::kConflict);
  EXPECT_NE(late.message().find("deposed"), std::string::npos) << late.message();

  ASSERT_TRUE(b->ReleaseLease("b", 2).ok());  // a standby need not wait out the TTL
  EXPECT_EQ(**a->TryAcquireLease("a", "http://a:7700", std::chrono::seconds(10)), 3);
}

// Every ledger write of a deposed leader fails and leaves the ledger as it
// was; the new leader's writes go through.
TEST_F(PgStoreTest, ADeposedLeaderWritesNothing) {
  std::unique_ptr<PgStore> old_leader = Open();
  std::unique_ptr<PgStore> new_leader = Open();
  ASSERT_TRUE(old_leader && new_leader);
  ASSERT_EQ(**old_leader->TryAcquireLease("old", "http://old", std::chrono::seconds(10)), 1);
  old_leader->FenceWrites(1);
  int term_ends = 0;
  old_leader->OnTermEnd([&term_ends](const Status&) { ++term_ends; });
  Rollout r = FullRollout("r1", 1000);
  ASSERT_TRUE(old_leader->PutTenants({Minimal("a")}).ok());
  ASSERT_TRUE(old_leader->PutRollout(r).ok());

  ASSERT_TRUE(Admin(kExpireLease).ok());
  ASSERT_EQ(**new_leader->TryAcquireLease("new", "http://new", std::chrono::seconds(10)), 2);
  new_leader->FenceWrites(2);

  const int64_t last_event = *new_leader->LastEventId();
  RolloutEvent event = Event("r1", kEventTenantStarted);
  RolloutEvent fleet_event = Event("", "drift");
  AuditEntry audit{0, 5, "old", "freeze", "", "", Json::object()};
  TenantObservation seen;
  seen.running_image = "img:v9";
  Rollout changed = r;
  changed.state = RolloutState::kCancelled;
  const std::vector<std::pair<std::string, std::function<Status()>>> writes = {
      {"PutTenants", [&] { return old_leader->PutTenants({Minimal("b")}); }},
      {"DeleteTenant", [&] { return old_leader->DeleteTenant("a"); }},
      {"ObserveTenant", [&] { return old_leader->ObserveTenant("a", seen); }},
      {"PutRollout", [&] { return old_leader->PutRollout(changed); }},
      {"MarkStarted", [&] { return old_leader->MarkStarted("r1", {"a", "window", 5}); }},
      {"PutResult", [&] { return old_leader->PutResult("r1", Row("a")); }},
      {"AppendEvent", [&] { return old_leader->AppendEvent(event); }},
      {"AppendEvent (fleet)", [&] { return old_leader->AppendEvent(fleet_event); }},
      {"AppendAudit", [&] { return old_leader->AppendAudit(audit); }},
      {"PutDriftStatus", [&] { return old_leader->PutDriftStatus("a", DriftStatus{}); }},
      {"SetDesiredRelease", [&] { return old_leader->SetDesiredRelease({"v9", "", 9}); }},
      {"AdvanceDesiredRelease", [&] { return old_leader->AdvanceDesiredRelease({"v9", "", 9}, std::nullopt); }},
      {"SetFreeze", [&] { return old_leader->SetFreeze(FleetFreeze{"stale", 1}); }},
      {"RecordPromotion",
       [&] { return old_leader->RecordPromotion({"latest", "v9", 9, "sha256:aa", 1, false, ""}, std::nullopt); }},
      {"RememberLegacyCanary", [&] { return old_leader->RememberLegacyCanary({"v9", "a", "r0", 5}); }},
      {"RecordProcessGroup", [&] { return old_leader->RecordProcessGroup({"a", "r1", 42, 1, "boot", 9}); }},
      {"ClearProcessGroup", [&] { return old_leader->ClearProcessGroup("a", 42); }},
  };
  for (const auto& [name, write] : writes) {
    Status s = write();
    EXPECT_EQ(s.code(), Status::Code::kConflict) << name << ": " << s.message();
    EXPECT_NE(s.message().find("deposed"), std::string::npos) << name << ": " << s.message();
  }
  EXPECT_EQ(term_ends, static_cast<int>(writes.size()));  // each refusal ends the term
  // Nothing of it reached the ledger.
  EXPECT_EQ(new_leader->ListTenants()->size(), 1u);
  EXPECT_EQ(new_leader->GetTenant("a")->running_image, "");
  EXPECT_EQ(new_leader->GetRollout("r1")->state, r.state);
  EXPECT_TRUE(new_leader->GetRollout("r1")->results.empty());
  EXPECT_TRUE(new_leader->InFlight("r1")->empty());
  EXPECT_EQ(*new_leader->LastEventId(), last_event);
  EXPECT_TRUE(new_leader->ListAudit({})->empty());
  EXPECT_TRUE(new_leader->ListDriftStatus()->empty());
  EXPECT_FALSE(new_leader->DesiredRelease()->has_value());
  EXPECT_FALSE(new_leader->GetFreeze()->has_value());
  EXPECT_TRUE(new_leader->ListChannels()->empty());
  EXPECT_FALSE(new_leader->LegacyCanaryFor("v9")->has_value());
  EXPECT_FALSE(new_leader->ProcessGroupOf("a")->has_value());
  // The new leader writes.
  EXPECT_TRUE(new_leader->PutTenants({Minimal("b")}).ok());
  EXPECT_TRUE(new_leader->AppendEvent(event).ok());
}

}  // namespace
}  // namespace rollcall::store_test
