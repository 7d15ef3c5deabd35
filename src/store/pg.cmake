# The PostgreSQL Store (DESIGN §8, §9: the replicated ledger), over libpq.
# Its conformance cases run in store_test (sqlite.cmake) against a throwaway
# server that the `postgres` ctest fixture starts and stops.
find_package(PostgreSQL REQUIRED)  # PostgreSQL::PostgreSQL (libpq)

add_library(rollcall_pg STATIC
  src/store/pg_db.cpp
  src/store/pg_schema.cpp
  src/store/pg_store.cpp
  src/store/pg_fleet.cpp
  src/store/pg_lease.cpp
  src/store/pg_batch.cpp
)
rollcall_target(rollcall_pg)
target_link_libraries(rollcall_pg PUBLIC rollcall_store PostgreSQL::PostgreSQL)

# Test-only: where the fixture's server is.
add_library(rollcall_pg_testing STATIC src/store/pg_test_server.cpp)
rollcall_target(rollcall_pg_testing)
target_link_libraries(rollcall_pg_testing PUBLIC rollcall_pg)

set(ROLLCALL_TEST_PG_FILE ${CMAKE_BINARY_DIR}/pg-test-server.state)
add_test(NAME postgres_start COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/pg-test-server.sh start ${ROLLCALL_TEST_PG_FILE})
add_test(NAME postgres_stop COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/pg-test-server.sh stop ${ROLLCALL_TEST_PG_FILE})
set_tests_properties(postgres_start PROPERTIES FIXTURES_SETUP postgres)
set_tests_properties(postgres_stop PROPERTIES FIXTURES_CLEANUP postgres)
