# rollcall-agent: the tenant-side agent API (DESIGN §5) over the exec job.

add_library(rollcall_agent STATIC
  src/agent/agent_state.cpp
  src/agent/agent_service.cpp
  src/agent/agent_http.cpp
)
rollcall_target(rollcall_agent)
target_link_libraries(rollcall_agent PUBLIC rollcall_exec_driver rollcall_docker rollcall_httpd)

add_executable(rollcall-agent src/agent/main.cpp)
rollcall_target(rollcall-agent)
target_link_libraries(rollcall-agent PRIVATE rollcall_agent rollcall_runtime rollcall_build_info rollcall_cli_docs CLI11::CLI11)

add_executable(agent_test
  src/agent/agent_service_test.cpp
)
rollcall_target(agent_test)
target_link_libraries(agent_test PRIVATE rollcall_agent rollcall_process_testing GTest::gtest_main)
gtest_discover_tests(agent_test DISCOVERY_TIMEOUT 60)

# Starts the real rollcall-agent binary on loopback, through the shared
# harness (rollcall_it_harness, defined in tests/integration/integration.cmake).
add_executable(agent_it_test tests/integration/agent_it_test.cpp)
rollcall_target(agent_it_test)
target_link_libraries(agent_it_test PRIVATE rollcall_it_harness rollcall_process_testing
  Threads::Threads GTest::gtest_main)
target_compile_definitions(agent_it_test PRIVATE ROLLCALL_AGENT_BIN="$<TARGET_FILE:rollcall-agent>")
add_dependencies(agent_it_test rollcall-agent)
gtest_discover_tests(agent_it_test DISCOVERY_TIMEOUT 60)
