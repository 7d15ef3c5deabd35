# rollcalld: the control plane's HTTP API around the engine.
find_package(spdlog REQUIRED)

add_library(rollcall_server STATIC
  src/server/auth.cpp
  src/server/event_hub.cpp
  src/server/fleet_stream.cpp
  src/server/legacy.cpp
  src/server/control_plane.cpp
  src/server/api_routes.cpp
  src/server/promoter.cpp
  src/server/registry_retagger.cpp
  src/server/lease_keeper.cpp
  src/server/ledger_tail.cpp
  src/server/read_cache.cpp
  src/server/mutation_audit.cpp
  src/server/prometheus.cpp
  src/server/rollcall_metrics.cpp
)
rollcall_target(rollcall_server)
target_link_libraries(rollcall_server PUBLIC rollcall_core rollcall_registry rollcall_httpd spdlog::spdlog)

add_executable(rollcalld src/server/main.cpp src/server/ledger_open.cpp)
rollcall_target(rollcalld)
target_link_libraries(rollcalld PRIVATE rollcall_server rollcall_sqlite rollcall_pg rollcall_http
  rollcall_exec_driver rollcall_docker rollcall_runtime rollcall_build_info rollcall_cli_docs CLI11::CLI11)

add_executable(server_test
  src/server/auth_test.cpp
  src/server/legacy_test.cpp
  src/server/event_hub_test.cpp
  src/server/fleet_stream_test.cpp
  src/server/control_plane_test.cpp
  src/server/promoter_test.cpp
  src/server/lease_keeper_test.cpp
  src/server/ledger_tail_test.cpp
  src/server/read_cache_test.cpp
  src/server/mutation_audit_test.cpp
  src/server/prometheus_test.cpp
)
rollcall_target(server_test)
target_link_libraries(server_test PRIVATE rollcall_server rollcall_runtime rollcall_testing
  GTest::gtest_main GTest::gmock)
gtest_discover_tests(server_test DISCOVERY_TIMEOUT 60)
