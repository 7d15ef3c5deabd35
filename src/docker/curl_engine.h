// CurlEngine: DockerEngine over libcurl, on a unix socket
// (CURLOPT_UNIX_SOCKET_PATH) or TCP, with TLS client certificates for a
// remote engine. One easy handle per call: calls from several threads never
// share a connection. No docker CLI, no shell.
#pragma once

#include <string>

#include "core/docker_settings.h"
#include "docker/engine.h"

namespace rollcall {

struct CurlEngineOptions {
  std::string host = std::string(kDefaultDockerHost);  // unix:///path | tcp://host:port
  DockerTls tls;                                      // tcp:// only
  Duration call_timeout = std::chrono::seconds(30);   // every call but Pull
  size_t max_body = 8 << 20;                          // larger answers are Unavailable
};

class CurlEngine : public DockerEngine {
 public:
  explicit CurlEngine(CurlEngineOptions options);

  Result<Json> InspectContainer(const std::string& name) override;
  Result<Json> InspectImage(const std::string& ref) override;
  Result<std::vector<std::string>> NamesByLabel(const std::string& label) override;
  Status Pull(const std::string& image, const std::string& registry_auth, Duration timeout) override;
  Result<std::string> Create(const std::string& name, const Json& body) override;
  Status Connect(const std::string& network, const std::string& container, const Json& endpoint) override;
  Status Start(const std::string& name) override;
  Status Stop(const std::string& name, int64_t grace_s) override;
  Status Rename(const std::string& name, const std::string& new_name) override;
  Status Remove(const std::string& name) override;

  struct Answer {
    long status = 0;
    std::string body;
  };

 private:
  // One exchange; Unavailable when the engine cannot be reached.
  Result<Answer> Call(const std::string& method, const std::string& path, const std::string& body,
                      const std::string& registry_auth, Duration timeout);
  // `what` names the call in messages ("start mol-tenant-a").
  Status Expect(const Result<Answer>& answer, std::string_view what, std::initializer_list<long> ok);

  const CurlEngineOptions options_;
  std::string base_url_;     // "http://docker/v1.41" or "https://host:port/v1.41"
  std::string unix_socket_;  // empty for tcp://
};

// X-Registry-Auth: base64url of {"username","password","serveraddress"}, as
// the Engine API expects. Empty when `username` is.
std::string RegistryAuthHeader(const std::string& username, const std::string& password,
                               const std::string& server);

// The registry host of an image reference ("127.0.0.1:5000/app:v1" ->
// "127.0.0.1:5000"; "app:v1" -> "docker.io").
std::string RegistryHostOf(const std::string& image);

}  // namespace rollcall
