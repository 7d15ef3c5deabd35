// What only a file-backed SqliteStore can show: reopening, WAL, schema
// versions, open errors, injected write failures, corrupt rows, two
// connections on one file. The shared contract is store_conformance_test.cpp.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

#include "store/sqlite_store.h"
#include "store/store_test_data.h"

namespace rollcall::store_test {
namespace {

// Runs `sql` on a separate connection to `path`; returns the first column of
// the first row ("" when none), or "error: <message>".
std::string Raw(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  std::string out;
  sqlite3_exec(
      db, sql.c_str(),
      [](void* arg, int, char** values, char**) {
        auto* text = static_cast<std::string*>(arg);
        if (text->empty() && values[0]) *text = values[0];
        return 0;
      },
      &out, nullptr);
  if (sqlite3_errcode(db) != SQLITE_OK) out = std::string("error: ") + sqlite3_errmsg(db);
  sqlite3_close(db);
  return out;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    Reopen();
  }
  void Reopen() {
    store_.reset();  // closes the file first
    Result<std::unique_ptr<SqliteStore>> s = SqliteStore::Open(path_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(s).value();
  }

  TempDir dir_;
  std::string path_ = dir_.File("rollcall.db");
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreTest, EverythingSurvivesClosingAndReopening) {
  Tenant t = FullTenant("acme");
  ASSERT_TRUE(store_->PutTenants({t}).ok());
  ASSERT_TRUE(store_->ObserveTenant("acme", {.running_image = "img:v1", .running_seq = 1}).ok());
  Rollout r = FullRollout("r1", 100);
  ASSERT_TRUE(store_->PutRollout(r).ok());
  ASSERT_TRUE(store_->PutResult("r1", Row("a")).ok());
  ASSERT_TRUE(store_->MarkStarted("r1", {"c1", "canary", 5}).ok());
  RolloutEvent e = Event("r1", kEventTenantStarted);
  ASSERT_TRUE(store_->AppendEvent(e).ok());
  ASSERT_TRUE(store_->SetDesiredRelease(r.release).ok());

  Reopen();
  t.running_image = "img:v1";
  t.running_seq = 1;
  ExpectSameTenant(t, *store_->GetTenant("acme"));
  r.results = {Row("a")};
  ExpectSameRollout(r, *store_->GetRollout("r1"));
  ASSERT_EQ(store_->InFlight("r1")->size(), 1u);
  EXPECT_EQ(store_->InFlight("r1")->front().slug, "c1");
  ASSERT_EQ(store_->EventsAfter("r1", 0)->size(), 1u);
  EXPECT_EQ(store_->EventsAfter("r1", 0)->front().data, e.data);
  EXPECT_EQ(store_->DesiredRelease()->value().tag, "v42");
  RolloutEvent next = Event("r1", kEventTenantFinished);
  ASSERT_TRUE(store_->AppendEvent(next).ok());
  EXPECT_GT(next.id, e.id);  // ids are never reused
}

TEST_F(SqliteStoreTest, FileIsInWalModeWithAVersionedSchema) {
  EXPECT_EQ(Raw(path_, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(Raw(path_, "PRAGMA user_version"), "8");
  Reopen();  // migrating again is a no-op
  EXPECT_EQ(Raw(path_, "PRAGMA user_version"), "8");
}

// What schema v4 added, undone (its nullable events.rollout_id is left:
// a v3 binary never writes NULL there).
#define ROLLCALL_BACK_TO_V7 "ALTER TABLE tenants DROP COLUMN ssm_json; "
constexpr const char* kBackToV7 = ROLLCALL_BACK_TO_V7;
#define ROLLCALL_BACK_TO_V6 ROLLCALL_BACK_TO_V7 "ALTER TABLE tenants DROP COLUMN public_url; DROP INDEX rollouts_by_created; "
constexpr const char* kBackToV6 = ROLLCALL_BACK_TO_V6;
#define ROLLCALL_BACK_TO_V5 ROLLCALL_BACK_TO_V6 "ALTER TABLE rollouts DROP COLUMN created_by; ALTER TABLE promotions DROP COLUMN created_by; "
constexpr const char* kBackToV5 = ROLLCALL_BACK_TO_V5;
#define ROLLCALL_BACK_TO_V4 ROLLCALL_BACK_TO_V5 "ALTER TABLE tenants DROP COLUMN docker_json; "
constexpr const char* kBackToV4 = ROLLCALL_BACK_TO_V4;
#define ROLLCALL_BACK_TO_V3 ROLLCALL_BACK_TO_V4 "DROP TABLE audit; DROP TABLE drift; ALTER TABLE rollouts DROP COLUMN recovery; "
constexpr const char* kBackToV3 = ROLLCALL_BACK_TO_V3;
// What schema v3 added, undone too: the file as a v2 binary left it.
constexpr const char* kBackToV2 =
    ROLLCALL_BACK_TO_V3
    "DROP TABLE legacy_canaries; DROP TABLE process_groups; "
    "ALTER TABLE results DROP COLUMN proof_observed_at_ms; ALTER TABLE rollouts DROP COLUMN legacy_scoped; ";

TEST_F(SqliteStoreTest, AVersionOneLedgerGainsChannelsAndKeepsItsData) {
  ASSERT_TRUE(store_->PutTenants({Minimal("acme")}).ok());
  store_.reset();
  ASSERT_EQ(Raw(path_, std::string(kBackToV2) + "DROP TABLE channels; DROP TABLE promotions; PRAGMA user_version = 1"), "");
  Reopen();
  EXPECT_EQ(Raw(path_, "PRAGMA user_version"), "8");
  EXPECT_TRUE(store_->GetTenant("acme").ok());
  ASSERT_TRUE(store_->RecordPromotion({"latest", "v1", 1, "sha256:aa", 1, false, ""}, std::nullopt).ok());
  EXPECT_EQ(store_->GetChannel("latest")->value().tag, "v1");
}

TEST_F(SqliteStoreTest, AVersionTwoLedgerKeepsItsRowsAndGainsTheCanaryMemoryAndProcessGroups) {
  ASSERT_TRUE(store_->PutRollout(FullRollout("r1", 1000)).ok());
  ASSERT_TRUE(store_->PutResult("r1", Row("a")).ok());
  store_.reset();
  ASSERT_EQ(Raw(path_, std::string(kBackToV2) + "PRAGMA user_version = 2"), "");
  Reopen();
  EXPECT_EQ(Raw(path_, "PRAGMA user_version"), "8");
  Result<Rollout> back = store_->GetRollout("r1");
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_EQ(back->results.size(), 1u);
  EXPECT_EQ(back->results[0].proof_observed_at_ms, 0);
  EXPECT_FALSE(back->legacy_scoped);
  ASSERT_TRUE(store_->RememberLegacyCanary({"v1", "a", "r0", 5}).ok());
  EXPECT_EQ((*store_->LegacyCanaryFor("v1"))->slug, "a");
}

TEST_F(SqliteStoreTest, AVersionThreeLedgerKeepsItsEventsAndGainsFleetEventsAuditAndDrift) {
  ASSERT_TRUE(store_->PutTenants({Minimal("a")}).ok());
  ASSERT_TRUE(store_->PutRollout(FullRollout("r1", 1000)).ok());
  RolloutEvent first = Event("r1", kEventRolloutState);
  ASSERT_TRUE(store_->AppendEvent(first).ok());
  store_.reset();
  ASSERT_EQ(Raw(path_, std::string(kBackToV3) + "PRAGMA user_version = 3"), "");
  Reopen();
  EXPECT_EQ(Raw(path_, "PRAGMA user_version"), "8");
  ASSERT_EQ(store_->EventsAfter("r1", 0)->size(), 1u);
  RolloutEvent fleet = Event("", "drift");
  ASSERT_TRUE(store_->AppendEvent(fleet).ok());
  EXPECT_GT(fleet.id, first.id);  // the sequence carried over the rebuilt table
  EXPECT_EQ(store_->FleetEventsAfter(0, 10)->size(), 2u);
  EXPECT_FALSE(store_->GetRollout("r1")->recovery);
  AuditEntry entry{0, 5, "drift-watch", "drift", "a", "", Json::object()};
  EXPECT_TRUE(store_->AppendAudit(entry).ok());
  EXPECT_TRUE(store_->PutDriftStatus("a", DriftStatus{}).ok());
}

TEST_F(SqliteStoreTest, AVersionFourLedgerKeepsItsTenantsAndGainsDockerSettings) {
  ASSERT_TRUE(store_->PutTenants({Minimal("a")}).ok());
  store_.reset();
  ASSERT_EQ(Raw(path_, std::string(kBackToV4) + "PRAGMA user_version = 4"), "");
  Reopen();
  EXPECT_EQ(Raw(path_, "PRAGMA user_version"), "8");
  Result<Tenant> a = store_->GetTenant("a");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_FALSE(a->docker.Configured());
}

TEST_F(SqliteStoreTest, AVersionFiveLedgerKeepsItsRolloutsAndPromotionsAndGainsWhoMadeThem) {
  ASSERT_TRUE(store_->PutRollout(FullRollout("r1", 1000)).ok());
  ChannelRecord latest{"latest", "v1", 1, "sha256:aa", 5, false, "", "ci"};
  ASSERT_TRUE(store_->RecordPromotion(latest, std::nullopt).ok());
  store_.reset();
  ASSERT_EQ(Raw(path_, std::string(kBackToV5) + "PRAGMA user_version = 5"), "");
  Reopen();
  EXPECT_EQ(Raw(path_, "PRAGMA user_version"), "8");
  Result<Rollout> r1 = store_->GetRollout("r1");
  ASSERT_TRUE(r1.ok()) << r1.status().message();
  EXPECT_EQ(r1->created_by, "");  // from before anyone was named
  Result<std::optional<ChannelRecord>> channel = store_->GetChannel("latest");
  ASSERT_TRUE(channel.ok() && *channel);
  EXPECT_EQ((*channel)->digest, "sha256:aa");
  EXPECT_EQ((*channel)->created_by, "");
}

TEST_F(SqliteStoreTest, AVersionSixLedgerKeepsItsTenantsAndGainsPublicUrls) {
  ASSERT_TRUE(store_->PutTenants({Minimal("a")}).ok());
  ASSERT_TRUE(store_->PutRollout(FullRollout("r1", 1000)).ok());
  store_.reset();
  ASSERT_EQ(Raw(path_, std::string(kBackToV6) + "PRAGMA user_version = 6"), "");
  Reopen();
  EXPECT_EQ(Raw(path_, "PRAGMA user_version"), "8");
  Result<Tenant> a = store_->GetTenant("a");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->public_url, "");
  a->public_url = "https://a.example.com";
  ASSERT_TRUE(store_->PutTenants({*a}).ok());
  EXPECT_EQ(store_->GetTenant("a")->public_url, "https://a.example.com");
  EXPECT_EQ(store_->ListRolloutPage({})->size(), 1u);
}

TEST_F(SqliteStoreTest, AVersionSevenLedgerKeepsItsTenantsAndGainsSsmSettings) {
  ASSERT_TRUE(store_->PutTenants({Minimal("a")}).ok());
  store_.reset();
  ASSERT_EQ(Raw(path_, std::string(kBackToV7) + "PRAGMA user_version = 7"), "");
  Reopen();
  EXPECT_EQ(Raw(path_, "PRAGMA user_version"), "8");
  Result<Tenant> a = store_->GetTenant("a");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_FALSE(a->ssm.Configured());
}

TEST_F(SqliteStoreTest, OpeningInAMissingDirectoryIsAnErrorStatus) {
  Result<std::unique_ptr<SqliteStore>> s = SqliteStore::Open(dir_.File("no/such/dir/x.db"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kInternal);
  EXPECT_EQ(s.status().message().rfind("sqlite: open ", 0), 0u) << s.status().message();
}

TEST_F(SqliteStoreTest, OpeningAFileThatIsNotADatabaseIsAnErrorStatus) {
  const std::string junk = dir_.File("junk.db");
  std::ofstream(junk) << std::string(8192, 'x');
  Result<std::unique_ptr<SqliteStore>> s = SqliteStore::Open(junk);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("not a database"), std::string::npos)
      << s.status().message();
}

TEST_F(SqliteStoreTest, ASchemaNewerThanTheBinaryIsRefused) {
  store_.reset();
  ASSERT_EQ(Raw(path_, "PRAGMA user_version = 99"), "");
  Result<std::unique_ptr<SqliteStore>> s = SqliteStore::Open(path_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "sqlite: schema version 99 is newer than this binary knows (8)");
}

TEST_F(SqliteStoreTest, BulkPutIsAllOrNoneWhenOneWriteFails) {
  Tenant a = Minimal("a");
  a.labels = {{"v", "1"}};
  ASSERT_TRUE(store_->PutTenants({a}).ok());
  ASSERT_EQ(Raw(path_,
                "CREATE TRIGGER refuse BEFORE INSERT ON tenants WHEN NEW.slug = 'boom' "
                "BEGIN SELECT RAISE(ABORT, 'boom refused'); END"),
            "");
  Tenant a2 = a;
  a2.labels = {{"v", "2"}};
  Status s = store_->PutTenants({a2, Minimal("b"), Minimal("boom"), Minimal("c")});
  EXPECT_EQ(s.code(), Status::Code::kInternal);
  EXPECT_EQ(s.message(), "sqlite: put tenants: boom refused");
  std::vector<Tenant> all = *store_->ListTenants();
  ASSERT_EQ(all.size(), 1u);  // neither b nor the update of a
  EXPECT_EQ(all[0].labels.at("v"), "1");
  ASSERT_TRUE(store_->PutTenants({a2, Minimal("b")}).ok());  // the store still works
  EXPECT_EQ(store_->ListTenants()->size(), 2u);
}

TEST_F(SqliteStoreTest, PutResultWritesNothingWhenClearingTheMarkFails) {
  ASSERT_TRUE(store_->PutRollout(FullRollout("r1", 100)).ok());
  ASSERT_TRUE(store_->MarkStarted("r1", {"a", "window", 1}).ok());
  ASSERT_EQ(Raw(path_,
                "CREATE TRIGGER refuse BEFORE DELETE ON in_flight "
                "BEGIN SELECT RAISE(ABORT, 'delete refused'); END"),
            "");
  Status s = store_->PutResult("r1", Row("a"));
  EXPECT_EQ(s.message(), "sqlite: put result: delete refused");
  EXPECT_TRUE(store_->GetRollout("r1")->results.empty());
  EXPECT_EQ(store_->InFlight("r1")->size(), 1u);
}

TEST_F(SqliteStoreTest, ListRolloutsOrdersByCreationTimeBeforeId) {
  ASSERT_TRUE(store_->PutRollout(FullRollout("r1", 300)).ok());
  ASSERT_TRUE(store_->PutRollout(FullRollout("r2", 100)).ok());
  ASSERT_TRUE(store_->PutRollout(FullRollout("r0", 100)).ok());
  std::vector<Rollout> all = *store_->ListRollouts(std::nullopt);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "r0");
  EXPECT_EQ(all[1].id, "r2");
  EXPECT_EQ(all[2].id, "r1");
}

TEST_F(SqliteStoreTest, ACorruptColumnIsAnInternalErrorNamingTheRow) {
  ASSERT_TRUE(store_->PutRollout(FullRollout("r1", 100)).ok());
  ASSERT_TRUE(store_->PutTenants({Minimal("a")}).ok());
  ASSERT_EQ(Raw(path_, "UPDATE rollouts SET policy_json = '{\"max_parallel\": 0}'"), "");
  ASSERT_EQ(Raw(path_, "UPDATE tenants SET labels_json = '[1'"), "");
  Result<Rollout> r = store_->GetRollout("r1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInternal);
  EXPECT_EQ(r.status().message(),
            "sqlite: rollout r1: stored value does not decode: policy.max_parallel: must be >= 1");
  EXPECT_FALSE(store_->ListRollouts(std::nullopt).ok());
  EXPECT_EQ(store_->GetTenant("a").status().message(),
            "sqlite: tenant a labels: stored value does not decode: not JSON");
}

TEST_F(SqliteStoreTest, TwoStoresOnOneFileSeeEachOthersWrites) {
  Result<std::unique_ptr<SqliteStore>> other = SqliteStore::Open(path_);
  ASSERT_TRUE(other.ok()) << other.status().message();
  ASSERT_TRUE(store_->PutTenants({Minimal("a")}).ok());
  ASSERT_TRUE((*other)->PutTenants({Minimal("b")}).ok());
  EXPECT_EQ(store_->ListTenants()->size(), 2u);
  EXPECT_EQ((*other)->ListTenants()->size(), 2u);
}

TEST(SqliteStoreMemoryTest, AnInMemoryDatabaseWorks) {
  Result<std::unique_ptr<SqliteStore>> s = SqliteStore::Open(":memory:");
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_TRUE((*s)->PutTenants({Minimal("a")}).ok());
  EXPECT_EQ((*s)->ListTenants()->size(), 1u);
}

}  // namespace
}  // namespace rollcall::store_test
