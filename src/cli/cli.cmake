# rollcall: the CLI for CI and operators.
add_library(rollcall_cli STATIC
  src/cli/sse_parser.cpp
  src/cli/api_client.cpp
  src/cli/report.cpp
)
rollcall_target(rollcall_cli)
target_link_libraries(rollcall_cli PUBLIC rollcall_core CURL::libcurl)

add_executable(rollcall src/cli/main.cpp)
rollcall_target(rollcall)
target_link_libraries(rollcall PRIVATE rollcall_cli CLI11::CLI11)

add_executable(cli_test
  src/cli/sse_parser_test.cpp
  src/cli/report_test.cpp
)
rollcall_target(cli_test)
target_link_libraries(cli_test PRIVATE rollcall_cli GTest::gtest_main GTest::gmock)
gtest_discover_tests(cli_test DISCOVERY_TIMEOUT 60)
