# The fleet simulator (DESIGN §7) and the event-loop HTTP server under it.

# A single-threaded epoll HTTP/1.1 server: thousands of idle or never-
# answered connections cost memory, not threads.
add_library(rollcall_net STATIC
  src/net/http_message.cpp
  src/net/http_parser.cpp
  src/net/timer_queue.cpp
  src/net/event_http_server.cpp
)
rollcall_target(rollcall_net)
target_link_libraries(rollcall_net PUBLIC rollcall_core fmt::fmt nlohmann_json::nlohmann_json)

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
target_link_libraries(rollcall_sim_server PUBLIC rollcall_sim_model rollcall_net)

add_executable(rollcall-sim src/sim/main.cpp)
rollcall_target(rollcall-sim)
target_link_libraries(rollcall-sim PRIVATE rollcall_sim_server CLI11::CLI11)

add_executable(sim_test_unit
  src/net/http_parser_test.cpp
  src/net/timer_queue_test.cpp
  src/net/event_http_server_test.cpp
  src/sim/faults_test.cpp
  src/sim/deploy_timing_test.cpp
  src/sim/fleet_test.cpp
  src/sim/agent_api_test.cpp
  src/sim/sim_config_test.cpp
)
rollcall_target(sim_test_unit)
target_link_libraries(sim_test_unit PRIVATE rollcall_sim_server GTest::gtest_main Threads::Threads)
gtest_discover_tests(sim_test_unit DISCOVERY_TIMEOUT 60)
