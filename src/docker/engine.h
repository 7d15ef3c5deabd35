// DockerEngine: the Docker Engine API calls a container swap needs
// (API v1.41; podman's compatible service answers the same).
//
// The swap (container_swap.h) talks to an engine only through this
// interface, so its tests drive a fake that can fail or "crash" at any call;
// CurlEngine (curl_engine.h) is the real one. Every call is blocking and
// bounded; implementations are thread-safe. Errors are values: NotFound
// when the named container or image does not exist, Conflict when the
// engine refuses the state change (a name taken), Unavailable when the
// engine cannot be reached or answers garbage, Internal for other refusals,
// each naming the call and carrying the engine's message.
#pragma once

#include <string>
#include <vector>

#include "core/json_reader.h"
#include "core/status.h"
#include "core/time.h"

namespace rollcall {

class DockerEngine {
 public:
  DockerEngine() = default;
  DockerEngine(const DockerEngine&) = delete;
  DockerEngine& operator=(const DockerEngine&) = delete;
  virtual ~DockerEngine() = default;

  // GET /containers/{name}/json
  virtual Result<Json> InspectContainer(const std::string& name) = 0;
  // GET /images/{ref}/json
  virtual Result<Json> InspectImage(const std::string& ref) = 0;
  // GET /containers/json?all=1&filters={"label":["k=v"]}: the names
  // (without Docker's leading '/') of every container carrying the label.
  virtual Result<std::vector<std::string>> NamesByLabel(const std::string& label) = 0;
  // POST /images/create?fromImage=repo&tag=tag, with X-Registry-Auth when
  // `registry_auth` is not empty; an error line in the streamed progress
  // fails the pull. Bounded by `timeout`.
  virtual Status Pull(const std::string& image, const std::string& registry_auth, Duration timeout) = 0;
  // POST /containers/create?name=... -> the new container's id.
  virtual Result<std::string> Create(const std::string& name, const Json& body) = 0;
  // POST /networks/{network}/connect {"Container","EndpointConfig"}
  virtual Status Connect(const std::string& network, const std::string& container,
                         const Json& endpoint) = 0;
  // POST /containers/{name}/start; a running container is fine.
  virtual Status Start(const std::string& name) = 0;
  // POST /containers/{name}/stop?t=grace; a stopped container is fine.
  virtual Status Stop(const std::string& name, int64_t grace_s) = 0;
  // POST /containers/{name}/rename?name=...
  virtual Status Rename(const std::string& name, const std::string& new_name) = 0;
  // DELETE /containers/{name}?force=1 — never its volumes (v stays 0).
  virtual Status Remove(const std::string& name) = 0;
};

}  // namespace rollcall
