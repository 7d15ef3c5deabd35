# rollcalld end to end against rollcall-sim, over HTTP on loopback.
add_executable(control_plane_it_test
  tests/integration/stack.cpp
  tests/integration/control_plane_it_test.cpp
  tests/integration/audit_it_test.cpp
  tests/integration/operator_it_test.cpp
)
rollcall_target(control_plane_it_test)
target_link_libraries(control_plane_it_test PRIVATE rollcall_it_harness PkgConfig::HTTPLIB
  GTest::gtest_main GTest::gmock fmt::fmt)
target_compile_definitions(control_plane_it_test PRIVATE
  ROLLCALL_SIM_BIN="$<TARGET_FILE:rollcall-sim>"
  ROLLCALLD_BIN="$<TARGET_FILE:rollcalld>"
  ROLLCALL_CLI_BIN="$<TARGET_FILE:rollcall>"
  ROLLCALL_AGENT_BIN="$<TARGET_FILE:rollcall-agent>")
add_dependencies(control_plane_it_test rollcall-sim rollcalld rollcall rollcall-agent)
gtest_discover_tests(control_plane_it_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)

# The rollcall CLI end to end: real binaries, a bare git repo, a fake Gitea.
add_executable(cli_it_test
  tests/integration/stack.cpp
  tests/integration/tcp_proxy.cpp
  tests/integration/cli_it_test.cpp
)
rollcall_target(cli_it_test)
target_link_libraries(cli_it_test PRIVATE rollcall_it_harness rollcall_it_registry rollcall_httpd PkgConfig::HTTPLIB
  GTest::gtest_main GTest::gmock fmt::fmt)
target_compile_definitions(cli_it_test PRIVATE
  ROLLCALL_SIM_BIN="$<TARGET_FILE:rollcall-sim>"
  ROLLCALLD_BIN="$<TARGET_FILE:rollcalld>"
  ROLLCALL_CLI_BIN="$<TARGET_FILE:rollcall>")
add_dependencies(cli_it_test rollcall-sim rollcalld rollcall)
gtest_discover_tests(cli_it_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
