# HTTP adapters over libcurl: the async client, the agent driver, the prober.
find_package(CURL REQUIRED)
add_library(rollcall_http STATIC
  src/http/http_client.cpp
  src/http/retrying_call.cpp
  src/http/agent_driver.cpp
  src/http/http_prober.cpp
)
rollcall_target(rollcall_http)
target_link_libraries(rollcall_http PUBLIC rollcall_core CURL::libcurl Threads::Threads)

add_executable(http_test
  src/http/agent_driver_test.cpp
  src/http/http_client_test.cpp
)
rollcall_target(http_test)
target_link_libraries(http_test PRIVATE rollcall_http rollcall_runtime rollcall_httpd GTest::gtest_main)
gtest_discover_tests(http_test DISCOVERY_TIMEOUT 60)
