# The ssm driver: AWS Systems Manager Run Command over SigV4-signed HTTPS,
# the AWS credentials chain, and a fake SSM endpoint for tests.
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(spdlog REQUIRED)
add_library(rollcall_ssm STATIC
  src/ssm/curl_call.cpp
  src/ssm/ssm_status.cpp
  src/ssm/aws_credentials.cpp
  src/ssm/ssm_api.cpp
  src/ssm/ssm_driver.cpp
)
rollcall_target(rollcall_ssm)
target_link_libraries(rollcall_ssm PUBLIC rollcall_core rollcall_runtime CURL::libcurl spdlog::spdlog)

# SigV4 recomputed independently of libcurl, and the fake endpoint that
# checks it: tests only.
add_library(rollcall_ssm_testing STATIC
  src/ssm/sigv4.cpp
  src/ssm/fake_ssm.cpp
)
rollcall_target(rollcall_ssm_testing)
target_link_libraries(rollcall_ssm_testing PUBLIC rollcall_core rollcall_httpd OpenSSL::Crypto fmt::fmt)

add_executable(ssm_test
  src/ssm/ssm_status_test.cpp
  src/ssm/ssm_driver_test.cpp
)
rollcall_target(ssm_test)
target_link_libraries(ssm_test PRIVATE rollcall_ssm rollcall_ssm_testing GTest::gtest_main GTest::gmock)
gtest_discover_tests(ssm_test DISCOVERY_TIMEOUT 60)
