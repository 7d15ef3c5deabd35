# Release fencing end to end: rollcalld, rollcall-sim and, for channel
# promotion, Debian's docker-registry on loopback (those tests skip without
# /usr/bin/docker-registry). TestRegistry comes from registry.cmake; the
# race through two controllers shares a PostgreSQL from pg.cmake.
add_executable(fencing_it_test
  tests/integration/stack.cpp
  tests/integration/fencing_it_test.cpp
)
rollcall_target(fencing_it_test)
target_link_libraries(fencing_it_test PRIVATE rollcall_it_registry rollcall_it_harness rollcall_pg_testing
  PkgConfig::HTTPLIB GTest::gtest_main GTest::gmock fmt::fmt)
target_compile_definitions(fencing_it_test PRIVATE
  ROLLCALL_SIM_BIN="$<TARGET_FILE:rollcall-sim>"
  ROLLCALLD_BIN="$<TARGET_FILE:rollcalld>")
add_dependencies(fencing_it_test rollcall-sim rollcalld)
# The two-controller race needs the `postgres` fixture's server.
gtest_discover_tests(fencing_it_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300
  FIXTURES_REQUIRED postgres ENVIRONMENT ROLLCALL_TEST_PG_FILE=${ROLLCALL_TEST_PG_FILE})
