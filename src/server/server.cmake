# rollcalld: the control plane's HTTP API around the engine.
find_package(spdlog REQUIRED)

# The dashboard (web/), embedded into rollcalld: every file is listed here,
# and cmake/embed_web.cmake fails on one in web/ that is not.
set(ROLLCALL_WEB_FILES index.html favicon.svg style.css app.js api.js sse.js state.js format.js fleetmap.js views.js)
set(rollcall_web_sources)
foreach(f ${ROLLCALL_WEB_FILES})
  list(APPEND rollcall_web_sources ${CMAKE_SOURCE_DIR}/web/${f})
endforeach()
list(JOIN ROLLCALL_WEB_FILES "," rollcall_web_list)
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/generated/web_assets.cpp
  COMMAND ${CMAKE_COMMAND} -DWEB_DIR=${CMAKE_SOURCE_DIR}/web -DOUT=${CMAKE_BINARY_DIR}/generated/web_assets.cpp
          "-DFILES=${rollcall_web_list}" -P ${CMAKE_SOURCE_DIR}/cmake/embed_web.cmake
  DEPENDS ${rollcall_web_sources} ${CMAKE_SOURCE_DIR}/cmake/embed_web.cmake
  COMMENT "embedding the dashboard (web/)" VERBATIM)

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
  src/server/web_ui.cpp
  ${CMAKE_BINARY_DIR}/generated/web_assets.cpp
)
rollcall_target(rollcall_server)
target_link_libraries(rollcall_server PUBLIC rollcall_core rollcall_registry rollcall_httpd spdlog::spdlog)

add_executable(rollcalld src/server/main.cpp src/server/ledger_open.cpp)
rollcall_target(rollcalld)
target_link_libraries(rollcalld PRIVATE rollcall_server rollcall_sqlite rollcall_pg rollcall_http
  rollcall_exec_driver rollcall_docker rollcall_ssm rollcall_runtime rollcall_build_info rollcall_cli_docs CLI11::CLI11)

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
  src/server/web_ui_test.cpp
)
rollcall_target(server_test)
target_link_libraries(server_test PRIVATE rollcall_server rollcall_runtime rollcall_testing
  GTest::gtest_main GTest::gmock)
gtest_discover_tests(server_test DISCOVERY_TIMEOUT 60)
