// The retag client against a real registry: Debian's docker-registry
// (distribution 2.8) on a loopback port, its storage in a temp directory.
// An image is pushed through the distribution API (two blobs and a
// manifest), then retagged the way promotion does it.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "registry/curl_transport.h"
#include "registry/digest.h"
#include "registry/oci_client.h"
#include "test_registry.h"

namespace rollcall {
namespace {

using namespace std::chrono_literals;
using it::FreeLoopbackPort;
using it::kDockerManifest;
using it::kOciManifest;
using it::MakeImage;
using it::TestImage;
using it::TestRegistry;

// bcrypt (cost 4, the fastest Go accepts) of "s3cret", for user "ci".
constexpr char kHtpasswd[] = "ci:$2b$04$nk0ZwcUJkSaASV4Y6/krPupGgZeqE3rq8v.AvjLkTWFUnykWmnbhS\n";

class RegistryItTest : public ::testing::Test {
 protected:
  // An htpasswd line turns on basic auth; empty: anonymous.
  virtual std::string Htpasswd() const { return ""; }

  void SetUp() override {
    if (!TestRegistry::Available()) {
      GTEST_SKIP() << TestRegistry::kBin << " is not installed (apt-get install docker-registry)";
    }
    auto registry = TestRegistry::Start("", Htpasswd());
    ASSERT_TRUE(registry.ok()) << registry.status().message();
    registry_ = std::move(registry).value();
    host_ = registry_->host();
    config_ = registry_->Config("app");
  }

  void PushImage(const TestImage& image, const std::string& tag) {
    Status pushed = registry_->PushImage(image, "app", tag);
    ASSERT_TRUE(pushed.ok()) << pushed.message();
  }

  // The bytes `tag` serves, fetched the way docker pull would.
  std::string ManifestBytes(const std::string& tag) {
    Result<std::string> r = registry_->ManifestBytes("app", tag);
    return r.ok() ? *r : r.status().message();
  }

  std::unique_ptr<TestRegistry> registry_;
  std::string host_;
  CurlTransport transport_;
  RegistryConfig config_;
};

TEST_F(RegistryItTest, RetagsAReleaseToLatestKeepingItsDigest) {
  const TestImage image = MakeImage("release abc1234");
  ASSERT_NO_FATAL_FAILURE(PushImage(image, "staging-abc1234"));
  Result<RetagResult> r = Retag(transport_, config_, "staging-abc1234", "latest");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->digest, Sha256Digest(image.manifest));
  EXPECT_EQ(r->media_type, kOciManifest);
  Result<std::string> latest = ManifestDigest(transport_, config_, "latest");
  ASSERT_TRUE(latest.ok()) << latest.status().message();
  EXPECT_EQ(*latest, r->digest);
  EXPECT_EQ(ManifestBytes("latest"), image.manifest);
}

TEST_F(RegistryItTest, MovesTheChannelToTheNextRelease) {
  const TestImage first = MakeImage("first");
  const TestImage second = MakeImage("second");
  ASSERT_NO_FATAL_FAILURE(PushImage(first, "staging-1111111"));
  ASSERT_NO_FATAL_FAILURE(PushImage(second, "staging-2222222"));
  ASSERT_TRUE(Retag(transport_, config_, "staging-1111111", "latest").ok());
  EXPECT_EQ(ManifestDigest(transport_, config_, "latest").value(), Sha256Digest(first.manifest));
  ASSERT_TRUE(Retag(transport_, config_, "staging-2222222", "latest").ok());
  EXPECT_EQ(ManifestDigest(transport_, config_, "latest").value(), Sha256Digest(second.manifest));
}

TEST_F(RegistryItTest, AMissingTagIsNotFoundAndLatestStaysPut) {
  const TestImage image = MakeImage("release abc1234");
  ASSERT_NO_FATAL_FAILURE(PushImage(image, "staging-abc1234"));
  ASSERT_TRUE(Retag(transport_, config_, "staging-abc1234", "latest").ok());
  Result<RetagResult> r = Retag(transport_, config_, "staging-0000000", "latest");
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(r.status().message(), "source tag \"staging-0000000\" not found in " + host_ + "/app");
  EXPECT_EQ(ManifestDigest(transport_, config_, "latest").value(), Sha256Digest(image.manifest));
  // And in a repository that does not exist at all.
  config_.repository = "nothing-here";
  EXPECT_EQ(ManifestDigest(transport_, config_, "latest").status().code(), Status::Code::kNotFound);
}

// Without the Accept header the registry would convert a Docker v2
// manifest to schema 1, with another digest.
TEST_F(RegistryItTest, ADockerV2ManifestKeepsItsTypeAndDigest) {
  const TestImage image = MakeImage("docker", /*docker_v2=*/true);
  ASSERT_NO_FATAL_FAILURE(PushImage(image, "staging-d0c4e12"));
  Result<RetagResult> r = Retag(transport_, config_, "staging-d0c4e12", "latest");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->media_type, kDockerManifest);
  EXPECT_EQ(r->digest, Sha256Digest(image.manifest));
  EXPECT_EQ(ManifestDigest(transport_, config_, "latest").value(), r->digest);
}

TEST_F(RegistryItTest, AnswersOverTheBodyCapAreRefused) {
  ASSERT_NO_FATAL_FAILURE(PushImage(MakeImage("big enough"), "staging-abc1234"));
  CurlTransportOptions options;
  options.max_body = 16;
  CurlTransport small(options);
  Result<std::string> r = ManifestDigest(small, config_, "staging-abc1234");
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(r.status().message().find("answer larger than 16 bytes"), std::string::npos)
      << r.status().message();
}

class BasicAuthRegistryItTest : public RegistryItTest {
 protected:
  std::string Htpasswd() const override { return kHtpasswd; }
  void SetUp() override {
    RegistryItTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    registry_->SetCredentials("ci", "s3cret");  // for the pushes
    config_.username = "ci";
    config_.password = "s3cret";
  }
};

TEST_F(BasicAuthRegistryItTest, RetagsWithBasicCredentials) {
  const TestImage image = MakeImage("private");
  ASSERT_NO_FATAL_FAILURE(PushImage(image, "staging-abc1234"));
  Result<RetagResult> r = Retag(transport_, config_, "staging-abc1234", "latest");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(ManifestDigest(transport_, config_, "latest").value(), Sha256Digest(image.manifest));
}

TEST_F(BasicAuthRegistryItTest, WrongOrMissingCredentialsAreRefusedWithoutLeakingThem) {
  config_.password = "wrong-password";
  Result<RetagResult> wrong = Retag(transport_, config_, "staging-abc1234", "latest");
  EXPECT_EQ(wrong.status().message(),
            "registry " + host_ + "/app refused the credentials (HTTP 401)");
  config_.username.clear();
  config_.password.clear();
  Result<RetagResult> none = Retag(transport_, config_, "staging-abc1234", "latest");
  EXPECT_EQ(none.status().message(),
            "registry " + host_ + "/app requires credentials (HTTP 401); none are configured");
}

TEST(RegistryUnreachableTest, NothingListeningIsUnavailable) {
  Result<int> port = FreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  RegistryConfig config;
  config.url = fmt::format("http://127.0.0.1:{}", *port);
  config.repository = "app";
  config.insecure = true;
  config.timeout = 5s;
  CurlTransport transport;
  Result<RetagResult> r = Retag(transport, config, "staging-abc1234", "latest");
  EXPECT_EQ(r.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(r.status().message().find("/v2/app/manifests/staging-abc1234"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace rollcall
