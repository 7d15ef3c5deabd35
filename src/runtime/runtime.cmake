# The real environment: the wall-clock loop and process launching.
add_library(rollcall_runtime STATIC
  src/runtime/real_clock.cpp
  src/runtime/spawn.cpp
  src/runtime/subprocess.cpp
  src/runtime/process_info.cpp
  src/runtime/daemon_limits.cpp
  src/runtime/worker_threads.cpp
  src/runtime/secret_file.cpp
)
rollcall_target(rollcall_runtime)
target_link_libraries(rollcall_runtime PUBLIC rollcall_core Threads::Threads)

# Every binary's command line: "did you mean", man pages and shell
# completion from its CLI11 command table (CLI11 compiles in this one unit).
add_library(rollcall_cli_docs STATIC src/runtime/cli_docs.cpp src/runtime/suggest.cpp)
rollcall_target(rollcall_cli_docs)
target_link_libraries(rollcall_cli_docs PUBLIC rollcall_build_info CLI11::CLI11 fmt::fmt)

# Helpers for tests that start processes (scratch dirs, FIFOs, /proc scans).
add_library(rollcall_process_testing STATIC
  src/runtime/process_testing.cpp
)
rollcall_target(rollcall_process_testing)
target_link_libraries(rollcall_process_testing PUBLIC rollcall_runtime)

add_executable(runtime_test
  src/runtime/subprocess_test.cpp
  src/runtime/real_clock_test.cpp
  src/runtime/duration_flag_test.cpp
  src/runtime/suggest_test.cpp
  src/runtime/cli_docs_test.cpp
)
rollcall_target(runtime_test)
target_link_libraries(runtime_test PRIVATE rollcall_runtime rollcall_process_testing rollcall_cli_docs GTest::gtest_main
  GTest::gmock CLI11::CLI11)
gtest_discover_tests(runtime_test DISCOVERY_TIMEOUT 60)
