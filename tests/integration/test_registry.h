// TestRegistry: Debian's docker-registry (distribution 2.8) on a free
// loopback port, configured from scratch in a directory of its own (never
// /etc/docker/registry), plus tiny images pushed through the distribution
// API. For every test that needs a real registry.
//
//   if (!TestRegistry::Available()) GTEST_SKIP() << TestRegistry::kBin << " is not installed";
//   auto registry = TestRegistry::Start();
//   ASSERT_TRUE(registry.ok()) << registry.status().message();
//   const TestImage image = MakeImage("release abc1234");
//   ASSERT_TRUE((*registry)->PushImage(image, "app", "staging-abc1234").ok());
//   Result<std::string> digest = (*registry)->Digest("app", "staging-abc1234");
//
// Errors are Status/Result (no gtest assertions inside), so the fixture is
// usable from any test file and from helper threads. PushImage, Digest and
// ManifestBytes may be called from several threads at once (each call has
// its own session; the transport is thread-safe); the rest is not.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "harness.h"
#include "registry/curl_transport.h"
#include "registry/registry_auth.h"
#include "registry/registry_config.h"

namespace rollcall::it {

inline constexpr char kOciManifest[] = "application/vnd.oci.image.manifest.v1+json";
inline constexpr char kDockerManifest[] = "application/vnd.docker.distribution.manifest.v2+json";

// An image as the registry sees it: blobs and a manifest referring to them.
// The registry never looks inside a blob, so the "layer" is a few bytes.
struct TestImage {
  std::string config;
  std::string layer;
  std::string manifest;
  std::string media_type;
};

// Distinct `text` gives distinct blobs, hence a distinct manifest digest.
// OCI manifest by default; `docker_v2` for a Docker v2 schema 2 manifest.
TestImage MakeImage(const std::string& text, bool docker_v2 = false);

// The digest a registry gives `image` ("sha256:..." of its manifest bytes).
std::string DigestOf(const TestImage& image);

// A port nothing listens on right now: bind port 0, read it, close.
Result<int> FreeLoopbackPort();

class TestRegistry {
 public:
  static constexpr char kBin[] = "/usr/bin/docker-registry";

  // Whether kBin is installed and executable (tests GTEST_SKIP otherwise).
  static bool Available();

  // Writes config.yml (storage under <dir>/data, http on a free loopback
  // port, basic auth from `htpasswd` when non-empty) into `dir` (created if
  // needed; when empty, a fresh temp dir under /dev/shm, else /tmp, removed
  // on destruction), starts the registry and waits until GET /v2/ gets any
  // answer (401 with auth).
  static Result<std::unique_ptr<TestRegistry>> Start(const std::string& dir = "",
                                                     const std::string& htpasswd = "");

  // Kills the registry (before its storage goes) and removes the temp dir
  // it created (kept when ROLLCALL_KEEP_TEST_OUTPUT is set).
  ~TestRegistry();
  TestRegistry(const TestRegistry&) = delete;
  TestRegistry& operator=(const TestRegistry&) = delete;

  const std::string& host() const { return host_; }  // "127.0.0.1:PORT"
  std::string url() const { return "http://" + host_; }
  const std::string& dir() const { return dir_; }
  ChildProcess& process() { return *process_; }

  // Credentials PushImage, Digest and ManifestBytes send (basic auth).
  void SetCredentials(std::string username, std::string password);

  // How the retag client reaches `repository` here: insecure http, 10 s
  // timeout, the credentials set above.
  RegistryConfig Config(const std::string& repository = "app") const;

  // Pushes both blobs, then the manifest under `tag`; checks the digest the
  // registry answers is the manifest's. The message says which step failed.
  Status PushImage(const TestImage& image, const std::string& repository, const std::string& tag);

  // The digest `repository:tag` points at now (NotFound when absent).
  Result<std::string> Digest(const std::string& repository, const std::string& tag);

  // The bytes `repository:tag` serves, fetched the way docker pull would.
  Result<std::string> ManifestBytes(const std::string& repository, const std::string& tag);

 private:
  TestRegistry() = default;
  Status WaitUntilServing(Deadline deadline);
  Status PushBlob(RegistrySession& session, const RegistryConfig& config,
                  const std::string& bytes);

  std::string dir_;
  bool owns_dir_ = false;
  std::string host_;
  std::string username_;
  std::string password_;
  std::unique_ptr<ChildProcess> process_;
  CurlTransport transport_;
};

}  // namespace rollcall::it
