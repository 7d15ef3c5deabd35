#include "test_registry.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "registry/digest.h"
#include "registry/oci_client.h"

namespace rollcall::it {
namespace {

using namespace std::chrono_literals;

Status WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) return Status::Internal("cannot write " + path.string());
  return Status::Ok();
}

std::string Describe(const RegistryResponse& r) {
  return fmt::format("HTTP {}: {}", r.status, r.body);
}

}  // namespace

TestImage MakeImage(const std::string& text, bool docker_v2) {
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

std::string DigestOf(const TestImage& image) { return Sha256Digest(image.manifest); }

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

bool TestRegistry::Available() { return access(kBin, X_OK) == 0; }

Result<std::unique_ptr<TestRegistry>> TestRegistry::Start(const std::string& dir,
                                                          const std::string& htpasswd) {
  std::unique_ptr<TestRegistry> registry(new TestRegistry());
  if (dir.empty()) {
    // tmpfs when there is one: the registry writes (and we later delete) a
    // dozen files per pushed image, slow on a busy disk.
    std::string dir_template = (access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp");
    dir_template += "/rollcall-registry-XXXXXX";
    if (mkdtemp(dir_template.data()) == nullptr) return Status::Internal("mkdtemp failed");
    registry->dir_ = dir_template;
    registry->owns_dir_ = true;
  } else {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::Internal("cannot create " + dir + ": " + ec.message());
    registry->dir_ = dir;
  }
  const std::filesystem::path root = registry->dir_;
  Result<int> port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  registry->host_ = fmt::format("127.0.0.1:{}", *port);

  std::string auth;
  if (!htpasswd.empty()) {
    if (Status s = WriteFile(root / "htpasswd", htpasswd); !s.ok()) return s;
    auth = fmt::format("auth:\n  htpasswd: {{realm: \"Rollcall Test\", path: {}}}\n",
                       (root / "htpasswd").string());
  }
  if (Status s = WriteFile(
          root / "config.yml",
          fmt::format("version: 0.1\nlog: {{level: warn}}\nstorage:\n"
                      "  filesystem: {{rootdirectory: {}}}\n  delete: {{enabled: true}}\n"
                      "{}http: {{addr: {}}}\n",
                      (root / "data").string(), auth, registry->host_));
      !s.ok()) {
    return s;
  }
  auto child = ChildProcess::Start({kBin, "serve", (root / "config.yml").string()});
  if (!child.ok()) return child.status();
  registry->process_ = std::move(child).value();
  if (Status s = registry->WaitUntilServing(After(15s)); !s.ok()) return s;
  return registry;
}

TestRegistry::~TestRegistry() {
  process_.reset();  // kills it before its storage goes
  if (owns_dir_ && !std::getenv("ROLLCALL_KEEP_TEST_OUTPUT")) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

// Ready once GET /v2/ gets any HTTP answer (401 when auth is on). Between
// attempts it waits for the registry to exit, which doubles as the pause.
Status TestRegistry::WaitUntilServing(Deadline deadline) {
  RegistryRequest ping;
  ping.url = url() + "/v2/";
  ping.timeout = 1s;
  while (SteadyClock::now() < deadline) {
    if (transport_.Send(ping).ok()) return Status::Ok();
    if (process_->Wait(After(20ms)).ok()) {
      return Status::Unavailable("docker-registry exited: " + process_->ReadStderr());
    }
  }
  return Status::Unavailable("docker-registry did not answer on " + host_ + ": " +
                             process_->ReadStderr());
}

void TestRegistry::SetCredentials(std::string username, std::string password) {
  username_ = std::move(username);
  password_ = std::move(password);
}

RegistryConfig TestRegistry::Config(const std::string& repository) const {
  RegistryConfig config;
  config.url = url();
  config.repository = repository;
  config.insecure = true;
  config.timeout = 10s;
  config.username = username_;
  config.password = password_;
  return config;
}

// POST an upload, then PUT the bytes to its Location with the digest.
Status TestRegistry::PushBlob(RegistrySession& session, const RegistryConfig& config,
                              const std::string& bytes) {
  const std::string scope = PushScope(config.repository);
  RegistryRequest start;
  start.method = "POST";
  start.url = fmt::format("{}/v2/{}/blobs/uploads/", config.url, config.repository);
  Result<RegistryResponse> started = session.Send(start, scope);
  if (!started.ok()) return started.status().Prefixed("blob upload start: ");
  if (started->status != 202) return Status::Internal("blob upload start: " + Describe(*started));
  std::string location = started->Header("Location");
  if (location.empty()) return Status::Internal("blob upload start: no Location header");
  if (location.starts_with("/")) location = config.url + location;
  RegistryRequest put;
  put.method = "PUT";
  put.url = location + (location.find('?') == std::string::npos ? '?' : '&') +
            "digest=" + PercentEncode(Sha256Digest(bytes));
  put.headers.emplace_back("Content-Type", "application/octet-stream");
  put.body = bytes;
  Result<RegistryResponse> done = session.Send(put, scope);
  if (!done.ok()) return done.status().Prefixed("blob upload: ");
  if (done->status != 201) return Status::Internal("blob upload: " + Describe(*done));
  return Status::Ok();
}

Status TestRegistry::PushImage(const TestImage& image, const std::string& repository,
                               const std::string& tag) {
  const RegistryConfig config = Config(repository);
  RegistrySession session(transport_, config);
  if (Status s = PushBlob(session, config, image.config); !s.ok()) return s.Prefixed("config ");
  if (Status s = PushBlob(session, config, image.layer); !s.ok()) return s.Prefixed("layer ");
  RegistryRequest put;
  put.method = "PUT";
  put.url = fmt::format("{}/v2/{}/manifests/{}", config.url, repository, tag);
  put.headers.emplace_back("Content-Type", image.media_type);
  put.body = image.manifest;
  Result<RegistryResponse> done = session.Send(put, PushScope(repository));
  if (!done.ok()) return done.status().Prefixed("manifest PUT: ");
  if (done->status != 201) return Status::Internal("manifest PUT: " + Describe(*done));
  const std::string digest = done->Header("Docker-Content-Digest");
  if (digest != Sha256Digest(image.manifest)) {
    return Status::Internal(fmt::format("manifest PUT: Docker-Content-Digest {} != {}", digest,
                                        Sha256Digest(image.manifest)));
  }
  return Status::Ok();
}

Result<std::string> TestRegistry::Digest(const std::string& repository, const std::string& tag) {
  return ManifestDigest(transport_, Config(repository), tag);
}

Result<std::string> TestRegistry::ManifestBytes(const std::string& repository,
                                                const std::string& tag) {
  const RegistryConfig config = Config(repository);
  RegistrySession session(transport_, config);
  RegistryRequest get;
  get.url = fmt::format("{}/v2/{}/manifests/{}", config.url, repository, tag);
  get.headers.emplace_back("Accept", ManifestAccept());
  Result<RegistryResponse> r = session.Send(get, PullScope(repository));
  if (!r.ok()) return r.status();
  if (r->status != 200) return Status::NotFound(fmt::format("{}:{}: {}", repository, tag, Describe(*r)));
  return r->body;
}

}  // namespace rollcall::it
