# The docker driver against a real engine: podman's Docker-compatible API
# service, runc, busybox images in Debian's docker-registry (DESIGN §5).
# Skipped with the reason where podman cannot run containers, except under
# ROLLCALL_REQUIRE_PODMAN=1 (CI), where that fails.
add_executable(docker_it_test
  tests/integration/stack.cpp
  tests/integration/podman_host.cpp
  tests/integration/docker_it_test.cpp
)
rollcall_target(docker_it_test)
target_link_libraries(docker_it_test PRIVATE rollcall_docker rollcall_it_registry rollcall_it_harness
  rollcall_process_testing rollcall_httpd PkgConfig::HTTPLIB GTest::gtest_main GTest::gmock fmt::fmt)
target_compile_definitions(docker_it_test PRIVATE
  ROLLCALLD_BIN="$<TARGET_FILE:rollcalld>"
  ROLLCALL_SIM_BIN="$<TARGET_FILE:rollcall-sim>"
  ROLLCALL_AGENT_BIN="$<TARGET_FILE:rollcall-agent>")
add_dependencies(docker_it_test rollcalld rollcall-sim rollcall-agent)
gtest_discover_tests(docker_it_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 400 RUN_SERIAL TRUE)
