# The CLI: a library of commands (tested) and a thin main with the flags.
add_library(rollcall_cli STATIC
  src/cli/sse_parser.cpp
  src/cli/api_client.cpp
  src/cli/report.cpp
  src/cli/ci_logic.cpp
  src/cli/summary.cpp
  src/cli/verify.cpp
  src/cli/scm.cpp
  src/cli/git.cpp
  src/cli/commands.cpp
  src/cli/rollout_cmd.cpp
  src/cli/pipeline_cmd.cpp
  src/cli/fleet_table.cpp
  src/cli/audit_table.cpp
)
rollcall_target(rollcall_cli)
target_link_libraries(rollcall_cli PUBLIC rollcall_core rollcall_http rollcall_runtime CURL::libcurl)

add_executable(rollcall src/cli/main.cpp)
rollcall_target(rollcall)
target_link_libraries(rollcall PRIVATE rollcall_cli rollcall_build_info CLI11::CLI11)

add_executable(cli_test
  src/cli/sse_parser_test.cpp
  src/cli/report_test.cpp
  src/cli/ci_logic_test.cpp
  src/cli/summary_test.cpp
  src/cli/scm_test.cpp
  src/cli/git_test.cpp
  src/cli/api_client_test.cpp
  src/cli/fleet_table_test.cpp
  src/cli/audit_table_test.cpp
)
rollcall_target(cli_test)
target_link_libraries(cli_test PRIVATE rollcall_cli rollcall_httpd GTest::gtest_main GTest::gmock)
gtest_discover_tests(cli_test DISCOVERY_TIMEOUT 60)
