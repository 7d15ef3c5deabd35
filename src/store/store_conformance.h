// The Store contract's fixture, run unchanged against every implementation:
// the same typed cases for MemoryStore, SqliteStore (a file in a temp dir)
// and PgStore (a schema of its own in the PostgreSQL that ctest's
// `postgres` fixture starts, scripts/pg-test-server.sh). The cases are in
// store_conformance_test.cpp (tenants, rollouts, events) and
// store_conformance_fleet_test.cpp (the fleet's history and settings);
// SQLite-only behaviour is in sqlite_store_test.cpp, PostgreSQL-only in
// pg_store_test.cpp. Included by test files only.
#pragma once

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

// Not in an anonymous namespace: both test files register cases on the
// one fixture class.
namespace rollcall::store_test {

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

}  // namespace rollcall::store_test
