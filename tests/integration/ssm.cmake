# The ssm driver end to end: rollcalld over a mixed fleet, agent tenants on
# rollcall-sim and ssm tenants on the fake SSM endpoint the test hosts.
add_executable(ssm_it_test
  tests/integration/stack.cpp
  tests/integration/ssm_it_test.cpp
)
rollcall_target(ssm_it_test)
target_link_libraries(ssm_it_test PRIVATE rollcall_it_harness rollcall_ssm_testing PkgConfig::HTTPLIB
  GTest::gtest_main GTest::gmock fmt::fmt)
target_compile_definitions(ssm_it_test PRIVATE
  ROLLCALL_SIM_BIN="$<TARGET_FILE:rollcall-sim>"
  ROLLCALLD_BIN="$<TARGET_FILE:rollcalld>")
add_dependencies(ssm_it_test rollcall-sim rollcalld)
gtest_discover_tests(ssm_it_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
