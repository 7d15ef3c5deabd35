// The retag client against a real registry: Debian's docker-registry
// (distribution 2.8) on a loopback port, its storage in a temp directory.
// An image is pushed through the distribution API (two blobs and a
// manifest), then retagged the way promotion does it.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "harness.h"
#include "registry/curl_transport.h"
#include "registry/digest.h"
#include "registry/oci_client.h"
#include "registry/registry_auth.h"

namespace rollcall {
namespace {

using namespace std::chrono_literals;
using it::After;
using it::ChildProcess;
using it::Deadline;

constexpr char kRegistryBin[] = "/usr/bin/docker-registry";
constexpr char kOciManifest[] = "application/vnd.oci.image.manifest.v1+json";
constexpr char kDockerManifest[] = "application/vnd.docker.distribution.manifest.v2+json";
// bcrypt (cost 4, the fastest Go accepts) of "s3cret", for user "ci".
constexpr char kHtpasswd[] = "ci:$2b$04$nk0ZwcUJkSaASV4Y6/krPupGgZeqE3rq8v.AvjLkTWFUnykWmnbhS\n";

// A port nothing listens on right now: bind port 0, read it, close.
Result<int> FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Status::Unavailable("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  if (!ok) return Status::Unavailable("cannot bind a loopback port");
  return static_cast<int>(ntohs(addr.sin_port));
}

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// An image as the registry sees it: blobs and a manifest referring to them.
// The registry never looks inside a blob, so the "layer" is a few bytes.
struct TestImage {
  std::string config;
  std::string layer;
  std::string manifest;
  std::string media_type;
};

TestImage MakeImage(const std::string& text, bool docker_v2 = false) {
  TestImage image;
  image.layer = "layer: " + text + "\n";
  image.config = fmt::format(
      R"({{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":["{}"]}}}})",
      Sha256Digest(image.layer));
  image.media_type = docker_v2 ? kDockerManifest : kOciManifest;
  const char* config_type = docker_v2 ? "application/vnd.docker.container.image.v1+json"
                                      : "application/vnd.oci.image.config.v1+json";
  const char* layer_type = docker_v2 ? "application/vnd.docker.image.rootfs.diff.tar"
                                     : "application/vnd.oci.image.layer.v1.tar";
  image.manifest = fmt::format(
      R"({{"schemaVersion":2,"mediaType":"{}","config":{{"mediaType":"{}","digest":"{}","size":{}}},)"
      R"("layers":[{{"mediaType":"{}","digest":"{}","size":{}}}]}})",
      image.media_type, config_type, Sha256Digest(image.config), image.config.size(), layer_type,
      Sha256Digest(image.layer), image.layer.size());
  return image;
}

class RegistryItTest : public ::testing::Test {
 protected:
  // An htpasswd line turns on basic auth; empty: anonymous.
  virtual std::string Htpasswd() const { return ""; }

  void SetUp() override {
    if (access(kRegistryBin, X_OK) != 0) {
      GTEST_SKIP() << kRegistryBin << " is not installed (apt-get install docker-registry)";
    }
    char dir_template[] = "/tmp/rollcall-registry-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    Result<int> port = FreeLoopbackPort();
    ASSERT_TRUE(port.ok()) << port.status().message();
    host_ = fmt::format("127.0.0.1:{}", *port);
    WriteConfig();
    auto child = ChildProcess::Start({kRegistryBin, "serve", (dir_ / "config.yml").string()});
    ASSERT_TRUE(child.ok()) << child.status().message();
    registry_ = std::move(child).value();
    ASSERT_NO_FATAL_FAILURE(WaitUntilServing(After(15s)));
    config_.url = "http://" + host_;
    config_.repository = "app";
    config_.insecure = true;
    config_.timeout = 10s;
  }

  void TearDown() override {
    registry_.reset();  // kills it before its storage goes
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  void WriteConfig() {
    std::string auth;
    if (!Htpasswd().empty()) {
      WriteFile(dir_ / "htpasswd", Htpasswd());
      auth = fmt::format("auth:\n  htpasswd: {{realm: \"Rollcall Test\", path: {}}}\n",
                         (dir_ / "htpasswd").string());
    }
    WriteFile(dir_ / "config.yml",
              fmt::format("version: 0.1\nlog: {{level: warn}}\nstorage:\n"
                          "  filesystem: {{rootdirectory: {}}}\n  delete: {{enabled: true}}\n"
                          "{}http: {{addr: {}}}\n",
                          (dir_ / "data").string(), auth, host_));
  }

  // Ready once GET /v2/ gets any HTTP answer (401 when auth is on). Between
  // attempts it waits for the registry to exit, which doubles as the pause.
  void WaitUntilServing(Deadline deadline) {
    RegistryRequest ping;
    ping.url = "http://" + host_ + "/v2/";
    ping.timeout = 1s;
    while (it::SteadyClock::now() < deadline) {
      if (transport_.Send(ping).ok()) return;
      if (registry_->Wait(After(20ms)).ok()) {
        FAIL() << "docker-registry exited: " << registry_->ReadStderr();
      }
    }
    FAIL() << "docker-registry did not answer on " << host_ << ": " << registry_->ReadStderr();
  }

  // POST an upload, then PUT the bytes to its Location with the digest.
  void PushBlob(RegistrySession& session, const std::string& bytes) {
    RegistryRequest start;
    start.method = "POST";
    start.url = config_.url + "/v2/app/blobs/uploads/";
    Result<RegistryResponse> started = session.Send(start, PushScope("app"));
    ASSERT_TRUE(started.ok()) << started.status().message();
    ASSERT_EQ(started->status, 202) << started->body;
    std::string location = started->Header("Location");
    ASSERT_FALSE(location.empty());
    if (location.starts_with("/")) location = config_.url + location;
    RegistryRequest put;
    put.method = "PUT";
    put.url = location + (location.find('?') == std::string::npos ? '?' : '&') +
              "digest=" + PercentEncode(Sha256Digest(bytes));
    put.headers.emplace_back("Content-Type", "application/octet-stream");
    put.body = bytes;
    Result<RegistryResponse> done = session.Send(put, PushScope("app"));
    ASSERT_TRUE(done.ok()) << done.status().message();
    ASSERT_EQ(done->status, 201) << done->body;
  }

  void PushImage(const TestImage& image, const std::string& tag) {
    RegistrySession session(transport_, config_);
    ASSERT_NO_FATAL_FAILURE(PushBlob(session, image.config));
    ASSERT_NO_FATAL_FAILURE(PushBlob(session, image.layer));
    RegistryRequest put;
    put.method = "PUT";
    put.url = config_.url + "/v2/app/manifests/" + tag;
    put.headers.emplace_back("Content-Type", image.media_type);
    put.body = image.manifest;
    Result<RegistryResponse> done = session.Send(put, PushScope("app"));
    ASSERT_TRUE(done.ok()) << done.status().message();
    ASSERT_EQ(done->status, 201) << done->body;
    ASSERT_EQ(done->Header("Docker-Content-Digest"), Sha256Digest(image.manifest));
  }

  // The bytes `tag` serves, fetched the way docker pull would.
  std::string ManifestBytes(const std::string& tag) {
    RegistrySession session(transport_, config_);
    RegistryRequest get;
    get.url = config_.url + "/v2/app/manifests/" + tag;
    get.headers.emplace_back("Accept", ManifestAccept());
    Result<RegistryResponse> r = session.Send(get, PullScope("app"));
    return r.ok() ? r->body : r.status().message();
  }

  std::filesystem::path dir_;
  std::string host_;
  std::unique_ptr<ChildProcess> registry_;
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
