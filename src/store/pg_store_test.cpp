// What only PgStore does: versioned migrations in the database, reconnecting
// after the server drops it, and compare-and-set writes serialised across
// connections (the way two controllers would race). The Store contract
// itself is store_conformance_test.cpp's.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/pg_db.h"
#include "store/pg_store.h"
#include "store/pg_test_server.h"
#include "store/store_test_data.h"

namespace rollcall::store_test {
namespace {

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why; !PgTestServer::Available(why)) {
      if (PgTestServer::Required()) FAIL() << why;
      GTEST_SKIP() << why;
    }
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
  EXPECT_EQ(store.status().message(), "postgres: schema version 99 is newer than this binary knows (1)");
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

}  // namespace
}  // namespace rollcall::store_test
