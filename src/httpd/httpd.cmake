# The one HTTP server adapter (Boost.Beast + Boost.Asio, header-only) that
# rollcalld, rollcall-agent and rollcall-sim serve through.
find_package(Boost 1.74 REQUIRED)

add_library(rollcall_httpd STATIC
  src/httpd/http_message.cpp
  src/httpd/path_pattern.cpp
  src/httpd/worker_pool.cpp
  src/httpd/http_server.cpp
  src/httpd/session.cpp
  src/httpd/server_metrics.cpp
  src/httpd/server_thread.cpp
)
rollcall_target(rollcall_httpd)
target_link_libraries(rollcall_httpd PUBLIC rollcall_core fmt::fmt Threads::Threads PRIVATE Boost::headers)
target_compile_definitions(rollcall_httpd PRIVATE BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # Asio 1.74 looks for clang's pre-C++20 coroutines TS only; clang 14 has
  # the C++20 ones, which Asio then uses through <coroutine>.
  target_compile_definitions(rollcall_httpd PRIVATE BOOST_ASIO_HAS_CO_AWAIT=1)
endif()
if(ROLLCALL_SANITIZE MATCHES "thread")
  # g++ warns that TSan does not model Asio's std::atomic_thread_fence; the
  # fences only order memory Asio also guards with its own locks.
  target_compile_options(rollcall_httpd PRIVATE -Wno-tsan)
endif()

add_executable(httpd_test src/httpd/http_server_test.cpp src/httpd/path_pattern_test.cpp)
rollcall_target(httpd_test)
target_link_libraries(httpd_test PRIVATE rollcall_httpd GTest::gtest_main)
gtest_discover_tests(httpd_test DISCOVERY_TIMEOUT 60)

# libFuzzer over the request path of the real adapter (clang only): CI runs
# it for a fixed number of inputs (see .ci/run).
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND ROLLCALL_FUZZ)
  add_executable(httpd_fuzz src/httpd/request_fuzz.cpp)
  target_link_libraries(httpd_fuzz PRIVATE rollcall_httpd)
  target_include_directories(httpd_fuzz PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(httpd_fuzz PRIVATE -fsanitize=fuzzer)
  target_link_options(httpd_fuzz PRIVATE -fsanitize=fuzzer)
endif()
