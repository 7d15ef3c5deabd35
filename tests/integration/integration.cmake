# Integration tests: real binaries on loopback, driven through the harness.
find_package(PkgConfig REQUIRED)
if(NOT TARGET PkgConfig::HTTPLIB)
  # Debian's cpp-httplib is a compiled library; its pkg-config Cflags are mandatory.
  pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
endif()

# ChildProcess, WaitForListening, TestHttpClient, RawConnection, KeepAliveFanOut.
add_library(rollcall_it_harness STATIC
  tests/integration/harness.cpp
  tests/integration/raw_http.cpp
)
rollcall_target(rollcall_it_harness)
target_include_directories(rollcall_it_harness PUBLIC ${PROJECT_SOURCE_DIR}/tests/integration)
target_link_libraries(rollcall_it_harness
  PUBLIC nlohmann_json::nlohmann_json
  PRIVATE PkgConfig::HTTPLIB fmt::fmt)

# rollcall-sim, the real binary, over HTTP.
add_executable(sim_it_test tests/integration/sim_test.cpp)
rollcall_target(sim_it_test)
target_link_libraries(sim_it_test PRIVATE rollcall_it_harness GTest::gtest_main fmt::fmt)
target_compile_definitions(sim_it_test PRIVATE ROLLCALL_SIM_BIN="$<TARGET_FILE:rollcall-sim>")
add_dependencies(sim_it_test rollcall-sim)
gtest_discover_tests(sim_it_test DISCOVERY_TIMEOUT 60)

# Not a test: a load check, `sim_load $<TARGET_FILE:rollcall-sim> 10000 1000 20 5000`.
add_executable(sim_load tests/integration/sim_load.cpp)
rollcall_target(sim_load)
target_link_libraries(sim_load PRIVATE rollcall_it_harness fmt::fmt)
