# The gates, the proof and per-tenant exclusivity end to end (DESIGN §3-5):
# rollcalld with rollcall-sim, the real rollcall-agent and exec tenants.
foreach(name gates_it_test proof_it_test exclusivity_it_test drift_it_test recovery_it_test)
  add_executable(${name} tests/integration/stack.cpp tests/integration/${name}.cpp)
  rollcall_target(${name})
  target_link_libraries(${name} PRIVATE rollcall_it_harness rollcall_process_testing rollcall_httpd PkgConfig::HTTPLIB
    GTest::gtest_main GTest::gmock fmt::fmt)
  target_compile_definitions(${name} PRIVATE
    ROLLCALL_SIM_BIN="$<TARGET_FILE:rollcall-sim>"
    ROLLCALLD_BIN="$<TARGET_FILE:rollcalld>"
    ROLLCALL_AGENT_BIN="$<TARGET_FILE:rollcall-agent>"
    ROLLCALL_CLI_BIN="$<TARGET_FILE:rollcall>")
  add_dependencies(${name} rollcall-sim rollcalld rollcall-agent rollcall)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
endforeach()
