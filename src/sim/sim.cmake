# The fleet simulator (DESIGN §7), served through the httpd adapter.

# The pure fleet model: tenant state, faults, deploy timing, wire formats.
add_library(rollcall_sim_model STATIC
  src/sim/faults.cpp
  src/sim/deploy_timing.cpp
  src/sim/fleet.cpp
  src/sim/agent_api.cpp
  src/sim/sim_config.cpp
)
rollcall_target(rollcall_sim_model)
target_link_libraries(rollcall_sim_model PUBLIC rollcall_core)

add_library(rollcall_sim_server STATIC src/sim/sim_service.cpp)
rollcall_target(rollcall_sim_server)
target_link_libraries(rollcall_sim_server PUBLIC rollcall_sim_model rollcall_httpd)

add_executable(rollcall-sim src/sim/main.cpp)
rollcall_target(rollcall-sim)
target_link_libraries(rollcall-sim PRIVATE rollcall_sim_server rollcall_runtime rollcall_build_info rollcall_cli_docs CLI11::CLI11)

add_executable(sim_test_unit
  src/sim/faults_test.cpp
  src/sim/deploy_timing_test.cpp
  src/sim/fleet_test.cpp
  src/sim/agent_api_test.cpp
  src/sim/sim_config_test.cpp
)
rollcall_target(sim_test_unit)
target_link_libraries(sim_test_unit PRIVATE rollcall_sim_server GTest::gtest_main Threads::Threads)
gtest_discover_tests(sim_test_unit DISCOVERY_TIMEOUT 60)
