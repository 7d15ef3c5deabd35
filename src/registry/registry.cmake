# Registry retag client: channel promotion through the OCI distribution API.
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)
add_library(rollcall_registry STATIC
  src/registry/registry_transport.cpp
  src/registry/registry_config.cpp
  src/registry/registry_auth.cpp
  src/registry/digest.cpp
  src/registry/oci_client.cpp
  src/registry/curl_transport.cpp
)
rollcall_target(rollcall_registry)
target_link_libraries(rollcall_registry PUBLIC rollcall_core CURL::libcurl OpenSSL::Crypto)

add_executable(registry_test
  src/registry/registry_config_test.cpp
  src/registry/registry_auth_test.cpp
  src/registry/oci_client_test.cpp
)
rollcall_target(registry_test)
target_link_libraries(registry_test PRIVATE rollcall_registry GTest::gtest_main)
gtest_discover_tests(registry_test DISCOVERY_TIMEOUT 60)
