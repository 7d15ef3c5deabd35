# Hostile clients (issue 10): slow, huge, malformed and crowded requests
# against rollcalld, rollcall-agent and rollcall-sim on loopback.
add_executable(hostile_it_test tests/integration/stack.cpp tests/integration/hostile_it_test.cpp)
rollcall_target(hostile_it_test)
target_link_libraries(hostile_it_test PRIVATE rollcall_it_harness rollcall_process_testing PkgConfig::HTTPLIB
  GTest::gtest_main GTest::gmock fmt::fmt)
target_compile_definitions(hostile_it_test PRIVATE
  ROLLCALL_SIM_BIN="$<TARGET_FILE:rollcall-sim>"
  ROLLCALLD_BIN="$<TARGET_FILE:rollcalld>"
  ROLLCALL_AGENT_BIN="$<TARGET_FILE:rollcall-agent>")
add_dependencies(hostile_it_test rollcall-sim rollcalld rollcall-agent)
gtest_discover_tests(hostile_it_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
