# The docker driver: the Docker Engine API over libcurl, the container swap
# with rollback, and the Driver that runs it for rollcalld.
find_package(CURL REQUIRED)
add_library(rollcall_docker STATIC
  src/docker/curl_engine.cpp
  src/docker/recreate_spec.cpp
  src/docker/container_swap.cpp
  src/docker/docker_driver.cpp
)
rollcall_target(rollcall_docker)
target_link_libraries(rollcall_docker PUBLIC rollcall_core rollcall_runtime CURL::libcurl Threads::Threads)

add_executable(docker_test
  src/docker/fake_engine.cpp
  src/docker/container_swap_test.cpp
  src/docker/recreate_spec_test.cpp
  src/docker/curl_engine_test.cpp
  src/docker/docker_driver_test.cpp
)
rollcall_target(docker_test)
target_link_libraries(docker_test PRIVATE rollcall_docker GTest::gtest_main GTest::gmock)
gtest_discover_tests(docker_test DISCOVERY_TIMEOUT 60)
