# Two rollcalld on one PostgreSQL (DESIGN §9): standbys, failover by kill -9,
# a leader paused past its lease. The server comes from ctest's `postgres`
# fixture (src/store/pg.cmake); skipped without it, except under
# ROLLCALL_REQUIRE_POSTGRES=1 (CI), where that fails.
add_executable(replication_it_test
  tests/integration/stack.cpp
  tests/integration/replication_it_test.cpp
)
rollcall_target(replication_it_test)
target_link_libraries(replication_it_test PRIVATE rollcall_it_harness rollcall_pg_testing PkgConfig::HTTPLIB
  GTest::gtest_main GTest::gmock fmt::fmt)
target_compile_definitions(replication_it_test PRIVATE
  ROLLCALL_SIM_BIN="$<TARGET_FILE:rollcall-sim>"
  ROLLCALLD_BIN="$<TARGET_FILE:rollcalld>"
  ROLLCALL_CLI_BIN="$<TARGET_FILE:rollcall>"
  ROLLCALL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(replication_it_test rollcall-sim rollcalld rollcall)
gtest_discover_tests(replication_it_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 600
  FIXTURES_REQUIRED postgres ENVIRONMENT ROLLCALL_TEST_PG_FILE=${ROLLCALL_TEST_PG_FILE})
