// The pieces of the Engine API client that need no engine: the registry
// auth header and the registry an image comes from. The calls themselves
// run against podman in tests/integration/docker_it_test.cpp.
#include "docker/curl_engine.h"

#include <gtest/gtest.h>

namespace rollcall {
namespace {

std::string DecodeBase64Url(const std::string& in) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    buffer = (buffer << 6) | static_cast<uint32_t>(alphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

TEST(CurlEngineTest, RegistryAuthIsBase64UrlJson) {
  EXPECT_EQ(RegistryAuthHeader("", "pw", "reg"), "");
  const std::string header = RegistryAuthHeader("ci", "s3cr?t>>", "127.0.0.1:5000");
  EXPECT_EQ(header.find_first_of("+/"), std::string::npos);
  EXPECT_EQ(header.size() % 4, 0u);
  Json decoded = Json::parse(DecodeBase64Url(header));
  EXPECT_EQ(decoded, Json({{"username", "ci"}, {"password", "s3cr?t>>"}, {"serveraddress", "127.0.0.1:5000"}}));
}

TEST(CurlEngineTest, TheRegistryOfAnImage) {
  EXPECT_EQ(RegistryHostOf("127.0.0.1:5000/app:v1"), "127.0.0.1:5000");
  EXPECT_EQ(RegistryHostOf("ghcr.io/acme/app:v1"), "ghcr.io");
  EXPECT_EQ(RegistryHostOf("localhost/app:v1"), "localhost");
  EXPECT_EQ(RegistryHostOf("acme/app:v1"), "docker.io");
  EXPECT_EQ(RegistryHostOf("app"), "docker.io");
}

TEST(CurlEngineTest, AMissingSocketIsUnavailableNamingTheHost) {
  CurlEngineOptions options;
  options.host = "unix:///nonexistent/docker.sock";
  options.call_timeout = std::chrono::seconds(2);
  CurlEngine engine(options);
  Result<Json> r = engine.InspectContainer("x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(r.status().message().find("unix:///nonexistent/docker.sock"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace rollcall
