# The SQLite Store (DESIGN §8: the default durable ledger), its conformance
# tests (run against MemoryStore too) and its write benchmark.
find_package(SQLite3 REQUIRED)  # SQLite::SQLite3

add_library(rollcall_sqlite STATIC
  src/store/sqlite_db.cpp
  src/store/sqlite_rows.cpp
  src/store/sqlite_store.cpp
  src/store/sqlite_fleet.cpp
  src/store/sqlite_listings.cpp
)
rollcall_target(rollcall_sqlite)
target_link_libraries(rollcall_sqlite PUBLIC rollcall_store SQLite::SQLite3)

add_executable(store_test
  src/store/store_conformance_test.cpp
  src/store/store_conformance_fleet_test.cpp
  src/store/sqlite_store_test.cpp
  src/store/pg_store_test.cpp
)
rollcall_target(store_test)
target_link_libraries(store_test PRIVATE rollcall_sqlite rollcall_pg_testing SQLite::SQLite3 GTest::gtest_main)
gtest_discover_tests(store_test DISCOVERY_TIMEOUT 60 PROPERTIES
  FIXTURES_REQUIRED postgres ENVIRONMENT ROLLCALL_TEST_PG_FILE=${ROLLCALL_TEST_PG_FILE})

if(ROLLCALL_BENCH)
  find_package(benchmark REQUIRED)
  add_executable(store_bench bench/store_bench.cpp)
  rollcall_target(store_bench)
  target_link_libraries(store_bench PRIVATE rollcall_sqlite rollcall_pg_testing benchmark::benchmark)
endif()
