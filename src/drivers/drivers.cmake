# Drivers: how a tenant is redeployed. The exec driver runs argv templates.
add_library(rollcall_exec_driver STATIC
  src/drivers/exec_job.cpp
  src/drivers/exec_driver.cpp
)
rollcall_target(rollcall_exec_driver)
target_link_libraries(rollcall_exec_driver PUBLIC rollcall_core rollcall_runtime)

add_executable(exec_driver_test
  src/drivers/exec_driver_test.cpp
)
rollcall_target(exec_driver_test)
target_link_libraries(exec_driver_test PRIVATE
  rollcall_exec_driver rollcall_process_testing GTest::gtest_main)
gtest_discover_tests(exec_driver_test DISCOVERY_TIMEOUT 60)
