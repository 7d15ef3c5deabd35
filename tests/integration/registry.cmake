# TestRegistry: Debian's docker-registry on a loopback port and images
# pushed through the distribution API, for every test that needs a registry.
add_library(rollcall_it_registry STATIC tests/integration/test_registry.cpp)
rollcall_target(rollcall_it_registry)
target_link_libraries(rollcall_it_registry
  PUBLIC rollcall_registry rollcall_it_harness
  PRIVATE fmt::fmt)

# The retag client against a real registry (Debian's docker-registry) on
# loopback; skipped when /usr/bin/docker-registry is not installed.
add_executable(registry_it_test tests/integration/registry_it_test.cpp)
rollcall_target(registry_it_test)
target_link_libraries(registry_it_test PRIVATE rollcall_registry rollcall_it_registry
  rollcall_it_harness GTest::gtest_main fmt::fmt)
gtest_discover_tests(registry_it_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 120)
