// PodmanHost: a real container engine for the docker driver's tests —
// podman's Docker-compatible API service (Engine API v1.41) on a unix socket
// of its own, runc, host networking, and a tiny busybox image in several
// versions pushed to Debian's docker-registry on loopback (../shared/STACK.md
// has the measured recipe).
//
//   Result<std::unique_ptr<PodmanHost>> host = PodmanHost::Start();
//   if (!host.ok()) { ... skip or fail: host.status() says why ... }
//   (*host)->Image("v2")  -> "127.0.0.1:PORT/rcit-app:v2"
//
// Every image serves /buildinfo {"git_sha": ...} and (but "sick") /healthz
// with busybox httpd on 127.0.0.1:$PORT; "slow" waits 4 s before serving.
// The host removes every container it labelled at destruction.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/status.h"
#include "docker/curl_engine.h"
#include "harness.h"
#include "test_registry.h"

namespace rollcall::it {

struct AppVersion {
  std::string tag;
  std::string git_sha;
  bool healthy = true;
  int start_delay_s = 0;
};

// v1, v2, sick (no /healthz), slow (healthy after 4 s).
const std::vector<AppVersion>& AppVersions();
const AppVersion& Version(const std::string& tag);

class PodmanHost {
 public:
  static constexpr char kPodman[] = "/usr/bin/podman";

  // Unavailable, with why, when podman cannot run containers here (not
  // installed, not root, no runc, the sandbox refuses): tests skip then,
  // unless ROLLCALL_REQUIRE_PODMAN=1 (CI), when they fail.
  static Result<std::unique_ptr<PodmanHost>> Start();
  ~PodmanHost();

  std::string socket_url() const { return "unix://" + socket_; }
  std::string repo() const { return registry_->host() + "/rcit-app"; }
  std::string Image(const std::string& tag) const { return repo() + ":" + tag; }
  // Labels every container this host made carries ("rollcall.test=<pid>").
  std::string test_label() const { return test_label_; }
  CurlEngine& engine() { return *engine_; }

  // Creates and starts `name` on `image` with `env`, `labels` and a restart
  // policy, host networking, the image's own command.
  Result<std::string> RunContainer(const std::string& name, const std::string& image,
                                   const std::vector<std::string>& env,
                                   const std::map<std::string, std::string>& labels,
                                   const std::vector<std::string>& cmd = {},
                                   const std::vector<std::string>& binds = {});
  // The names of every container carrying `label` (k=v).
  std::vector<std::string> NamesWith(const std::string& label);
  // GET on the Engine API (volumes, say): the status and the body.
  std::pair<long, std::string> Get(const std::string& path);
  // A named volume carrying the test label (so cleanup finds it).
  Status CreateVolume(const std::string& name);
  // Removes every container this host labelled, and their volumes.
  void RemoveTestContainers();

 private:
  PodmanHost() = default;
  Status BuildImages();

  std::string dir_;
  std::string socket_;
  std::string test_label_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<TestRegistry> registry_;
  std::unique_ptr<ChildProcess> service_;
  std::unique_ptr<CurlEngine> engine_;
};

// GTEST_SKIP()s (or fails, under ROLLCALL_REQUIRE_PODMAN=1) with the reason.
#define ROLLCALL_REQUIRE_PODMAN_OR_SKIP(host_result)                                           \
  do {                                                                                         \
    if (!(host_result).ok()) {                                                                 \
      const char* required = std::getenv("ROLLCALL_REQUIRE_PODMAN");                           \
      if (required && std::string(required) == "1") {                                          \
        FAIL() << "podman is required here: " << (host_result).status().message();             \
      }                                                                                        \
      GTEST_SKIP() << "podman cannot run containers here: " << (host_result).status().message(); \
    }                                                                                          \
  } while (0)

}  // namespace rollcall::it
